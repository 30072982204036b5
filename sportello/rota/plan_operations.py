"""The coordinator's changes to a proposed plan: hand edits checked against the hard rules,
publishing it for a period, or discarding it. Each in a transaction, with its audit row."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.privacy.operations import record_audit
from sportello.rota import policies, problems, queries, solving
from sportello.rota import solver as kernel
from sportello.rota.models import (
    AssignmentSource,
    PatternAssignment,
    PlanStatus,
    RosterPlan,
    ShiftKind,
    SolveKind,
    SolveState,
)
from sportello.rota.wording import person_name
from sportello.services import queries as catalogue
from sportello.services.models import Weekday


def _require_planner(actor: User) -> None:
    if not policies.plans_roster(actor):
        raise PermissionDenied(_("Solo i coordinatori preparano e pubblicano il piano turni."))


def _locked_draft(plan: RosterPlan, *, finished: bool = True) -> RosterPlan:
    """The plan re-read under a lock: two coordinators editing one proposal take turns, so each
    check sees the other's edit. ``finished``: refused while its run is still solving."""
    locked = RosterPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != PlanStatus.DRAFT:
        raise ValidationError(
            _("Questo piano non è più una proposta (stato: «%(status)s»): non si può cambiare.")
            % {"status": locked.get_status_display()}
        )
    if (
        finished
        and locked.runs.filter(
            kind=SolveKind.PATTERN, state__in=[SolveState.QUEUED, SolveState.RUNNING]
        ).exists()
    ):
        # The run replaces every assignment when it finishes: an edit now would be lost.
        raise ValidationError(_("Il calcolo della proposta non è ancora finito."))
    return locked


@transaction.atomic
def edit_assignment(
    actor: User,
    plan: RosterPlan,
    *,
    user: User,
    week: int,
    weekday: int,
    shift_kind: ShiftKind | None,
) -> None:
    """Put ``user`` on ``shift_kind`` on that day of the pattern, or off it (None). Refused,
    with every reason, when the edit breaks a hard rule the proposal did not break already."""
    _require_planner(actor)
    plan = _locked_draft(plan)
    if not 0 <= week < plan.pattern_weeks:
        raise ValidationError(
            _("Lo schema ha %(weeks)d settimane: la settimana %(week)d non esiste.")
            % {"weeks": plan.pattern_weeks, "week": week + 1}
        )
    if weekday not in Weekday.values:
        raise ValidationError(_("Il giorno della settimana va da lunedì a domenica."))
    built = problems.pattern_problem(plan.pattern_weeks)
    if shift_kind is not None and str(user.pk) not in built.users:
        raise ValidationError(
            _("%(who)s non ha un contratto attivo: non può avere turni nel piano.")
            % {"who": person_name(user)}
        )
    existing = PatternAssignment.objects.filter(
        plan=plan, user=user, week=week, weekday=weekday
    ).select_related("shift_kind")
    previous = next(iter(existing), None)
    if (previous.shift_kind_id if previous else None) == (shift_kind.pk if shift_kind else None):
        return
    day = week * 7 + weekday
    before = problems.plan_slots(plan)
    after = frozenset(slot for slot in before if not (slot[0] == str(user.pk) and slot[1] == day))
    if shift_kind is not None:
        after |= {(str(user.pk), day, shift_kind.code)}
    refused = problems.introduced(built, before, after)
    if refused:
        raise ValidationError(refused)
    existing.delete()
    if shift_kind is not None:
        PatternAssignment.objects.create(
            plan=plan,
            user=user,
            week=week,
            weekday=weekday,
            shift_kind=shift_kind,
            source=AssignmentSource.MANUAL,
        )
    record_audit(
        actor,
        object_type="rota.plan",
        object_id=plan.pk,
        action="edit",
        operator=user.pk,
        week=week,
        weekday=weekday,
        shift=shift_kind.code if shift_kind else None,
        previous=previous.shift_kind.code if previous else None,
    )


def _pattern_violations(plan: RosterPlan) -> list[str]:
    """Every hard rule the whole pattern breaks, as sentences, with today's contracts."""
    built = problems.pattern_problem(plan.pattern_weeks)
    slots = problems.plan_slots(plan)
    sentences: list[str] = []
    gone = sorted({int(slot[0]) for slot in slots if slot[0] not in built.users})
    for user in User.objects.filter(pk__in=gone).order_by("last_name", "username"):
        sentences.append(
            _("%(who)s non ha più un contratto attivo: i suoi turni vanno tolti.")
            % {"who": person_name(user)}
        )
    known = frozenset(slot for slot in slots if slot[0] in built.users)
    for violation in kernel.check(built.problem, known):
        sentence = problems.explain_violation(built, violation)
        if sentence not in sentences:
            sentences.append(sentence)
    return sentences


@transaction.atomic
def publish(actor: User, plan: RosterPlan, *, valid_from: datetime.date) -> RosterPlan:
    """The proposal becomes the plan in force from ``valid_from`` until the next published one;
    a plan published earlier for the same start is superseded."""
    _require_planner(actor)
    plan = _locked_draft(plan)
    solved = plan.runs.filter(
        kind=SolveKind.PATTERN, state=SolveState.DONE, outcome__in=solving.SOLVED_OUTCOMES
    ).exists()
    if not solved and not plan.assignments.filter(source=AssignmentSource.MANUAL).exists():
        raise ValidationError(
            _(
                "Il calcolo non ha trovato una soluzione e non ci sono turni inseriti a mano: "
                "non c'è nulla da pubblicare."
            )
        )
    if valid_from < queries.desk_today():
        raise ValidationError(_("Il piano non può entrare in vigore in un giorno già passato."))
    violations = _pattern_violations(plan)
    if violations:
        raise ValidationError(violations)
    replaced = list(
        RosterPlan.objects.select_for_update().filter(
            status=PlanStatus.PUBLISHED, valid_from=valid_from
        )
    )
    for earlier in replaced:
        earlier.status = PlanStatus.SUPERSEDED
        earlier.save(update_fields=["status"])
    plan.status = PlanStatus.PUBLISHED
    plan.valid_from = valid_from
    plan.published_by = actor
    plan.published_at = catalogue.now()
    try:
        with transaction.atomic():
            plan.save(update_fields=["status", "valid_from", "published_by", "published_at"])
    except IntegrityError:
        # Another proposal was published for the same day while this one was checked: the
        # one plan per start holds, and this coordinator decides again on what is now in force.
        raise ValidationError(
            _(
                "Un altro piano è appena stato pubblicato dallo stesso giorno: ricarica la "
                "pagina e decidi di nuovo."
            )
        ) from None
    record_audit(
        actor,
        object_type="rota.plan",
        object_id=plan.pk,
        action="publish",
        valid_from=valid_from.isoformat(),
        superseded=[earlier.pk for earlier in replaced],
    )
    return plan


@transaction.atomic
def discard(actor: User, plan: RosterPlan) -> None:
    """A proposal no one will publish; a run still solving it may finish, to no effect."""
    _require_planner(actor)
    locked = _locked_draft(plan, finished=False)
    locked.status = PlanStatus.DISCARDED
    locked.save(update_fields=["status"])
    plan.status = locked.status
    record_audit(actor, object_type="rota.plan", object_id=locked.pk, action="discard")
