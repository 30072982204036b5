"""Forms of the swaps: asking a colleague, and a coordinator's refusal with its reason."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import User
from sportello.form_styling import BootstrapItaliaForm
from sportello.rota import queries
from sportello.rota.models import ShiftKind
from sportello.rota.swap_operations import NOTE_MAX_LENGTH
from sportello.rota.wording import person_name, shift_hours, shift_label
from sportello.services import queries as catalogue

# How far ahead a colleague's shifts are offered in exchange.
RETURN_DAYS_AHEAD = 56


class ColleagueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person_name(obj)


def return_shift_value(day: datetime.date, kind: ShiftKind) -> str:
    return f"{day.isoformat()}|{kind.code}"


def return_shift_choices(actor: User, colleague: User) -> list[tuple[str, str]]:
    """The colleague's coming shifts the actor could take back: on days the actor is free."""
    now = catalogue.now()
    today = queries.desk_today()
    last = today + datetime.timedelta(days=RETURN_DAYS_AHEAD)
    busy = {entry.day for entry in queries.shifts_of(actor, today, last)}
    return [
        (
            return_shift_value(entry.day, entry.shift_kind),
            f"{shift_label(entry.day, entry.shift_kind)} {shift_hours(entry.shift_kind)}",
        )
        for entry in queries.shifts_of(colleague, today, last)
        if entry.starts_at > now and entry.day not in busy
    ]


class SwapRequestForm(BootstrapItaliaForm):
    """The shift offered travels in hidden fields; the colleague is chosen among the rostered
    operators free that day, the shift in exchange among the colleague's coming shifts."""

    day = forms.DateField(widget=forms.HiddenInput)
    shift_kind = forms.ModelChoiceField(
        queryset=ShiftKind.objects.filter(is_active=True),
        to_field_name="code",
        widget=forms.HiddenInput,
    )
    colleague = ColleagueChoiceField(
        label=_("Collega a cui offri il turno"),
        queryset=User.objects.none(),
        empty_label=_("Scegli un collega"),
        help_text=_("Sono elencati i colleghi in turno che quel giorno sono liberi."),
        error_messages={"required": _("Scegli il collega a cui offrire il turno.")},
    )
    return_shift = forms.ChoiceField(
        label=_("Turno del collega che prendi in cambio"),
        required=False,
        help_text=_("Lascia vuoto se il collega prende il turno senza darti un turno in cambio."),
        error_messages={"invalid_choice": _("Scegli uno dei turni del collega elencati.")},
    )
    note = forms.CharField(
        label=_("Nota per il collega e il coordinatore"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Non scrivere qui motivi di salute o altri dati personali."),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        actor: User,
        day: datetime.date,
        shift_kind: ShiftKind,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {"day": day, "shift_kind": shift_kind.code})
        super().__init__(data, **kwargs)
        self.actor = actor
        roster = queries.roster_between(day, day)[0]
        busy = {entry.user.pk for entry in roster.rostered} | {
            absence.user_id for absence in queries.absences_between(day, day)
        }
        colleague = self.fields["colleague"]
        colleague.queryset = queries.rostered_operators().exclude(pk__in=busy | {actor.pk})
        # htmx: picking a colleague reloads the shifts offered in exchange.
        colleague.widget.attrs.update(
            {
                "hx-get": reverse("rota:swap-return-options"),
                "hx-trigger": "change",
                "hx-target": "#return-shift-field",
                "hx-swap": "outerHTML",
                "hx-include": "[name=day],[name=shift_kind],[name=colleague]",
            }
        )
        chosen = self._chosen_colleague()
        choices = return_shift_choices(actor, chosen) if chosen is not None else []
        self.fields["return_shift"].choices = [
            ("", _("Nessuno: il collega prende il turno e basta")),
            *choices,
        ]

    def _chosen_colleague(self) -> User | None:
        value = self.data.get("colleague") if self.is_bound else self.initial.get("colleague")
        if not str(value or "").isdigit():
            return None
        chosen: User | None = self.fields["colleague"].queryset.filter(pk=int(value)).first()
        return chosen

    def return_shift_parts(self) -> tuple[datetime.date | None, ShiftKind | None]:
        value = self.cleaned_data.get("return_shift") or ""
        if not value:
            return None, None
        day, _bar, code = value.partition("|")
        return datetime.date.fromisoformat(day), ShiftKind.objects.get(code=code)


class RefusalForm(BootstrapItaliaForm):
    reason = forms.CharField(
        label=_("Motivo del rifiuto"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Lo leggeranno i due colleghi."),
        error_messages={
            "required": _(
                "Scrivi il motivo per cui non approvi il cambio: lo leggeranno i due colleghi."
            )
        },
    )
