"""Shift swaps: an operator offers a shift to a colleague, the colleague agrees, a coordinator
approves; only then the roster changes, through dated ``ShiftChange`` rows tied to the swap.

Every check is made again when the coordinator approves: weeks may have passed since the
request, and the roster, the absences or the coverage may have changed meanwhile."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.privacy.operations import record_audit
from sportello.rota import policies, problems, queries
from sportello.rota.absence_operations import supersede
from sportello.rota.models import (
    Absence,
    ChangeReason,
    Contract,
    ShiftChange,
    ShiftKind,
    SwapRequest,
    SwapStatus,
)
from sportello.rota.swap_queries import PENDING
from sportello.rota.wording import day_label, person_name, shift_label
from sportello.services import queries as catalogue

NOTE_MAX_LENGTH = 300

Entry = tuple[User, datetime.date, ShiftKind]


def _is_rostered(user: User) -> bool:
    return queries.rostered_operators().filter(pk=user.pk).exists()


def _started(day: datetime.date, kind: ShiftKind) -> bool:
    return queries.desk_instant(day, kind.starts) <= catalogue.now()


def _day_roster(day: datetime.date) -> queries.DayRoster:
    return queries.roster_between(day, day)[0]


def _holds(roster: queries.DayRoster, user: User, kind: ShiftKind) -> bool:
    return any(entry.user.pk == user.pk for entry in roster.on(kind))


def _other_shifts(
    roster: queries.DayRoster, user: User, *, besides: ShiftKind | None = None
) -> list[ShiftKind]:
    """The user's shifts of the day, apart from ``besides`` (the one given in exchange)."""
    return [
        entry.shift_kind
        for entry in roster.rostered
        if entry.user.pk == user.pk and (besides is None or entry.shift_kind.pk != besides.pk)
    ]


def _absent(roster: queries.DayRoster, user: User) -> bool:
    return Absence.objects.filter(
        user=user, cancelled_at__isnull=True, first_day__lte=roster.day, last_day__gte=roster.day
    ).exists()


@dataclass(frozen=True)
class _Swap:
    """What a swap moves, whether asked or stored."""

    requester: User
    colleague: User
    day: datetime.date
    kind: ShiftKind
    return_day: datetime.date | None = None
    return_kind: ShiftKind | None = None

    @classmethod
    def of(cls, swap: SwapRequest) -> _Swap:
        return cls(
            swap.requester,
            swap.colleague,
            swap.day,
            swap.shift_kind,
            swap.return_day,
            swap.return_shift_kind,
        )

    @property
    def has_return(self) -> bool:
        return self.return_day is not None and self.return_kind is not None

    def removed(self) -> list[Entry]:
        entries: list[Entry] = [(self.requester, self.day, self.kind)]
        if self.return_day is not None and self.return_kind is not None:
            entries.append((self.colleague, self.return_day, self.return_kind))
        return entries

    def added(self) -> list[Entry]:
        entries: list[Entry] = [(self.colleague, self.day, self.kind)]
        if self.return_day is not None and self.return_kind is not None:
            entries.append((self.requester, self.return_day, self.return_kind))
        return entries


def _roster_problems(swap: _Swap) -> list[str]:
    """Why the effective roster no longer (or does not yet) allow this swap; empty: it does.

    A swap hands the offered shift from the requester to the colleague and, with a return,
    the colleague's shift back: each hand-over is checked alike, on the roster of its day."""
    same_day = swap.has_return and swap.return_day == swap.day
    handovers = [
        (
            swap.day,
            swap.kind,
            swap.requester,
            swap.colleague,
            swap.return_kind if same_day else None,
        )
    ]
    if swap.return_day is not None and swap.return_kind is not None:
        handovers.append(
            (
                swap.return_day,
                swap.return_kind,
                swap.colleague,
                swap.requester,
                swap.kind if same_day else None,
            )
        )
    found: list[str] = []
    rosters: dict[datetime.date, queries.DayRoster] = {}
    for day, kind, giver, taker, given_back in handovers:
        shift = shift_label(day, kind)
        if _started(day, kind):
            found.append(_("Il turno di %(shift)s è già cominciato o passato.") % {"shift": shift})
            return found
        if day not in rosters:
            rosters[day] = _day_roster(day)
        roster = rosters[day]
        if not _holds(roster, giver, kind):
            found.append(
                _("Secondo il piano in vigore, %(who)s non è nel turno di %(shift)s.")
                % {"who": person_name(giver), "shift": shift}
            )
        # On a same-day exchange the taker's other shift is the one they give back.
        if _other_shifts(roster, taker, besides=given_back):
            found.append(
                _("%(who)s ha già un turno %(day)s.")
                % {"who": person_name(taker), "day": day_label(day)}
            )
        elif _absent(roster, taker):
            found.append(
                _("%(who)s non è disponibile %(day)s.")
                % {"who": person_name(taker), "day": day_label(day)}
            )
    return found


def approval_problems(swap: SwapRequest) -> list[str]:
    """Why approving ``swap`` now would be refused, in sentences (empty: it can be approved):
    the roster checks first, then the coverage and contract rules the swap would break. The
    coordinators' page shows them before anyone decides."""
    moved = _Swap.of(swap)
    found = _roster_problems(moved)
    if found:
        return found
    return problems.dated_violations(add=moved.added(), remove=moved.removed())


def _audit(actor: User, swap: SwapRequest, action: str, **detail: object) -> None:
    record_audit(
        actor,
        object_type="rota.swap",
        object_id=swap.pk,
        action=action,
        status=swap.status,
        day=swap.day.isoformat(),
        shift=swap.shift_kind.code,
        requester=swap.requester_id,
        colleague=swap.colleague_id,
        **detail,
    )


def _locked(swap: SwapRequest) -> SwapRequest:
    """The row, locked until commit: two coordinators (or a withdrawal and an approval) racing
    on one swap must decide one after the other, on the status the first one left."""
    return (
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related("requester", "colleague", "shift_kind", "return_shift_kind")
        .get(pk=swap.pk)
    )


@transaction.atomic
def ask_swap(
    actor: User,
    *,
    day: datetime.date,
    shift_kind: ShiftKind,
    colleague: User,
    return_day: datetime.date | None = None,
    return_shift_kind: ShiftKind | None = None,
    note: str = "",
) -> SwapRequest:
    """The actor offers their shift of ``day`` to ``colleague``, optionally taking one of the
    colleague's shifts back; the colleague answers, then a coordinator decides."""
    if not policies.works_shifts(actor):
        raise PermissionDenied(_("Solo chi lavora nei turni può chiedere un cambio."))
    if (return_day is None) != (return_shift_kind is None):
        raise ValidationError(_("Per il turno in cambio indica sia il giorno sia il turno."))
    if colleague.pk == actor.pk:
        raise ValidationError(_("Scegli un collega diverso da te."))
    if not _is_rostered(colleague):
        raise ValidationError(
            _("%(who)s non è tra gli operatori in turno: scegli un altro collega.")
            % {"who": person_name(colleague)}
        )
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("La nota può avere al massimo %(max)d caratteri.") % {"max": NOTE_MAX_LENGTH}
        )
    if (
        return_day is not None
        and return_shift_kind is not None
        and return_day == day
        and return_shift_kind.pk == shift_kind.pk
    ):
        raise ValidationError(_("Il turno in cambio deve essere diverso dal turno che offri."))
    moved = _Swap(actor, colleague, day, shift_kind, return_day, return_shift_kind)
    found = _roster_problems(moved)
    if found:
        raise ValidationError(found)
    if SwapRequest.objects.filter(
        requester=actor, day=day, shift_kind=shift_kind, status__in=PENDING
    ).exists():
        raise ValidationError(
            _("Hai già una richiesta di cambio in corso per questo turno: ritirala prima.")
        )
    swap = SwapRequest.objects.create(
        requester=actor,
        day=day,
        shift_kind=shift_kind,
        colleague=colleague,
        return_day=return_day,
        return_shift_kind=return_shift_kind,
        note=note,
        asked_at=catalogue.now(),
    )
    _audit(
        actor,
        swap,
        "ask",
        return_day=return_day.isoformat() if return_day else None,
        return_shift=return_shift_kind.code if return_shift_kind else None,
    )
    return swap


@transaction.atomic
def answer_swap(actor: User, swap: SwapRequest, *, agree: bool) -> SwapRequest:
    """The colleague accepts or declines; an accepted swap waits for a coordinator."""
    swap = _locked(swap)
    if not policies.answers_swap(actor, swap):
        raise PermissionDenied(_("Solo il collega a cui è chiesto il cambio può rispondere."))
    if swap.status != SwapStatus.ASKED:
        raise ValidationError(
            _("Questa richiesta non aspetta più la tua risposta (stato: %(status)s).")
            % {"status": swap.get_status_display()}
        )
    if agree and _started(swap.day, swap.shift_kind):
        raise ValidationError(
            _("Il turno di %(shift)s è già cominciato o passato.")
            % {"shift": shift_label(swap.day, swap.shift_kind)}
        )
    swap.status = SwapStatus.AGREED if agree else SwapStatus.DECLINED
    swap.answered_at = catalogue.now()
    swap.save(update_fields=["status", "answered_at"])
    _audit(actor, swap, "agree" if agree else "decline")
    return swap


@transaction.atomic
def withdraw_swap(actor: User, swap: SwapRequest) -> SwapRequest:
    """The requester takes the request back, as long as no coordinator has decided."""
    swap = _locked(swap)
    if not policies.withdraws_swap(actor, swap):
        raise PermissionDenied(_("Solo chi ha chiesto il cambio può ritirarlo."))
    if swap.status not in PENDING:
        raise ValidationError(
            _("Questa richiesta non si può più ritirare (stato: %(status)s).")
            % {"status": swap.get_status_display()}
        )
    swap.status = SwapStatus.WITHDRAWN
    swap.save(update_fields=["status"])
    _audit(actor, swap, "withdraw")
    return swap


def _apply(actor: User, swap: SwapRequest, moved: _Swap) -> tuple[list[ShiftChange], list[int]]:
    """One applied change per side; what was applied before to the same shifts (say, a
    substitute the swap now hands back) stays as history."""
    at = catalogue.now()
    wanted = [(entry, False) for entry in moved.removed()] + [
        (entry, True) for entry in moved.added()
    ]
    superseded = supersede([entry for entry, _on_shift in wanted])
    changes = ShiftChange.objects.bulk_create(
        ShiftChange(
            day=day,
            shift_kind=kind,
            user=user,
            on_shift=on_shift,
            reason=ChangeReason.SWAP,
            swap=swap,
            applied=True,
            created_by=actor,
            created_at=at,
        )
        for (user, day, kind), on_shift in wanted
    )
    return changes, superseded


def _lock_involved(swap: SwapRequest) -> None:
    """Approvals of different swaps touching the same person or shift wait for each other, so
    each checks the roster the other left (no one ends up on two shifts of a day, no shift
    loses its last qualified operator to two swaps at once)."""
    kinds = {swap.shift_kind_id, swap.return_shift_kind_id} - {None}
    list(
        Contract.objects.select_for_update()
        .filter(user_id__in=[swap.requester_id, swap.colleague_id])
        .order_by("pk")
    )
    list(ShiftKind.objects.select_for_update().filter(pk__in=kinds).order_by("pk"))


@transaction.atomic
def decide_swap(actor: User, swap: SwapRequest, *, approve: bool, reason: str = "") -> SwapRequest:
    """A coordinator approves or refuses an agreed swap. Approving checks everything again
    and refuses, with the reasons written on the request, a swap that the roster no longer
    allows or that would break coverage or a contract; only an approved swap changes the
    roster. Returns the request as decided: callers look at its status."""
    if not policies.plans_roster(actor):
        raise PermissionDenied(_("Solo i coordinatori approvano i cambi turno."))
    swap = _locked(swap)
    if swap.status == SwapStatus.ASKED:
        raise ValidationError(_("Il collega non ha ancora accettato questo cambio."))
    if swap.status != SwapStatus.AGREED:
        raise ValidationError(
            _("Questo cambio è già stato chiuso (stato: %(status)s).")
            % {"status": swap.get_status_display()}
        )
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError(
            _("Scrivi il motivo per cui non approvi il cambio: lo leggeranno i due colleghi.")
        )
    if approve:
        _lock_involved(swap)
    sentences = approval_problems(swap) if approve else []
    swap.decided_by = actor
    swap.decided_at = catalogue.now()
    if approve and not sentences:
        moved = _Swap.of(swap)
        swap.status = SwapStatus.APPROVED
        swap.save(update_fields=["status", "decided_by", "decided_at"])
        changes, superseded = _apply(actor, swap, moved)
        _audit(
            actor,
            swap,
            "approve",
            changes=[change.pk for change in changes],
            superseded=superseded,
        )
        return swap
    swap.status = SwapStatus.REFUSED
    swap.refusal_reason = "\n".join(sentences) if approve else reason
    swap.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
    # The reason may name colleagues: the audit keeps whether it was the rules or a person.
    _audit(actor, swap, "refuse", automatic=approve, problems=len(sentences))
    return swap
