"""The telephony webhook's body and the queue's answer, as the integration contract fixes them."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sportello.intake import phone_numbers
from sportello.services import queries as catalogue
from sportello.services.models import Service

# A telephony system's clock may drift; a call "received" further in the future is a mistake.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


class ServiceCodeField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    default_error_messages = {
        "does_not_exist": _("Servizio sconosciuto o non attivo: «{value}»."),
        "invalid": _("Il codice del servizio deve essere un testo."),
    }


class IncomingCallSerializer(serializers.Serializer[dict[str, Any]]):
    call_id = serializers.CharField(max_length=100, help_text=_("Identificativo della chiamata."))
    caller_number = serializers.CharField(
        allow_null=True,
        allow_blank=True,
        max_length=30,
        help_text=_("Numero del chiamante; null se anonimo."),
    )
    service = ServiceCodeField(
        slug_field="code",
        queryset=Service.objects.filter(is_active=True),
        help_text=_("Codice del servizio (emergency, victims, mediation, criminology)."),
    )
    received_at = serializers.DateTimeField(
        help_text=_("Quando è arrivata la chiamata, ISO 8601 con fuso orario.")
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text=_("Nota del centralino.")
    )

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        # A JSON null body is "not an object" too (DRF would answer an untranslated
        # "No data provided").
        return (False, data) if data is None else super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Il corpo deve essere un oggetto JSON.")]}
            )
        # An offset must be explicit: a telephony system in another zone would shift calls.
        received = data.get("received_at")
        if isinstance(received, str) and _lacks_offset(received):
            raise serializers.ValidationError(
                {"received_at": [_("Indica il fuso orario, ad esempio 2026-12-01T10:00:00+01:00.")]}
            )
        return super().to_internal_value(data)

    def validate_caller_number(self, value: str | None) -> str:
        if not value:
            return ""
        try:
            return phone_numbers.normalise(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def validate_received_at(self, value: datetime.datetime) -> datetime.datetime:
        if value > catalogue.now() + FUTURE_TOLERANCE:
            raise serializers.ValidationError(_("L'orario della chiamata è nel futuro."))
        return value


def _lacks_offset(text: str) -> bool:
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False  # the field itself reports the bad format
    return parsed.tzinfo is None


class CallAcceptedSerializer(serializers.Serializer[dict[str, Any]]):
    contact_id = serializers.IntegerField()
    reference = serializers.CharField()
    desk_open = serializers.BooleanField()
    message = serializers.CharField(help_text=_("Cosa dire a chi chiama."))


class ServiceQueueSerializer(serializers.Serializer[dict[str, Any]]):
    service = serializers.CharField()
    name = serializers.CharField()
    waiting = serializers.IntegerField()
    oldest_waiting_since = serializers.DateTimeField(allow_null=True)
    oldest_wait_minutes = serializers.FloatField(help_text=_("Minuti lavorativi."))
    at_risk = serializers.IntegerField(
        help_text=_("Contatti con qualcuno in pericolo ora o valutati a rischio alto o imminente.")
    )


class QueueSerializer(serializers.Serializer[dict[str, Any]]):
    at = serializers.DateTimeField()
    waiting = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    services = ServiceQueueSerializer(many=True)
