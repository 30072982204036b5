"""Reading the roster: which shifts a day has, who works them, and who is on shift at an instant.

The effective roster of a day is the published pattern for that day, minus whoever is absent,
plus and minus the applied dated changes (substitutes, swaps, the coordinator's edits)."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from sportello.accounts.models import User
from sportello.rota import policies, shift_templates
from sportello.rota.models import (
    Absence,
    PatternAssignment,
    PlanStatus,
    RosterPlan,
    ShiftChange,
    ShiftKind,
    SolverRun,
)
from sportello.services import queries as catalogue
from sportello.services.models import Service
from sportello.services.opening_calendar import OpeningCalendar

ONE_DAY = datetime.timedelta(days=1)


def desk_day(at: datetime.datetime, zone: zoneinfo.ZoneInfo | None = None) -> datetime.date:
    """The date at the desk at instant ``at``: in the small hours the server's UTC date is still
    yesterday (``zone``: the desk's, when the caller has read it already)."""
    return at.astimezone(zone or catalogue.desk_zone()).date()


def desk_today() -> datetime.date:
    return desk_day(catalogue.now())


def desk_instant(
    day: datetime.date,
    wall: datetime.time = datetime.time.min,
    zone: zoneinfo.ZoneInfo | None = None,
) -> datetime.datetime:
    """The instant the desk's clocks read ``wall`` on ``day``: midnight unless told."""
    return datetime.datetime.combine(day, wall, tzinfo=zone or catalogue.desk_zone())


def active_shift_kinds() -> list[ShiftKind]:
    return list(ShiftKind.objects.filter(is_active=True))


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def next_monday(today: datetime.date) -> datetime.date:
    """Where a new plan begins unless the coordinator says otherwise."""
    return monday_of(today) + datetime.timedelta(days=7)


def _minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def held_on(kind: ShiftKind, day: datetime.date, calendar: OpeningCalendar) -> bool:
    """A shift is held on its weekdays when the desk is open during it: not on holidays."""
    if day.weekday() not in kind.weekdays:
        return False
    return any(
        _minutes(interval.opens) < _minutes(kind.ends)
        and _minutes(kind.starts) < _minutes(interval.closes)
        for interval in calendar.intervals_on(day)
    )


def shifts_on(day: datetime.date) -> list[ShiftKind]:
    calendar = catalogue.opening_calendar()
    return [kind for kind in active_shift_kinds() if held_on(kind, day, calendar)]


def uncovered_opening_hours() -> list[shift_templates.Gap]:
    """Open minutes of the week that no shift covers: the roster page warns about them."""
    organisation = catalogue.current_organisation()
    weekly: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
    for hours in organisation.weekly_hours.all():
        weekly[hours.weekday].append((hours.opens, hours.closes))
    templates = [
        shift_templates.ShiftTemplate(kind.starts, kind.ends, tuple(kind.weekdays))
        for kind in active_shift_kinds()
    ]
    return shift_templates.uncovered(weekly, templates)


def published_plans() -> list[RosterPlan]:
    return list(
        RosterPlan.objects.filter(status=PlanStatus.PUBLISHED)
        .select_related("published_by")
        .order_by("valid_from")
    )


def plan_in_force(day: datetime.date, plans: list[RosterPlan] | None = None) -> RosterPlan | None:
    """The published plan whose validity covers ``day``: the latest start not after it."""
    plans = published_plans() if plans is None else plans
    found = None
    for plan in plans:
        if plan.valid_from is not None and plan.valid_from <= day:
            found = plan
    return found


def cycle_week(plan: RosterPlan, day: datetime.date) -> int:
    """Which week of the plan's repeating pattern ``day`` falls in (weeks start on Monday)."""
    assert plan.valid_from is not None
    return ((monday_of(day) - monday_of(plan.valid_from)).days // 7) % plan.pattern_weeks


@dataclass(frozen=True)
class RosteredShift:
    day: datetime.date
    shift_kind: ShiftKind
    user: User
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    change: ShiftChange | None = None  # set when the operator is there by a dated change


@dataclass
class DayRoster:
    day: datetime.date
    shifts: list[ShiftKind]
    rostered: list[RosteredShift] = field(default_factory=list)
    absent: list[tuple[User, ShiftKind]] = field(default_factory=list)  # pattern shift, absent

    def on(self, kind: ShiftKind) -> list[RosteredShift]:
        return [entry for entry in self.rostered if entry.shift_kind.pk == kind.pk]


def _users_with_profile() -> Prefetch[User]:
    return Prefetch(
        "user",
        queryset=User.objects.select_related("professional_profile__profession").prefetch_related(
            "professional_profile__competences", "professional_profile__services"
        ),
    )


def roster_between(
    first: datetime.date,
    last: datetime.date,
    *,
    user: User | None = None,
    calendar: OpeningCalendar | None = None,
    zone: zoneinfo.ZoneInfo | None = None,
) -> list[DayRoster]:
    """The effective roster of each day from ``first`` to ``last``, in a fixed number of queries
    (``calendar``, ``zone``: the opening calendar and the desk's zone, when the caller has read
    them already)."""
    if last < first:
        raise ValueError("last day before first")
    calendar = calendar or catalogue.opening_calendar()
    zone = zone or catalogue.desk_zone()
    kinds = {kind.pk: kind for kind in ShiftKind.objects.all()}
    plans = published_plans()
    earliest = plan_in_force(first, plans)
    in_range = [
        plan
        for plan in plans
        if plan.valid_from is not None
        and plan.valid_from <= last
        and (plan == earliest or plan.valid_from > first)
    ]
    assignments = PatternAssignment.objects.filter(plan__in=in_range).prefetch_related(
        _users_with_profile()
    )
    changes = (
        ShiftChange.objects.filter(day__range=(first, last), applied=True)
        .select_related("absence", "swap")
        .prefetch_related(_users_with_profile())
    )
    absences = Absence.objects.filter(
        cancelled_at__isnull=True, first_day__lte=last, last_day__gte=first
    )
    if user is not None:
        assignments = assignments.filter(user=user)
        changes = changes.filter(user=user)
        absences = absences.filter(user=user)
    by_slot: dict[tuple[int, int, int], list[PatternAssignment]] = defaultdict(list)
    for assignment in assignments:
        by_slot[(assignment.plan_id, assignment.week, assignment.weekday)].append(assignment)
    changes_by_day: dict[datetime.date, list[ShiftChange]] = defaultdict(list)
    for change in changes:
        changes_by_day[change.day].append(change)
    absences_list = list(absences)

    def rostered_shift(
        day: datetime.date, kind: ShiftKind, operator: User, change: ShiftChange | None = None
    ) -> RosteredShift:
        return RosteredShift(
            day,
            kind,
            operator,
            desk_instant(day, kind.starts, zone),
            desk_instant(day, kind.ends, zone),
            change,
        )

    days = []
    # Counting days rather than stepping past ``last``: the calendar's last day has no next.
    for offset in range((last - first).days + 1):
        day = first + datetime.timedelta(days=offset)
        held = [kind for kind in kinds.values() if kind.is_active and held_on(kind, day, calendar)]
        held.sort(key=lambda kind: (kind.starts, kind.position))
        held_ids = {kind.pk for kind in held}
        roster = DayRoster(day=day, shifts=held)
        absent_ids = {a.user_id for a in absences_list if a.covers(day)}
        plan = plan_in_force(day, in_range)
        entries: dict[tuple[int, int], RosteredShift] = {}
        # Shifts an absent operator would hold: a dated change decides them as it would the
        # shift itself (a shift swapped away before the absence is no longer theirs to miss).
        missed: dict[tuple[int, int], tuple[User, ShiftKind]] = {}
        if plan is not None:
            for assignment in by_slot.get((plan.pk, cycle_week(plan, day), day.weekday()), []):
                if assignment.shift_kind_id not in held_ids:
                    continue
                kind = kinds[assignment.shift_kind_id]
                key = (assignment.user_id, kind.pk)
                if assignment.user_id in absent_ids:
                    missed[key] = (assignment.user, kind)
                    continue
                entries[key] = rostered_shift(day, kind, assignment.user)
        for change in changes_by_day.get(day, []):
            key = (change.user_id, change.shift_kind_id)
            if not change.on_shift:
                entries.pop(key, None)
                missed.pop(key, None)
            elif change.shift_kind_id not in held_ids:
                continue
            elif change.user_id in absent_ids:
                missed[key] = (change.user, kinds[change.shift_kind_id])
            else:
                entries[key] = rostered_shift(day, kinds[change.shift_kind_id], change.user, change)
        roster.absent = list(missed.values())
        roster.rostered = sorted(
            entries.values(),
            key=lambda e: (e.starts_at, e.user.last_name, e.user.first_name, e.user.username),
        )
        days.append(roster)
    return days


def shifts_of(user: User, first: datetime.date, last: datetime.date) -> list[RosteredShift]:
    return [entry for day in roster_between(first, last, user=user) for entry in day.rostered]


@dataclass(frozen=True)
class OnShift:
    user: User
    shift_kind: ShiftKind
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    competences: frozenset[str]
    services: frozenset[str]


def on_shift_at(
    at: datetime.datetime | None = None, *, calendar: OpeningCalendar | None = None
) -> list[OnShift]:
    """Who is on shift at instant ``at`` and with which competences: the switchboard console,
    the queue's routing and the appointments all ask this one question (``calendar``: the
    opening calendar, when the caller has read it already)."""
    at = at or catalogue.now()
    zone = catalogue.desk_zone()
    local_day = desk_day(at, zone)
    result = []
    for entry in roster_between(local_day, local_day, calendar=calendar, zone=zone)[0].rostered:
        if entry.starts_at <= at < entry.ends_at and entry.user.is_active:
            competences, services = profile_codes(entry.user)
            result.append(
                OnShift(
                    user=entry.user,
                    shift_kind=entry.shift_kind,
                    starts_at=entry.starts_at,
                    ends_at=entry.ends_at,
                    competences=competences,
                    services=services,
                )
            )
    return result


def on_shift_ids(at: datetime.datetime | None = None) -> set[int]:
    return {entry.user.pk for entry in on_shift_at(at)}


def shift_staff() -> QuerySet[User]:
    """Active staff whose role works shifts: who may be given a contract."""
    return (
        User.objects.filter(
            is_active=True, groups__name__in=[role.value for role in policies.SHIFT_ROLES]
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def rosterable_staff() -> QuerySet[User]:
    """Who may be absent from the roster or be put on it by hand: active staff with a contract
    or with a role that works shifts."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(rota_contract__isnull=False)
            | Q(groups__name__in=[role.value for role in policies.SHIFT_ROLES])
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def rostered_operators() -> QuerySet[User]:
    """Who can take a shift: an active user with an active contract."""
    return (
        User.objects.filter(is_active=True, rota_contract__is_active=True)
        .select_related("rota_contract")
        .order_by("last_name", "first_name", "username")
    )


def absences_between(first: datetime.date, last: datetime.date) -> list[Absence]:
    return list(
        Absence.objects.filter(
            Q(cancelled_at__isnull=True), first_day__lte=last, last_day__gte=first
        ).select_related("user")
    )


def profile_codes(user: User) -> tuple[frozenset[str], frozenset[str]]:
    """An operator's competences and services as codes (none without a professional profile);
    the profile's lists are read from what the query prefetched."""
    profile = getattr(user, "professional_profile", None)
    if profile is None:
        return frozenset(), frozenset()
    return (
        frozenset(competence.code for competence in profile.competences.all()),
        frozenset(service.code for service in profile.services.all()),
    )


def required_codes(service: Service) -> frozenset[str]:
    return frozenset(competence.code for competence in service.required_competences.all())


def serves(
    competences: frozenset[str],
    services: frozenset[str],
    service: Service,
    required: frozenset[str] | None = None,
) -> bool:
    """Routing by competence: someone serves a service they work for, or whose competences
    include one the service requires (``required``: those codes, when the caller has them)."""
    if required is None:
        required = required_codes(service)
    return service.code in services or bool(required & competences)


def can_serve(entry: OnShift, service: Service) -> bool:
    return serves(entry.competences, entry.services, service)


def cover_by_service(
    at: datetime.datetime | None = None, *, calendar: OpeningCalendar | None = None
) -> dict[int, list[OnShift]]:
    """For each active service, who on shift at ``at`` can take its contacts: the live queue
    asks on every refresh, so it costs a fixed number of queries whatever the team."""
    on_shift = on_shift_at(at, calendar=calendar)
    services = Service.objects.filter(is_active=True).prefetch_related("required_competences")
    return {
        service.pk: [entry for entry in on_shift if can_serve(entry, service)]
        for service in services
    }


# Cover runs ---------------------------------------------------------------------------------


def cover_decision(run: SolverRun) -> str | None:
    """ "apply" or "reject" once a coordinator has decided on a cover run's proposals; None
    while they wait. A substitute a later swap or edit replaces stops applying
    (``applied=False``, its run still set): only the run's decision tells it from a proposal."""
    # Read from the database: the caller's instance may predate the decision.
    return SolverRun.objects.values_list("decision", flat=True).get(pk=run.pk) or None


def pending_proposals(run: SolverRun) -> list[ShiftChange]:
    """The substitutes a cover run proposed that still wait for the coordinator: none once the
    run was applied or rejected, whatever happened to its changes since."""
    if cover_decision(run) is not None:
        return []
    return list(
        run.changes.filter(applied=False)
        .select_related("user", "shift_kind")
        .order_by("day", "shift_kind__starts", "pk")
    )
