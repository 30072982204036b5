"""The operator's preferences form: one pair of selects (wish and weight) for each shift of the
days their contract allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from sportello.form_styling import BootstrapItaliaForm
from sportello.rota.models import Contract, ShiftKind, ShiftPreference
from sportello.rota.preference_operations import MAX_WEIGHT, MIN_WEIGHT, Cell, Wish
from sportello.rota.wording import shift_hours
from sportello.services.models import Weekday

WANTED = "wanted"
AVOIDED = "avoided"
# A new wish starts in the middle of the scale: neither a whim nor a must.
DEFAULT_WEIGHT = 5


@dataclass(frozen=True)
class PreferenceCell:
    kind: ShiftKind
    wish: BoundField
    weight: BoundField


@dataclass(frozen=True)
class PreferenceRow:
    weekday: int
    day_name: str
    cells: list[PreferenceCell | None]  # one per column; None: the shift is not held that day


def _select() -> forms.Select:
    # Fields added after the shared styling ran: the same class, given here.
    return forms.Select(attrs={"class": "form-select"})


def _wish_name(weekday: int, kind: ShiftKind) -> str:
    return f"wish_{weekday}_{kind.pk}"


def _weight_name(weekday: int, kind: ShiftKind) -> str:
    return f"weight_{weekday}_{kind.pk}"


class PreferencesForm(BootstrapItaliaForm):
    """Built for one contract: the rows are its weekdays, the columns the active shift kinds
    held on at least one of them."""

    def __init__(
        self,
        data: Any = None,
        *,
        contract: Contract,
        kinds: list[ShiftKind],
        current: list[ShiftPreference],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        weekdays = sorted(set(contract.weekdays_available))
        self.columns = [kind for kind in kinds if set(kind.weekdays) & set(weekdays)]
        self.cells: list[tuple[int, ShiftKind]] = [
            (weekday, kind)
            for weekday in weekdays
            for kind in self.columns
            if weekday in kind.weekdays
        ]
        stated = {(row.weekday, row.shift_kind_id): row for row in current}
        weights = [(str(value), str(value)) for value in range(MIN_WEIGHT, MAX_WEIGHT + 1)]
        for weekday, kind in self.cells:
            where = f"{Weekday(weekday).label}, {kind.name}"
            row = stated.get((weekday, kind.pk))
            self.fields[_wish_name(weekday, kind)] = forms.ChoiceField(
                label=_("%(where)s: preferenza") % {"where": where},
                required=False,
                widget=_select(),
                choices=[
                    ("", _("indifferente")),
                    (WANTED, _("lo vorrei")),
                    (AVOIDED, _("preferirei evitarlo")),
                ],
                initial="" if row is None else (WANTED if row.wanted else AVOIDED),
                error_messages={
                    "invalid_choice": _(
                        "Scegli «indifferente», «lo vorrei» o «preferirei evitarlo»."
                    )
                },
            )
            self.fields[_weight_name(weekday, kind)] = forms.TypedChoiceField(
                label=_("%(where)s: peso") % {"where": where},
                required=False,
                choices=weights,
                widget=_select(),
                coerce=int,
                empty_value=None,
                initial=str(row.weight if row is not None else DEFAULT_WEIGHT),
                error_messages={
                    "invalid_choice": _("Scegli un peso da %(min)d a %(max)d.")
                    % {"min": MIN_WEIGHT, "max": MAX_WEIGHT}
                },
            )

    def rows(self) -> list[PreferenceRow]:
        held = set(self.cells)
        return [
            PreferenceRow(
                weekday=weekday,
                day_name=str(Weekday(weekday).label),
                cells=[
                    PreferenceCell(
                        kind=kind,
                        wish=self[_wish_name(weekday, kind)],
                        weight=self[_weight_name(weekday, kind)],
                    )
                    if (weekday, kind) in held
                    else None
                    for kind in self.columns
                ],
            )
            for weekday in sorted({weekday for weekday, _kind in self.cells})
        ]

    def column_hours(self) -> list[tuple[ShiftKind, str]]:
        return [(kind, shift_hours(kind)) for kind in self.columns]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for weekday, kind in self.cells:
            wish = cleaned.get(_wish_name(weekday, kind))
            weight_name = _weight_name(weekday, kind)
            if wish and cleaned.get(weight_name) is None and weight_name not in self.errors:
                self.add_error(
                    weight_name,
                    _("Scegli un peso da %(min)d a %(max)d.")
                    % {"min": MIN_WEIGHT, "max": MAX_WEIGHT},
                )
        return cleaned

    def preferences(self) -> dict[Cell, Wish | None]:
        """What the operation takes: every shift of the form, with its wish or None."""
        result: dict[Cell, Wish | None] = {}
        for weekday, kind in self.cells:
            wish = self.cleaned_data.get(_wish_name(weekday, kind))
            weight = self.cleaned_data.get(_weight_name(weekday, kind))
            result[(weekday, kind.pk)] = (wish == WANTED, weight) if wish else None
        return result
