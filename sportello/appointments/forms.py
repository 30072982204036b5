"""The staff's appointment forms: choosing a slot (to book, propose or move to), cancelling,
recording how a session went, and the agenda's address."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import User
from sportello.appointments.models import AppointmentChannel
from sportello.appointments.operations import MAX_OFFERED_SLOTS, MAX_REASON
from sportello.form_styling import BootstrapItaliaForm
from sportello.rota import queries as rota

OFFER = "proponi"
# How far ahead the week navigator goes: beyond it no roster is published anyway.
FARTHEST_WEEKS = 52


def parse_instant(value: str) -> datetime.datetime:
    """A slot's start as the page sends it (ISO 8601 with its offset)."""
    try:
        instant = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("Questo orario non è valido: scegline uno dall'elenco.")) from None
    if instant.tzinfo is None:
        raise ValidationError(_("Questo orario non è valido: scegline uno dall'elenco."))
    return instant


class ProfessionalChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class SlotChooserForm(BootstrapItaliaForm):
    """Who holds the session, how, and in which week; the slot to book or the slots to propose.

    Slot values are not restricted to the ones listed: a slot taken meanwhile must reach the
    operation, which says why it cannot be booked."""

    modalita = forms.ChoiceField(
        label=_("Modalità del colloquio"),
        choices=AppointmentChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Scegli se il colloquio è al telefono o in videochiamata.")},
    )
    professionista = ProfessionalChoice(
        label=_("Professionista"),
        queryset=User.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Scegli chi terrà il colloquio."),
            "invalid_choice": _("Scegli uno dei professionisti dell'elenco."),
        },
    )
    settimana = forms.DateField(
        label=_("Settimana"),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("La settimana indicata non è una data valida.")},
    )
    orario = forms.CharField(label=_("Orario del colloquio"), required=False)
    orari = forms.MultipleChoiceField(label=_("Orari da proporre"), required=False)
    azione = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        professionals: Sequence[User],
        today: datetime.date,
        submitting: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Shown to choose (the address) or sent to book or propose (a submission).
        self.submitting = submitting
        field = self.fields["professionista"]
        field.queryset = User.objects.filter(pk__in=[user.pk for user in professionals])  # type: ignore[attr-defined]
        field.choices = [(user.pk, field.label_from_instance(user)) for user in professionals]  # type: ignore[attr-defined]
        self.today = today
        # Any value: the operation judges the slot.
        self.fields["orari"].valid_value = lambda value: True  # type: ignore[method-assign]

    def clean_settimana(self) -> datetime.date:
        day = self.cleaned_data.get("settimana") or self.today
        this_week = rota.monday_of(self.today)
        monday = rota.monday_of(day)
        if monday < this_week:
            return this_week
        if (monday - this_week).days > FARTHEST_WEEKS * 7:
            raise ValidationError(
                _("Si prenota al massimo %(n)d settimane avanti.") % {"n": FARTHEST_WEEKS}
            )
        return monday

    def clean_orario(self) -> datetime.datetime | None:
        value = self.cleaned_data.get("orario", "")
        return parse_instant(value) if value else None

    def clean_orari(self) -> list[datetime.datetime]:
        values = self.cleaned_data.get("orari") or []
        if len(values) > MAX_OFFERED_SLOTS:
            raise ValidationError(_("Proponi al massimo %(n)d orari.") % {"n": MAX_OFFERED_SLOTS})
        return [parse_instant(value) for value in values]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("azione")
        if action == OFFER:
            if "orari" in data and not data["orari"]:
                self.add_error("orari", _("Scegli almeno un orario da proporre."))
        elif self.submitting and "orario" in data and data["orario"] is None:
            self.add_error("orario", _("Scegli un orario."))
        return data

    def navigation(
        self, default_professional: User | None, default_week: datetime.date | None = None
    ) -> tuple[User | None, datetime.date]:
        """The professional and the week the slots are shown for, even when something else in
        the form is wrong."""
        data = self.cleaned_data if self.is_bound and self.errors is not None else {}
        week = data.get("settimana") if self.data.get("settimana") else None
        return (
            data.get("professionista", default_professional),
            week or default_week or rota.monday_of(self.today),
        )


class RescheduleForm(SlotChooserForm):
    motivo = forms.CharField(
        label=_("Motivo dello spostamento"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Scrivi il motivo.")},
    )

    def full_clean(self) -> None:
        # Browsing the weeks asks for no reason yet; moving does.
        field = self.fields["motivo"]
        field.required = self.submitting
        try:
            super().full_clean()
        finally:
            field.required = True


class CancelForm(BootstrapItaliaForm):
    motivo = forms.CharField(
        label=_("Motivo dell'annullamento"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Resta nella cartella: non va alla persona."),
        error_messages={"required": _("Scrivi il motivo.")},
    )


class OutcomeForm(BootstrapItaliaForm):
    HELD = "svolto"
    NO_SHOW = "non_presentato"

    esito = forms.ChoiceField(
        label=_("Esito"),
        choices=[(HELD, _("Svolto")), (NO_SHOW, _("La persona non si è presentata"))],
        error_messages={"required": _("Indica se il colloquio si è svolto.")},
    )


DAY = "giorno"
WEEK = "settimana"
EVERYONE = "tutti"


class AgendaForm(forms.Form):
    """The agenda's address: which day, a day or its week, and (coordinators) whose."""

    giorno = forms.DateField(
        required=False,
        error_messages={"invalid": _("Il giorno deve essere una data nel formato AAAA-MM-GG.")},
    )
    vista = forms.ChoiceField(
        required=False,
        choices=[(DAY, _("Giorno")), (WEEK, _("Settimana"))],
        error_messages={"invalid_choice": _("La vista può essere «giorno» o «settimana».")},
    )
    professionista = forms.CharField(required=False)

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["giorno"].input_formats = ["%Y-%m-%d"]  # type: ignore[attr-defined]
        self.today = today

    def clean_giorno(self) -> datetime.date:
        day = self.cleaned_data.get("giorno") or self.today
        if abs((day - self.today).days) > FARTHEST_WEEKS * 7:
            raise ValidationError(_("Il giorno è troppo lontano da oggi."))
        return day

    def clean_vista(self) -> str:
        return self.cleaned_data.get("vista") or DAY

    def clean_professionista(self) -> str:
        value = self.cleaned_data.get("professionista", "")
        if value and value != EVERYONE and not value.isdigit():
            raise ValidationError(_("Il professionista indicato non esiste."))
        return value
