"""The contact centre's API: the telephony webhook and the queue for wallboards."""

from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sportello.api import idempotency
from sportello.api.authentication import ClientTokenAuthentication, SignedRequestAuthentication
from sportello.api.permissions import IsApiClient
from sportello.api.throttling import PerClientThrottle
from sportello.intake import caller_script, operations, queries
from sportello.intake.models import Channel
from sportello.intake.serializers import (
    CallAcceptedSerializer,
    IncomingCallSerializer,
    QueueSerializer,
)
from sportello.services.serializers import iso_instant

SIGNED_HEADERS = [
    OpenApiParameter("X-Sportello-Client", OpenApiTypes.STR, OpenApiParameter.HEADER, True),
    OpenApiParameter(
        "X-Sportello-Timestamp",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        True,
        description="Unix seconds; refused beyond SPORTELLO_SIGNATURE_MAX_AGE (300 s).",
    ),
    OpenApiParameter(
        "X-Sportello-Signature",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        True,
        description='sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>',
    ),
    OpenApiParameter(
        "Idempotency-Key",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        True,
        description="The same key and body give the same answer; another body gives 409.",
    ),
]


class IncomingCallView(APIView):
    """The switchboard's telephony system hands a call over (DESIGN.md §5)."""

    authentication_classes = [SignedRequestAuthentication]
    permission_classes = [IsApiClient]
    throttle_classes = [PerClientThrottle]

    @extend_schema(
        summary="Hand a call over",
        parameters=SIGNED_HEADERS,
        request=IncomingCallSerializer,
        responses={
            201: CallAcceptedSerializer,
            200: OpenApiResponse(CallAcceptedSerializer, "A retry: the first answer again."),
            400: OpenApiResponse(description="Per-field errors, Italian or English."),
            401: OpenApiResponse(description="Missing, bad or expired signature."),
            409: OpenApiResponse(description="Idempotency-Key reused with another body."),
            429: OpenApiResponse(description="Too many requests from this client."),
        },
    )
    def post(self, request: Request) -> Response:
        key = idempotency.key_of(request)
        body = request._request.body
        call = IncomingCallSerializer(data=request.data)
        call.is_valid(raise_exception=True)
        data = call.validated_data

        def hand_over() -> idempotency.Answer:
            registration = operations.register_contact(
                operations.ContactRequest(
                    channel=Channel.TELEPHONY,
                    service=data["service"],
                    received_at=data["received_at"],
                    caller_number=data["caller_number"],
                    reason=data.get("note", ""),
                    language=get_language() or "it",
                    external_call_id=data["call_id"],
                ),
                actor_label=f"api:{request.auth.name}",
            )
            contact = registration.contact
            return idempotency.Answer(
                status=201,
                body={
                    "contact_id": contact.pk,
                    "reference": contact.reference,
                    "desk_open": registration.desk.is_open,
                    "message": caller_script.what_to_say(contact, registration.desk),
                },
            )

        answer = idempotency.once(request.auth, key, body, hand_over)
        return Response(answer.body, status=answer.status)


class QueueView(APIView):
    """How many wait per service, the longest wait and how many with someone in danger now."""

    authentication_classes = [ClientTokenAuthentication]
    permission_classes = [IsApiClient]
    throttle_classes = [PerClientThrottle]

    @extend_schema(summary="Live queue", responses={200: QueueSerializer})
    def get(self, request: Request) -> Response:
        summary = queries.queue_summary()
        tz = summary.timezone
        return Response(
            {
                "at": iso_instant(summary.at, tz),
                "waiting": summary.waiting,
                "at_risk": summary.in_danger,
                "services": [
                    {
                        "service": item.service.code,
                        "name": item.service.name,
                        "waiting": item.waiting,
                        "oldest_waiting_since": iso_instant(item.oldest_since, tz),
                        "oldest_wait_minutes": round(item.oldest_wait_minutes, 1),
                        "at_risk": item.in_danger,
                    }
                    for item in summary.services
                ],
            }
        )
