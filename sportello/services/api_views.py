import zoneinfo

from django.utils.timezone import localtime
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sportello.services.queries import desk_status
from sportello.services.serializers import DeskStatusSerializer, StatusQuerySerializer


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

        def instant(value):  # type: ignore[no-untyped-def]
            return None if value is None else localtime(value, tz).isoformat()

        return Response(
            {
                "open": status.is_open,
                "at": instant(status.at),
                "closes_at": instant(status.closes_at),
                "next_opening": instant(status.next_opening),
                "phone": status.organisation.switchboard_number,
                "emergency_numbers": [
                    {"number": emergency.number, "label": emergency.label}
                    for emergency in status.organisation.emergency_numbers.all()
                ],
            }
        )
