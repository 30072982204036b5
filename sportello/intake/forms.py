"""Staff forms of the contact centre: the switchboard's handover and the call's outcome."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.form_styling import BootstrapItaliaForm
from sportello.intake import phone_numbers
from sportello.intake.models import Outcome
from sportello.services.models import Service


class HandoverForm(BootstrapItaliaForm):
    caller_number = forms.CharField(
        label=_("Numero del chiamante"),
        required=False,
        max_length=30,
        help_text=_("Lascia vuoto e spunta «anonimo» se la persona non vuole dare il numero."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    anonymous = forms.BooleanField(label=_("Chiamata anonima"), required=False)
    service = forms.ModelChoiceField(
        label=_("Servizio"),
        queryset=Service.objects.filter(is_active=True),
        empty_label=_("Scegli il servizio"),
        error_messages={"required": _("Scegli il servizio a cui passare la chiamata.")},
    )
    reason = forms.CharField(
        label=_("Motivo in breve"),
        max_length=200,
        error_messages={"required": _("Scrivi in poche parole il motivo della chiamata.")},
    )
    danger_now = forms.BooleanField(
        label=_("La persona dice che qualcuno è in pericolo adesso"), required=False
    )

    def clean_caller_number(self) -> str:
        raw = self.cleaned_data["caller_number"].strip()
        return phone_numbers.normalise(raw) if raw else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number, anonymous = cleaned.get("caller_number"), cleaned.get("anonymous")
        if "caller_number" in cleaned and not number and not anonymous:
            self.add_error(
                "caller_number",
                _("Scrivi il numero del chiamante oppure spunta «Chiamata anonima»."),
            )
        if number and anonymous:
            self.add_error("anonymous", _("Una chiamata con il numero non è anonima."))
        return cleaned


class OutcomeForm(BootstrapItaliaForm):
    outcome = forms.ChoiceField(
        label=_("Esito"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Scegli l'esito della chiamata.")},
    )
    call_back_at = forms.DateTimeField(
        label=_("Richiamare il"),
        required=False,
        help_text=_("Solo per «da richiamare più tardi»: giorno e ora, negli orari di apertura."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    note = forms.CharField(
        label=_("Nota breve"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        when: datetime.datetime | None = cleaned.get("call_back_at")
        if cleaned.get("outcome") == Outcome.CALL_BACK_LATER and when is None:
            if "call_back_at" not in self.errors:
                self.add_error("call_back_at", _("Indica quando richiamare."))
        elif cleaned.get("outcome") != Outcome.CALL_BACK_LATER and when is not None:
            self.add_error("call_back_at", _("L'orario serve solo per «da richiamare più tardi»."))
        return cleaned
