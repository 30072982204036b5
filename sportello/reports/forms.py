"""The statistics' scope: which days, which service, which emergency programme."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from sportello.form_styling import BootstrapItaliaForm
from sportello.reports.queries import Scope
from sportello.services import queries as catalogue
from sportello.services.models import EmergencyProgramme, Service

DEFAULT_DAYS = 30
MAX_YEARS = 3
SCOPE_FIELDS = ("first_day", "last_day", "service", "programme")


def desk_today() -> datetime.date:
    return catalogue.now().astimezone(catalogue.desk_zone()).date()


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class ScopeForm(BootstrapItaliaForm):
    """A GET form: a field left out or empty takes its default (the last 30 days up to today,
    in the desk's time zone; every service; every programme), so the bare address works."""

    first_day = forms.DateField(
        label=_("Dal giorno"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=DayInput(),
        error_messages={"invalid": _("Indica una data valida (aaaa-mm-gg).")},
    )
    last_day = forms.DateField(
        label=_("Al giorno"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=DayInput(),
        error_messages={"invalid": _("Indica una data valida (aaaa-mm-gg).")},
    )
    service = forms.ModelChoiceField(
        label=_("Servizio"),
        queryset=Service.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("Tutti i servizi"),
        error_messages={
            "invalid_choice": _("Servizio sconosciuto: scegli uno dei servizi dell'elenco.")
        },
    )
    programme = forms.ModelChoiceField(
        label=_("Programma di emergenza"),
        queryset=EmergencyProgramme.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("Tutti i programmi"),
        error_messages={
            "invalid_choice": _(
                "Programma di emergenza sconosciuto: scegli uno dei programmi dell'elenco."
            )
        },
    )

    def __init__(self, data: QueryDict, *, today: datetime.date, **kwargs: Any) -> None:
        self.today = today
        # Bound even when empty, so the defaults are validated and shown like any choice.
        given = data.copy()
        for name in SCOPE_FIELDS:
            given[name] = data.get(name, "").strip()
        super().__init__(given, **kwargs)
        self.fields["service"].label_from_instance = lambda service: service.name
        self.fields["programme"].label_from_instance = lambda programme: programme.name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "first_day" not in cleaned or "last_day" not in cleaned:
            return cleaned  # a date was unreadable: its own error says so
        last_day = cleaned["last_day"] or self.today
        first_day = cleaned["first_day"] or last_day - datetime.timedelta(days=DEFAULT_DAYS - 1)
        if last_day < first_day:
            self.add_error(
                "last_day", ValidationError(_("L'ultimo giorno non può precedere il primo."))
            )
            return cleaned
        if first_day < years_before(last_day, MAX_YEARS):
            self.add_error(
                "first_day",
                ValidationError(
                    _("Il periodo può coprire al massimo %(years)d anni: accorcialo."),
                    params={"years": MAX_YEARS},
                ),
            )
            return cleaned
        cleaned["first_day"], cleaned["last_day"] = first_day, last_day
        # The inputs show the days the figures are for, defaults included.
        self.data = self.data.copy()
        self.data["first_day"] = first_day.isoformat()
        self.data["last_day"] = last_day.isoformat()
        return cleaned

    def scope(self) -> Scope:
        data = self.cleaned_data
        return Scope(
            first_day=data["first_day"],
            last_day=data["last_day"],
            service=data["service"],
            programme=data["programme"],
        )

    def query_string(self) -> str:
        """The scope as the query string of the exports' links (a valid form only)."""
        query = QueryDict(mutable=True)
        data = self.cleaned_data
        query["first_day"] = data["first_day"].isoformat()
        query["last_day"] = data["last_day"].isoformat()
        if data["service"] is not None:
            query["service"] = data["service"].code
        if data["programme"] is not None:
            query["programme"] = data["programme"].code
        return query.urlencode()
