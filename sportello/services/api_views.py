import zoneinfo

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sportello.services.queries import desk_status
from sportello.services.serializers import (
    DeskStatusSerializer,
    StatusQuerySerializer,
    iso_instant,
)


class DeskStatusView(APIView):
    """Whether the desk is open at an instant (now by default), when it closes or reopens."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        parameters=[StatusQuerySerializer],
        responses={200: DeskStatusSerializer},
        summary="Desk status",
    )
    def get(self, request: Request) -> Response:
        query = StatusQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        status = desk_status(query.validated_data.get("at"))
        tz = zoneinfo.ZoneInfo(status.organisation.timezone)
        return Response(
            {
                "open": status.is_open,
                "at": iso_instant(status.at, tz),
                "closes_at": iso_instant(status.closes_at, tz),
                "next_opening": iso_instant(status.next_opening, tz),
                "phone": status.organisation.switchboard_number,
                "emergency_numbers": [
                    {"number": emergency.number, "label": emergency.label}
                    for emergency in status.organisation.emergency_numbers.all()
                ],
            }
        )
