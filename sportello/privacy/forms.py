"""The access log page's filters."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import User
from sportello.form_styling import BootstrapItaliaForm
from sportello.privacy.queries import AccessLogFilter


class AccessLogFilterForm(BootstrapItaliaForm):
    user = forms.ModelChoiceField(
        label=_("Utente"),
        queryset=User.objects.order_by("username"),
        required=False,
        empty_label=_("Tutti gli utenti"),
        error_messages={"invalid_choice": _("Scegli un utente dell'elenco.")},
    )
    case_id = forms.IntegerField(
        label=_("Numero della presa in carico"),
        required=False,
        min_value=1,
        error_messages={
            "invalid": _("Il numero della presa in carico è un numero intero."),
            "min_value": _("Il numero della presa in carico è maggiore di zero."),
        },
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
        for name in ("case_id", "date_from", "date_to"):
            # Bootstrap Italia styles number and date inputs like any text input.
            self.fields[name].widget.attrs.setdefault("class", "form-control")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start: datetime.date | None = cleaned.get("date_from")
        end: datetime.date | None = cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Il giorno finale viene prima di quello iniziale."))
        return cleaned

    def wanted(self) -> AccessLogFilter:
        data = self.cleaned_data
        return AccessLogFilter(
            user=data.get("user"),
            case_id=data.get("case_id"),
            break_glass_only=bool(data.get("break_glass_only")),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
