"""The staffing calculator for integrations: Erlang C on the query parameters, nothing stored."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sportello.api.authentication import ClientTokenAuthentication
from sportello.api.permissions import IsApiClient
from sportello.api.throttling import PerClientThrottle
from sportello.rota import erlang
from sportello.rota.serializers import ErlangQuerySerializer, ErlangStaffingSerializer


class ErlangStaffingView(APIView):
    """Operators needed for one interval of demand, to meet a service level (Erlang C)."""

    authentication_classes = [ClientTokenAuthentication]
    permission_classes = [IsApiClient]
    throttle_classes = [PerClientThrottle]

    @extend_schema(
        summary="Erlang C staffing",
        description=(
            "The fewest operators that answer `service_level` of `calls` arriving over "
            "`period_s` seconds within `target_s` seconds, each held `aht_s` seconds on average, "
            "without exceeding `max_occupancy`; `rostered` adds `shrinkage`. Fractions are "
            "0-1 (0.8 = 80%). Erlang C assumes nobody hangs up while waiting. Nothing is stored."
        ),
        parameters=[ErlangQuerySerializer],
        responses={
            200: ErlangStaffingSerializer,
            400: OpenApiResponse(description="Per-parameter errors, Italian or English."),
            401: OpenApiResponse(description="Missing, bad or revoked token."),
            429: OpenApiResponse(description="Too many requests from this client."),
        },
    )
    def get(self, request: Request) -> Response:
        query = ErlangQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = erlang.staffing(data["calls"], data["period_s"], data["aht_s"], query.target())
        return Response(
            {
                "agents": result.agents,
                "service_level": result.service_level,
                "probability_waiting": result.probability_waiting,
                "average_speed_of_answer_s": result.average_speed_of_answer_s,
                "occupancy": result.occupancy,
                "traffic_erlangs": result.traffic_erlangs,
                "rostered": result.rostered,
            }
        )
