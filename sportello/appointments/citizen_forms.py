"""The forms behind the citizen's link: pick a proposed time, cancel, move.

They show only what the person needs to choose: a date, a time and whether it is a call or a
video call. Never a professional's name, the service or anything of the case: the link may be
read over someone's shoulder.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sportello.appointments import slots
from sportello.appointments.models import OfferedSlot
from sportello.appointments.wording import clock, day_label
from sportello.form_styling import BootstrapItaliaForm

MAX_REASON_TEXT = 500
REASON_SEPARATOR = " — "


@dataclass(frozen=True)
class SlotChoice:
    """One time the page offers, with the words it is shown in."""

    value: str
    start: datetime.datetime
    end: datetime.datetime

    @property
    def day(self) -> str:
        return day_label(self.start)

    @property
    def label(self) -> str:
        return gettext("dalle %(start)s alle %(end)s") % {
            "start": clock(self.start),
            "end": clock(self.end),
        }


@dataclass(frozen=True)
class ChoiceDay:
    label: str
    widgets: list[Any]


def _grouped(form: forms.Form, name: str, choices: Sequence[SlotChoice]) -> list[ChoiceDay]:
    """The radio buttons of ``name`` grouped by the day of their slot."""
    by_value = {widget.data["value"]: widget for widget in form[name].subwidgets}
    return [
        ChoiceDay(day, [by_value[choice.value] for choice in same_day])
        for day, same_day in itertools.groupby(choices, key=lambda choice: choice.day)
    ]


class ChooseSlotForm(BootstrapItaliaForm):
    """One of the times a professional proposed; those too close or gone are not shown."""

    slot = forms.ChoiceField(
        label=_("Scegli l'orario che preferisci"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Scegli uno degli orari proposti."),
            "invalid_choice": _("Questo orario non è più disponibile: scegline uno dall'elenco."),
        },
    )

    def __init__(
        self, *args: Any, offered: Sequence[OfferedSlot], earliest: datetime.datetime, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.choices = [
            SlotChoice(str(slot.pk), slot.starts_at, slot.ends_at)
            for slot in sorted(offered, key=lambda slot: (slot.starts_at, slot.pk))
            if slot.starts_at >= earliest
        ]
        self.fields["slot"].choices = [(choice.value, choice.label) for choice in self.choices]

    @property
    def days(self) -> list[ChoiceDay]:
        return _grouped(self, "slot", self.choices)

    def clean_slot(self) -> int:
        return int(self.cleaned_data["slot"])


CANCEL_REASONS = [
    ("busy", _("Ho un impegno a quell'ora")),
    ("better", _("Non ne ho più bisogno")),
    ("elsewhere", _("Mi rivolgo a un altro servizio")),
    ("unsafe", _("Non posso parlare in sicurezza a quell'ora")),
]


class CancelForm(BootstrapItaliaForm):
    """Why the person cancels: a choice, their own words, or both; at least one."""

    reason_choice = forms.ChoiceField(
        label=_("Perché annulli?"),
        help_text=_("Scegli un motivo oppure scrivilo qui sotto."),
        choices=CANCEL_REASONS,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Scegli uno dei motivi elencati.")},
    )
    reason_text = forms.CharField(
        label=_("Altro motivo"),
        help_text=_("In poche parole, al massimo 500 caratteri."),
        required=False,
        max_length=MAX_REASON_TEXT,
        error_messages={"max_length": _("Il motivo può avere al massimo 500 caratteri.")},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_REASON_TEXT}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given = cleaned.get("reason_choice") or cleaned.get("reason_text", "").strip()
        # A field already in error (a too long text) has said what is wrong.
        if not given and "reason_choice" in cleaned and "reason_text" in cleaned:
            self.add_error(
                "reason_choice",
                forms.ValidationError(
                    _("Dicci perché annulli: scegli un motivo oppure scrivilo."),
                    code="no_reason",
                ),
            )
        return cleaned

    def reason(self) -> str:
        """What the professional reads, in Italian whatever language the page was in."""
        parts = []
        if self.cleaned_data["reason_choice"]:
            with translation.override("it"):
                parts.append(str(dict(CANCEL_REASONS)[self.cleaned_data["reason_choice"]]))
        if text := self.cleaned_data["reason_text"].strip():
            parts.append(text)
        return REASON_SEPARATOR.join(parts)


class MoveForm(BootstrapItaliaForm):
    """Another free time with the same professional, and optionally why."""

    starts_at = forms.ChoiceField(
        label=_("Scegli il nuovo orario"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Scegli il nuovo orario."),
            "invalid_choice": _("Questo orario non è più libero: scegline un altro dall'elenco."),
        },
    )
    reason = forms.CharField(
        label=_("Vuoi dirci perché lo sposti?"),
        help_text=_("In poche parole, al massimo 500 caratteri."),
        required=False,
        max_length=MAX_REASON_TEXT,
        error_messages={"max_length": _("Il motivo può avere al massimo 500 caratteri.")},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_REASON_TEXT}),
    )

    def __init__(self, *args: Any, free: Sequence[slots.Slot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = [
            SlotChoice(
                f"{slot.start.astimezone(datetime.UTC):%Y-%m-%dT%H:%MZ}", slot.start, slot.end
            )
            for slot in sorted(free, key=lambda slot: slot.start)
        ]
        self._starts = {choice.value: choice.start for choice in self.choices}
        self.fields["starts_at"].choices = [(choice.value, choice.label) for choice in self.choices]

    @property
    def days(self) -> list[ChoiceDay]:
        return _grouped(self, "starts_at", self.choices)

    def clean_starts_at(self) -> datetime.datetime:
        return self._starts[self.cleaned_data["starts_at"]]
