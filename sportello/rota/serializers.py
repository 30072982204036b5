"""The Erlang staffing calculator's query parameters and answer, as the API publishes them."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sportello.rota import erlang

MAX_CALLS = 100_000
MAX_PERIOD_S = 86_400  # one day
MAX_AHT_S = 14_400  # four hours: longer is a mistake in the unit, not a conversation
MAX_TARGET_S = 3_600


class ErlangQuerySerializer(serializers.Serializer[dict[str, Any]]):
    calls = serializers.FloatField(
        min_value=0,
        max_value=MAX_CALLS,
        help_text=_("Contatti attesi nell'intervallo (anche con decimali, da una previsione)."),
    )
    period_s = serializers.FloatField(
        min_value=1,
        max_value=MAX_PERIOD_S,
        help_text=_("Durata dell'intervallo in secondi, ad esempio 1800 per mezz'ora."),
    )
    aht_s = serializers.FloatField(
        min_value=1,
        max_value=MAX_AHT_S,
        help_text=_("Durata media di gestione di un contatto, in secondi."),
    )
    target_s = serializers.FloatField(
        min_value=0,
        max_value=MAX_TARGET_S,
        help_text=_("Tempo di risposta obiettivo, in secondi."),
    )
    service_level = serializers.FloatField(
        help_text=_(
            "Frazione dei contatti a cui rispondere entro il tempo obiettivo, tra 0 e 1 "
            "esclusi (0.8 = 80%)."
        ),
    )
    max_occupancy = serializers.FloatField(
        allow_null=True,
        default=None,
        help_text=_(
            "Occupazione massima degli operatori, oltre 0 e fino a 1 (0.85 = 85%); "
            "se omessa, nessun limite."
        ),
    )
    shrinkage = serializers.FloatField(
        default=0.0,
        help_text=_(
            "Quota del tempo in turno non dedicata ai contatti (pause, formazione, "
            "riunioni), da 0 a meno di 1 (0.3 = 30%)."
        ),
    )

    def validate_service_level(self, value: float) -> float:
        if not 0 < value < 1:
            raise serializers.ValidationError(
                _("Il livello di servizio è una frazione tra 0 e 1 esclusi, ad esempio 0.8.")
            )
        return value

    def validate_max_occupancy(self, value: float | None) -> float | None:
        if value is not None and not 0 < value <= 1:
            raise serializers.ValidationError(
                _("L'occupazione massima è una frazione oltre 0 e fino a 1, ad esempio 0.85.")
            )
        return value

    def validate_shrinkage(self, value: float) -> float:
        if not 0 <= value < 1:
            raise serializers.ValidationError(
                _("Lo shrinkage è una frazione da 0 a meno di 1, ad esempio 0.3.")
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        traffic = attrs["calls"] * attrs["aht_s"] / attrs["period_s"]
        if traffic > erlang.MAX_TRAFFIC_ERLANGS:
            raise serializers.ValidationError(
                _(
                    "Traffico troppo alto per il calcolo: contatti × durata media / intervallo "
                    "supera %(max)s Erlang."
                )
                % {"max": f"{erlang.MAX_TRAFFIC_ERLANGS:.0f}"}
            )
        return attrs

    def target(self) -> erlang.StaffingTarget:
        data = self.validated_data
        return erlang.StaffingTarget(
            service_level=data["service_level"],
            target_s=data["target_s"],
            max_occupancy=data["max_occupancy"],
            shrinkage=data["shrinkage"],
        )


class ErlangStaffingSerializer(serializers.Serializer[dict[str, Any]]):
    agents = serializers.IntegerField(help_text=_("Operatori che rispondono, necessari."))
    service_level = serializers.FloatField(
        help_text=_("Frazione dei contatti con risposta entro il tempo obiettivo.")
    )
    probability_waiting = serializers.FloatField(
        help_text=_("Probabilità che un contatto debba attendere (Erlang C).")
    )
    average_speed_of_answer_s = serializers.FloatField(
        help_text=_("Attesa media prima della risposta, in secondi.")
    )
    occupancy = serializers.FloatField(
        help_text=_("Frazione del tempo degli operatori impegnata nei contatti.")
    )
    traffic_erlangs = serializers.FloatField(help_text=_("Traffico offerto, in Erlang."))
    rostered = serializers.IntegerField(
        help_text=_("Operatori da mettere in turno tenendo conto dello shrinkage.")
    )
