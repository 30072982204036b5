"""Dated changes to the roster: absences, the substitutes a cover run proposes, hand edits.

Every operation is a coordinator's, runs in one transaction and writes its audit row; an
absence's note may speak of health, so it never reaches the audit."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.privacy.operations import record_audit
from sportello.rota import policies, problems, queries, solving
from sportello.rota.models import (
    Absence,
    AbsenceKind,
    ChangeReason,
    Contract,
    CoverDecision,
    ShiftChange,
    ShiftKind,
    SolveKind,
    SolverRun,
    SolveState,
)
from sportello.rota.wording import person_name
from sportello.services import queries as catalogue

MAX_ABSENCE_DAYS = 366
MAX_NOTE_LENGTH = 2000


def _require_planner(actor: User) -> None:
    if not policies.plans_roster(actor):
        raise PermissionDenied(_("Solo i coordinatori modificano il piano turni."))


def is_rostered(user: User) -> bool:
    """Staff who can be on the roster: the same people the absence form offers."""
    return queries.rosterable_staff().filter(pk=user.pk).exists()


def _day(value: datetime.date) -> str:
    return f"{value:%d/%m/%Y}"


Shift = tuple[User, datetime.date, ShiftKind]


def supersede(shifts: list[Shift]) -> list[int]:
    """The changes applied so far to these people's shifts stop applying and stay as history:
    the newest decision about a shift (a swap, a substitute, a hand edit) replaces the older
    one, and the roster allows one applied change per person, day and shift. Returns the pks
    of the changes replaced, for the audit."""
    if not shifts:
        return []
    which = Q()
    for user, day, kind in shifts:
        which |= Q(user=user, day=day, shift_kind=kind)
    replaced = list(ShiftChange.objects.filter(which, applied=True).values_list("pk", flat=True))
    ShiftChange.objects.filter(pk__in=replaced).update(applied=False)
    return replaced


@transaction.atomic
def record_absence(
    actor: User,
    *,
    user: User,
    kind: str,
    first_day: datetime.date,
    last_day: datetime.date,
    note: str = "",
) -> Absence:
    _require_planner(actor)
    if kind not in AbsenceKind.values:
        raise ValidationError(_("Scegli il tipo di assenza dall'elenco."))
    if last_day < first_day:
        raise ValidationError(_("L'assenza finisce prima di cominciare."))
    if (last_day - first_day).days + 1 > MAX_ABSENCE_DAYS:
        raise ValidationError(
            _("Un'assenza dura al massimo %(days)d giorni: registrala in più parti.")
            % {"days": MAX_ABSENCE_DAYS}
        )
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(
            _("La nota è lunga al massimo %(count)d caratteri.") % {"count": MAX_NOTE_LENGTH}
        )
    # Locking the operator makes two coordinators' overlapping absences wait for each other.
    user = User.objects.select_for_update().get(pk=user.pk)
    if not is_rostered(user):
        raise ValidationError(
            _("%(name)s non ha un contratto né un ruolo che lavori a turni.")
            % {"name": person_name(user)}
        )
    overlapping = (
        Absence.objects.filter(
            user=user, cancelled_at__isnull=True, first_day__lte=last_day, last_day__gte=first_day
        )
        .order_by("first_day")
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            _(
                "%(name)s ha già un'assenza registrata dal %(first)s al %(last)s, che si "
                "sovrappone a queste date."
            )
            % {
                "name": person_name(user),
                "first": _day(overlapping.first_day),
                "last": _day(overlapping.last_day),
            }
        )
    absence = Absence.objects.create(
        user=user,
        kind=kind,
        first_day=first_day,
        last_day=last_day,
        note=note,
        recorded_by=actor,
        recorded_at=catalogue.now(),
    )
    record_audit(
        actor,
        object_type="rota.absence",
        object_id=absence.pk,
        action="record",
        user=user.pk,
        kind=kind,
        first_day=first_day.isoformat(),
        last_day=last_day.isoformat(),
    )
    return absence


@transaction.atomic
def cancel_absence(actor: User, absence: Absence) -> Absence:
    _require_planner(actor)
    absence = Absence.objects.select_for_update().get(pk=absence.pk)
    if absence.cancelled_at is not None:
        raise ValidationError(_("Questa assenza è già stata annullata."))
    absence.cancelled_at = catalogue.now()
    absence.save(update_fields=["cancelled_at"])
    record_audit(
        actor,
        object_type="rota.absence",
        object_id=absence.pk,
        action="cancel",
        user=absence.user_id,
    )
    return absence


def _undecided_cover_run(run: SolverRun) -> SolverRun:
    """The run locked until commit, so a second click (or a second coordinator) waits and then
    finds the first decision taken."""
    run = SolverRun.objects.select_for_update().get(pk=run.pk)
    if run.kind != SolveKind.COVER:
        raise ValidationError(_("Questo calcolo non è una ricerca di sostituti."))
    if run.state != SolveState.DONE or run.outcome not in solving.SOLVED_OUTCOMES:
        raise ValidationError(
            _("Si applicano solo le ricerche di sostituti concluse con una soluzione.")
        )
    decision = queries.cover_decision(run)
    if decision == "apply":
        raise ValidationError(_("Le sostituzioni di questa ricerca sono già state applicate."))
    if decision == "reject":
        raise ValidationError(_("Le sostituzioni di questa ricerca sono già state scartate."))
    return run


def _decide(run: SolverRun, actor: User, decision: CoverDecision) -> None:
    run.decision = decision
    run.decided_by = actor
    run.decided_at = catalogue.now()
    run.save(update_fields=["decision", "decided_by", "decided_at"])


@transaction.atomic
def apply_cover(actor: User, run: SolverRun) -> int:
    """The proposed substitutes become the roster, unless the roster changed since the run so
    that they would now break a rule: then the coordinator reads why and searches again."""
    _require_planner(actor)
    run = _undecided_cover_run(run)
    proposed = queries.pending_proposals(run)
    if not proposed:
        raise ValidationError(_("Non ci sono sostituzioni proposte da applicare."))
    violations = problems.dated_violations(
        add=[(c.user, c.day, c.shift_kind) for c in proposed if c.on_shift],
        remove=[(c.user, c.day, c.shift_kind) for c in proposed if not c.on_shift],
    )
    if violations:
        raise ValidationError(
            [
                _("Il piano turni è cambiato dopo la ricerca dei sostituti: cercali di nuovo."),
                *violations,
            ]
        )
    superseded = supersede([(c.user, c.day, c.shift_kind) for c in proposed])
    applied = ShiftChange.objects.filter(pk__in=[c.pk for c in proposed]).update(applied=True)
    _decide(run, actor, CoverDecision.APPLY)
    record_audit(
        actor,
        object_type="rota.cover",
        object_id=run.pk,
        action="apply",
        plan=run.plan_id,
        changes=applied,
        superseded=superseded,
    )
    return applied


@transaction.atomic
def reject_cover(actor: User, run: SolverRun) -> int:
    _require_planner(actor)
    run = _undecided_cover_run(run)
    proposed = queries.pending_proposals(run)
    if not proposed:
        raise ValidationError(_("Non ci sono sostituzioni proposte da scartare."))
    deleted, _by_model = ShiftChange.objects.filter(pk__in=[c.pk for c in proposed]).delete()
    _decide(run, actor, CoverDecision.REJECT)
    record_audit(
        actor,
        object_type="rota.cover",
        object_id=run.pk,
        action="reject",
        plan=run.plan_id,
        changes=deleted,
    )
    return deleted


def _on_that_shift(user: User, day: datetime.date, shift_kind: ShiftKind) -> bool:
    return any(
        entry.shift_kind.pk == shift_kind.pk
        for entry in queries.roster_between(day, day, user=user)[0].rostered
    )


@transaction.atomic
def change_shift(
    actor: User, *, user: User, day: datetime.date, shift_kind: ShiftKind, on_shift: bool
) -> ShiftChange:
    """A coordinator puts an operator on, or takes them off, one dated shift."""
    _require_planner(actor)
    names = {"name": person_name(user), "shift": shift_kind.name, "day": _day(day)}
    if shift_kind.pk not in {kind.pk for kind in queries.shifts_on(day)}:
        raise ValidationError(_("Il turno «%(shift)s» non si svolge il %(day)s.") % names)
    rostered = _on_that_shift(user, day, shift_kind)
    if on_shift and rostered:
        raise ValidationError(_("%(name)s è già nel turno «%(shift)s» del %(day)s.") % names)
    if not on_shift and not rostered:
        raise ValidationError(_("%(name)s non è nel turno «%(shift)s» del %(day)s.") % names)
    if on_shift and not Contract.objects.filter(user=user, is_active=True).exists():
        # Without a contract the rules of the roster cannot be checked for this operator.
        raise ValidationError(
            _("%(name)s non ha un contratto attivo: non si può mettere in turno.") % names
        )
    entry = [(user, day, shift_kind)]
    violations = problems.dated_violations(
        add=entry if on_shift else [], remove=[] if on_shift else entry
    )
    if violations:
        raise ValidationError(violations)
    superseded = supersede(entry)
    change = ShiftChange.objects.create(
        day=day,
        shift_kind=shift_kind,
        user=user,
        on_shift=on_shift,
        reason=ChangeReason.MANUAL,
        applied=True,
        created_by=actor,
        created_at=catalogue.now(),
    )
    record_audit(
        actor,
        object_type="rota.shift_change",
        object_id=change.pk,
        action="add" if on_shift else "remove",
        user=user.pk,
        day=day.isoformat(),
        shift_kind=shift_kind.code,
        superseded=superseded,
    )
    return change
