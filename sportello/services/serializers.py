import datetime
import re
import zoneinfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# A "+" in an unencoded query string arrives as a space: "09:30:00 02:00" means "+02:00".
_SPACE_BEFORE_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


class StatusQuerySerializer(serializers.Serializer[dict[str, datetime.datetime]]):
    at = serializers.CharField(
        required=False,
        help_text=_(
            "Istante da valutare in ISO 8601, ad esempio 2026-12-07T10:00:00+01:00; senza fuso "
            "orario vale l'ora di Roma. Predefinito: adesso."
        ),
    )

    def validate_at(self, value: str) -> datetime.datetime:
        text = _SPACE_BEFORE_OFFSET.sub(r"\1+\2", value.strip())
        try:
            if "T" not in text and " " not in text:
                raise ValueError(text)
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise serializers.ValidationError(
                _(
                    "Data e ora non valide: usa il formato ISO 8601 con data e ora, ad esempio "
                    "2026-12-07T10:00:00+01:00."
                )
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
        if (
            not datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
            <= moment
            <= datetime.datetime(2200, 1, 1, tzinfo=datetime.UTC)
        ):
            raise serializers.ValidationError(_("Data fuori dall'intervallo ammesso (1900–2200)."))
        return moment


class EmergencyNumberSerializer(serializers.Serializer[dict[str, str]]):
    number = serializers.CharField()
    label = serializers.CharField()


class DeskStatusSerializer(serializers.Serializer[dict[str, object]]):
    open = serializers.BooleanField(help_text=_("Se lo sportello risponde in quell'istante."))
    at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField(allow_null=True)
    next_opening = serializers.DateTimeField(allow_null=True)
    phone = serializers.CharField()
    emergency_numbers = EmergencyNumberSerializer(many=True)


def iso_instant(value: datetime.datetime | None, tz: zoneinfo.ZoneInfo) -> str | None:
    """An instant as the API gives it: ISO 8601 with the desk's offset (DESIGN.md §5)."""
    return None if value is None else value.astimezone(tz).isoformat()
