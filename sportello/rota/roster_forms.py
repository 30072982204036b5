"""Forms of the dated roster: an absence, and a coordinator's hand edit of one shift."""

import datetime
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import User
from sportello.form_styling import BootstrapItaliaForm
from sportello.rota import queries
from sportello.rota.absence_operations import MAX_NOTE_LENGTH
from sportello.rota.models import AbsenceKind, ShiftKind


def _date_field(label: "str | Promise") -> forms.DateField:
    # Each field its own widget: a shared one would carry one field's error class to the other.
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={
            "invalid": _("Scrivi la data come AAAA-MM-GG."),
            "required": _("Indica la data."),
        },
    )


class OperatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


class AbsenceForm(BootstrapItaliaForm):
    user = OperatorChoiceField(
        label=_("Operatore"),
        queryset=User.objects.none(),
        empty_label=_("Scegli un operatore"),
        error_messages={
            "required": _("Scegli l'operatore assente."),
            "invalid_choice": _("Scegli un operatore dell'elenco."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Tipo di assenza"),
        choices=AbsenceKind.choices,
        error_messages={
            "required": _("Scegli il tipo di assenza."),
            "invalid_choice": _("Scegli il tipo di assenza dall'elenco."),
        },
    )
    first_day = _date_field(_("Dal giorno"))
    last_day = _date_field(_("Al giorno (compreso)"))
    note = forms.CharField(
        label=_("Nota"),
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Visibile solo ai coordinatori. Non scrivere diagnosi: basta il tipo."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = queries.rosterable_staff()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first: datetime.date | None = cleaned.get("first_day")
        last: datetime.date | None = cleaned.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("L'assenza finisce prima di cominciare."))
        return cleaned


class ShiftChangeForm(forms.Form):
    """The hidden fields of one cell's add or remove button; errors go back as messages."""

    user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        error_messages={
            "required": _("Scegli l'operatore."),
            "invalid_choice": _("Scegli un operatore dell'elenco."),
        },
    )
    day = forms.DateField(
        input_formats=["%Y-%m-%d"], error_messages={"invalid": _("Il giorno non è valido.")}
    )
    shift_kind = forms.ModelChoiceField(
        queryset=ShiftKind.objects.filter(is_active=True),
        error_messages={"invalid_choice": _("Il turno non esiste.")},
    )
    on_shift = forms.TypedChoiceField(
        choices=[("1", _("aggiungi")), ("0", _("togli"))], coerce=lambda value: value == "1"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = queries.rosterable_staff()  # type: ignore[attr-defined]
