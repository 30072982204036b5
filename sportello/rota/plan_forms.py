"""The coordinator's forms for a plan: a new proposal, one cell edited by hand, publishing and
discarding."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sportello.form_styling import BootstrapItaliaForm
from sportello.rota.models import ShiftKind
from sportello.rota.solving import MAX_TIME_LIMIT_S

NO_SHIFT = ""


class GenerateForm(BootstrapItaliaForm):
    weeks = forms.TypedChoiceField(
        label=_("Lo schema si ripete ogni"),
        choices=[
            (1, _("1 settimana")),
            (2, _("2 settimane")),
            (3, _("3 settimane")),
            (4, _("4 settimane")),
        ],
        coerce=int,
        initial=1,
        widget=forms.RadioSelect,
        error_messages={"required": _("Scegli ogni quante settimane si ripete lo schema.")},
    )
    time_limit_s = forms.IntegerField(
        label=_("Tempo massimo di calcolo (secondi)"),
        min_value=1,
        max_value=MAX_TIME_LIMIT_S,
        help_text=_("Allo scadere si tiene la migliore soluzione trovata."),
        error_messages={
            "required": _("Indica il tempo massimo di calcolo."),
            "invalid": _("Il tempo massimo è un numero intero di secondi."),
            "min_value": _("Il tempo massimo è almeno 1 secondo."),
            "max_value": _("Il tempo massimo è al più %(limit_value)s secondi."),
        },
    )
    from_current = forms.BooleanField(
        label=_("Parti dal piano in vigore (cambia il meno possibile)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_limit_s"].initial = settings.SPORTELLO_ROTA_TIME_LIMIT_SECONDS
        # Bootstrap Italia styles number inputs like any text input.
        self.fields["time_limit_s"].widget.attrs.setdefault("class", "form-control")


class CellForm(BootstrapItaliaForm):
    """One operator's shift on one day of the pattern: none, or a shift held that weekday."""

    shift = forms.ChoiceField(
        label=_("Turno"),
        required=False,
        error_messages={"invalid_choice": _("Quel turno non si svolge in questo giorno.")},
    )

    def __init__(self, *args: Any, kinds: Iterable[ShiftKind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = {kind.code: kind for kind in kinds}
        field: forms.ChoiceField = self.fields["shift"]  # type: ignore[assignment]
        field.choices = [(NO_SHIFT, _("nessun turno"))] + [
            (kind.code, kind.name) for kind in self.kinds.values()
        ]
        # The select replaces the cell the coordinator chose: the keyboard goes straight to it.
        field.widget.attrs["autofocus"] = True

    def shift_kind(self) -> ShiftKind | None:
        return self.kinds.get(self.cleaned_data["shift"])


class PublishForm(BootstrapItaliaForm):
    valid_from = forms.DateField(
        label=_("In vigore dal"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": _("Indica da quale giorno il piano entra in vigore."),
            "invalid": _("Scrivi la data come AAAA-MM-GG."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].widget.attrs.setdefault("class", "form-control")


class DiscardForm(BootstrapItaliaForm):
    confirm = forms.BooleanField(
        label=_("Confermo: questa proposta va scartata"),
        error_messages={"required": _("Spunta la conferma per scartare la proposta.")},
    )
