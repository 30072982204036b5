"""The statistics API's query parameters and answers.

Every table leaves through disclosure control: a published value is a whole number, or a mark
("<5", "n.d.") where the count is withheld, so values are numbers or strings."""

import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sportello.services.models import EmergencyProgramme, Service


class StatisticsQuerySerializer(serializers.Serializer[dict[str, Any]]):
    # "from" is a Python keyword: the field is declared under another name and renamed below.
    from_ = serializers.DateField(
        help_text=_("Primo giorno del mese (AAAA-MM-GG, ora di Roma): il periodo è un mese intero.")
    )
    to = serializers.DateField(
        help_text=_("Ultimo giorno dello stesso mese (AAAA-MM-GG, ora di Roma).")
    )
    service = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Service.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "Non disponibile per riservatezza: lasciare vuoto (l'API pubblica solo le tabelle "
            "dell'intero sportello)."
        ),
        error_messages={
            "does_not_exist": _("Non esiste un servizio con codice «{value}»."),
            "invalid": _("Codice del servizio non valido."),
        },
    )
    programme = serializers.SlugRelatedField(
        slug_field="code",
        queryset=EmergencyProgramme.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "Non disponibile per riservatezza: lasciare vuoto (l'API pubblica solo le tabelle "
            "dell'intero sportello)."
        ),
        error_messages={
            "does_not_exist": _("Non esiste un programma di emergenza con codice «{value}»."),
            "invalid": _("Codice del programma non valido."),
        },
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first: datetime.date = attrs["from"]
        last: datetime.date = attrs["to"]
        if last < first:
            raise serializers.ValidationError(
                {"to": _("L'ultimo giorno non può precedere il primo.")}
            )
        # Tables of freely chosen periods or of one service, set against each other, would
        # give hidden counts away by subtraction (January to March minus January to February
        # is March): the API publishes whole calendar months of the whole desk, like the open
        # data, and nothing that overlaps them.
        following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        if first.day != 1 or last != following - datetime.timedelta(days=1):
            raise serializers.ValidationError(
                {
                    "to": _(
                        "Il periodo deve essere un mese intero: dal primo all'ultimo giorno "
                        "dello stesso mese (ad esempio from=2026-01-01 e to=2026-01-31)."
                    )
                }
            )
        refused = _(
            "Per riservatezza l'API pubblica solo le tabelle dell'intero sportello: "
            "confrontate con quelle di un solo servizio o programma, permetterebbero di "
            "ricavare i conteggi nascosti."
        )
        for name in ("service", "programme"):
            if attrs.get(name) is not None:
                raise serializers.ValidationError({name: refused})
        return attrs


# The query parameter is "from", as the API documents it.
StatisticsQuerySerializer._declared_fields["from"] = StatisticsQuerySerializer._declared_fields.pop(
    "from_"
)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0},
            {"type": "string", "description": "<5 or n.d.: the count is withheld"},
        ]
    }
)
class PublishedValueField(serializers.Field):  # type: ignore[type-arg]
    """A count as published: an integer, or its mark when withheld."""

    def to_representation(self, value: Any) -> Any:
        return value


class TableRowSerializer(serializers.Serializer[dict[str, Any]]):
    label = serializers.CharField(help_text=_("Etichetta della riga."))
    values = serializers.ListField(
        child=PublishedValueField(), help_text=_("Un valore per colonna, nell'ordine di columns.")
    )
    total = PublishedValueField(
        allow_null=True,
        help_text=_(
            "Totale della riga; null se le colonne misurano cose diverse (la riga non si somma)."
        ),
    )


class StatisticsTableSerializer(serializers.Serializer[dict[str, Any]]):
    key = serializers.CharField(help_text=_("Codice stabile della tabella."))
    title = serializers.CharField()
    row_heading = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = TableRowSerializer(many=True)
    totals = TableRowSerializer(
        allow_null=True,
        help_text=_("I totali di colonna e il totale generale; null per una tabella di una riga."),
    )
    threshold = serializers.IntegerField(
        help_text=_("Soglia di riservatezza: i conteggi inferiori non sono pubblicati.")
    )


class StatisticsTablesSerializer(serializers.Serializer[dict[str, Any]]):
    # "from" again: renamed below.
    from_ = serializers.DateField()
    to = serializers.DateField()
    service = serializers.CharField(allow_null=True)
    programme = serializers.CharField(allow_null=True)
    threshold = serializers.IntegerField()
    tables = StatisticsTableSerializer(many=True)


StatisticsTablesSerializer._declared_fields["from"] = (
    StatisticsTablesSerializer._declared_fields.pop("from_")
)


class OpenDataReleaseSerializer(serializers.Serializer[dict[str, Any]]):
    month = serializers.CharField(help_text=_("Mese dei dati, AAAA-MM."))
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    url = serializers.URLField(help_text=_("Indirizzo stabile di questa versione."))
    month_url = serializers.URLField(
        help_text=_("Indirizzo stabile del mese, che porta sempre alla versione più recente.")
    )
    latest = serializers.BooleanField(help_text=_("Se è la versione più recente del mese."))
    sha256 = serializers.CharField()
    byte_size = serializers.IntegerField()
    rows = serializers.IntegerField()
    threshold = serializers.IntegerField()


class OpenDataReleasesSerializer(serializers.Serializer[dict[str, Any]]):
    catalogue = serializers.URLField(help_text=_("Metadati DCAT-AP_IT (JSON-LD)."))
    dictionary = serializers.URLField(help_text=_("Dizionario dei dati (CSV)."))
    releases = OpenDataReleaseSerializer(many=True)
