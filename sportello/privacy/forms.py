"""The access log page's filters."""

import datetime
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import User
from sportello.form_styling import BootstrapItaliaForm
from sportello.privacy import queries
from sportello.privacy.queries import AccessLogFilter

# A case is named by its reference (PC-2026-000042) or by the number the log keeps.
CASE_NUMBER = re.compile(r"\d{1,18}")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class AccessLogFilterForm(BootstrapItaliaForm):
    user = forms.ModelChoiceField(
        label=_("Utente"),
        queryset=User.objects.order_by("username"),
        required=False,
        empty_label=_("Tutti gli utenti"),
        error_messages={"invalid_choice": _("Scegli un utente dell'elenco.")},
    )
    person = forms.CharField(
        label=_("Persona (pseudonimo)"),
        required=False,
        max_length=16,
        help_text=_("Per esempio P-7K3Q-2M: le sue prese in carico e i contatti collegati."),
        error_messages={"max_length": _("Lo pseudonimo ha al massimo 16 caratteri.")},
    )
    case = forms.CharField(
        label=_("Presa in carico (riferimento o numero)"),
        required=False,
        max_length=20,
        help_text=_("Per esempio PC-2026-000042, oppure il numero 42 scritto nel registro."),
        error_messages={"max_length": _("Il riferimento ha al massimo 20 caratteri.")},
    )
    break_glass_only = forms.BooleanField(label=_("Solo gli accessi in emergenza"), required=False)
    date_from = forms.DateField(
        label=_("Dal giorno"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Scrivi la data come AAAA-MM-GG.")},
    )
    date_to = forms.DateField(
        label=_("Al giorno"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Scrivi la data come AAAA-MM-GG.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to"):
            # Bootstrap Italia styles number and date inputs like any text input.
            self.fields[name].widget.attrs.setdefault("class", "form-control")

    def clean_person(self) -> object:
        pseudonym = self.cleaned_data["person"].strip()
        if not pseudonym:
            return None
        person = queries.person_by_pseudonym(pseudonym)
        if person is None:
            raise forms.ValidationError(_("Nessuna persona ha questo pseudonimo."))
        return person

    def clean_case(self) -> int | None:
        """The case's number: a reference must name an existing case; a bare number need not,
        since the log outlives the cases it speaks of."""
        text = self.cleaned_data["case"].strip()
        if not text:
            return None
        if CASE_NUMBER.fullmatch(text):
            if int(text) < 1:
                raise forms.ValidationError(
                    _("Il numero della presa in carico è maggiore di zero.")
                )
            return int(text)
        case = queries.case_by_reference(text)
        if case is None:
            raise forms.ValidationError(
                _("Nessuna presa in carico ha questo riferimento: scrivilo come PC-2026-000042.")
            )
        return case.pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("date_from", "date_to"):
            day: datetime.date | None = cleaned.get(name)
            # The log starts with the desk; a day far off overflows the time-zone arithmetic.
            if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.add_error(
                    name,
                    _("Scegli un giorno tra il %(first)d e il %(last)d.")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR},
                )
        start: datetime.date | None = cleaned.get("date_from")
        end: datetime.date | None = cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Il giorno finale viene prima di quello iniziale."))
        return cleaned

    def wanted(self) -> AccessLogFilter:
        data = self.cleaned_data
        return AccessLogFilter(
            user=data.get("user"),
            case_id=data.get("case"),
            person=data.get("person"),
            break_glass_only=bool(data.get("break_glass_only")),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
