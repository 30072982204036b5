"""What the roster's pages show, read into plain data for the templates: the week's table with
each shift's requirements, the days an absence leaves uncovered, a cover run's proposals in
words, and an operator's own coming shifts."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sportello.accounts.models import User
from sportello.rota import queries, solving, swap_queries
from sportello.rota.models import (
    Absence,
    ChangeReason,
    CoverageRequirement,
    ShiftChange,
    ShiftKind,
    SolverRun,
    SwapRequest,
)
from sportello.rota.wording import abbreviation, day_label, person_name, shift_label
from sportello.services import queries as catalogue
from sportello.services.models import Weekday

WEEKS_SHOWN = 4


# The week's table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tag:
    short: str
    full: str


@dataclass(frozen=True)
class Entry:
    user: User
    tags: list[Tag]
    change: ShiftChange | None


@dataclass(frozen=True)
class AbsentEntry:
    user: User
    kind: str  # empty for whoever may not know why


@dataclass(frozen=True)
class RequirementStatus:
    met: bool
    sentence: str


@dataclass
class Cell:
    kind: ShiftKind
    held: bool
    entries: list[Entry] = field(default_factory=list)
    absent: list[AbsentEntry] = field(default_factory=list)
    removed: list[ShiftChange] = field(default_factory=list)
    requirements: list[RequirementStatus] = field(default_factory=list)
    addable: list[User] = field(default_factory=list)

    @property
    def unmet(self) -> list[RequirementStatus]:
        return [status for status in self.requirements if not status.met]


@dataclass(frozen=True)
class DayRow:
    day: datetime.date
    weekday: str
    closed: str | None  # None: the desk is open; otherwise why it is closed
    cells: list[Cell]


def _tags(user: User) -> list[Tag]:
    profile = getattr(user, "professional_profile", None)
    if profile is None:
        return []
    named = [*profile.competences.all(), *profile.services.all()]
    return [Tag(abbreviation(str(item.name)), str(item.name)) for item in named]


def requirements_by_slot() -> dict[tuple[int, int], list[CoverageRequirement]]:
    """The coverage requirements by (weekday, shift kind pk), with what they name."""
    found: dict[tuple[int, int], list[CoverageRequirement]] = defaultdict(list)
    for row in CoverageRequirement.objects.select_related("shift_kind", "competence", "service"):
        found[(row.weekday, row.shift_kind_id)].append(row)
    return found


def _who(requirement: CoverageRequirement) -> str:
    count = requirement.minimum
    if requirement.competence is not None:
        return ngettext(
            "almeno %(count)d operatore con la competenza «%(name)s»",
            "almeno %(count)d operatori con la competenza «%(name)s»",
            count,
        ) % {"count": count, "name": requirement.competence.name}
    if requirement.service is not None:
        return ngettext(
            "almeno %(count)d operatore del servizio «%(name)s»",
            "almeno %(count)d operatori del servizio «%(name)s»",
            count,
        ) % {"count": count, "name": requirement.service.name}
    return ngettext("almeno %(count)d operatore", "almeno %(count)d operatori", count) % {
        "count": count
    }


def _counts_for(requirement: CoverageRequirement, user: User) -> bool:
    competences, services = queries.profile_codes(user)
    if requirement.competence is not None:
        return requirement.competence.code in competences
    if requirement.service is not None:
        return requirement.service.code in services
    return True


def requirement_statuses(
    requirements: Iterable[CoverageRequirement], rostered: Iterable[queries.RosteredShift]
) -> list[RequirementStatus]:
    rostered = list(rostered)
    statuses = []
    for requirement in requirements:
        present = sum(1 for entry in rostered if _counts_for(requirement, entry.user))
        sentence = _("%(who)s: %(count)d in turno.") % {"who": _who(requirement), "count": present}
        statuses.append(RequirementStatus(present >= requirement.minimum, sentence))
    return statuses


def week_rows(monday: datetime.date, *, for_planner: bool) -> tuple[list[ShiftKind], list[DayRow]]:
    """The week from ``monday``: one row a day, one cell a shift kind."""
    sunday = monday + datetime.timedelta(days=6)
    calendar = catalogue.opening_calendar()
    columns = sorted(queries.active_shift_kinds(), key=lambda kind: (kind.starts, kind.position))
    requirements = requirements_by_slot()
    absences: dict[int, list[Absence]] = defaultdict(list)
    for absence in queries.absences_between(monday, sunday):
        absences[absence.user_id].append(absence)
    removed: dict[tuple[datetime.date, int], list[ShiftChange]] = defaultdict(list)
    for change in ShiftChange.objects.filter(
        day__range=(monday, sunday), applied=True, on_shift=False
    ).select_related("user"):
        removed[(change.day, change.shift_kind_id)].append(change)
    operators = list(queries.rostered_operators()) if for_planner else []
    rows = []
    for roster in queries.roster_between(monday, sunday, calendar=calendar):
        held = {kind.pk for kind in roster.shifts}
        cells = []
        for kind in columns:
            cell = Cell(kind=kind, held=kind.pk in held)
            if cell.held:
                rostered = roster.on(kind)
                cell.entries = [Entry(e.user, _tags(e.user), e.change) for e in rostered]
                cell.absent = [
                    AbsentEntry(user, _absence_kind(absences, user, roster.day, for_planner))
                    for user, absent_kind in roster.absent
                    if absent_kind.pk == kind.pk
                ]
                cell.removed = removed.get((roster.day, kind.pk), [])
                cell.requirements = requirement_statuses(
                    requirements.get((roster.day.weekday(), kind.pk), []), rostered
                )
                present = {entry.user.pk for entry in rostered}
                cell.addable = [user for user in operators if user.pk not in present]
            cells.append(cell)
        rows.append(
            DayRow(
                day=roster.day,
                weekday=str(Weekday(roster.day.weekday()).label),
                closed=None if roster.shifts else (calendar.closure_reason(roster.day) or ""),
                cells=cells,
            )
        )
    return columns, rows


def _absence_kind(
    absences: dict[int, list[Absence]], user: User, day: datetime.date, for_planner: bool
) -> str:
    if not for_planner:
        return ""
    for absence in absences.get(user.pk, []):
        if absence.covers(day):
            return absence.get_kind_display()
    return ""


# Absences and cover runs --------------------------------------------------------------------


def cover_period(absence: Absence) -> tuple[datetime.date, datetime.date] | None:
    """The days of an absence still to cover: from today, at most a cover run's horizon."""
    first = max(absence.first_day, queries.desk_today())
    if first > absence.last_day:
        return None
    longest = datetime.timedelta(days=solving.MAX_COVER_DAYS - 1)
    return first, first + min(absence.last_day - first, longest)


def unmet_during(first: datetime.date, last: datetime.date) -> list[str]:
    """Each requirement the effective roster misses between two days, as a sentence."""
    requirements = requirements_by_slot()
    found = []
    for roster in queries.roster_between(first, last):
        for kind in roster.shifts:
            rows = requirements.get((roster.day.weekday(), kind.pk), [])
            for status in requirement_statuses(rows, roster.on(kind)):
                if not status.met:
                    found.append(f"{shift_label(roster.day, kind)}: {status.sentence}")
    return found


def coming_absences(today: datetime.date) -> list[Absence]:
    """The absences not yet over, first the nearest."""
    return list(
        Absence.objects.filter(cancelled_at__isnull=True, last_day__gte=today)
        .select_related("user", "recorded_by")
        .order_by("first_day", "user__last_name")
    )


def _when(day: datetime.date, kind: ShiftKind) -> str:
    return f"{Weekday(day.weekday()).label} {day:%d/%m} {str(kind.name).lower()}"


def proposal_lines(
    run: SolverRun, changes: list[ShiftChange]
) -> list[tuple[datetime.date, list[str]]]:
    """Each day's proposals in words: who replaces whom, who is added or taken off."""
    assert run.first_day is not None and run.last_day is not None
    absent: dict[tuple[datetime.date, int], list[User]] = defaultdict(list)
    for roster in queries.roster_between(run.first_day, run.last_day):
        for user, kind in roster.absent:
            absent[(roster.day, kind.pk)].append(user)
    slots: dict[tuple[datetime.date, int], tuple[ShiftKind, list[User], list[User]]] = {}
    for change in changes:
        key = (change.day, change.shift_kind_id)
        slot = slots.setdefault(key, (change.shift_kind, [], []))
        (slot[1] if change.on_shift else slot[2]).append(change.user)
    by_day: dict[datetime.date, list[str]] = defaultdict(list)
    for (day, kind_pk), (kind, added, taken_off) in sorted(
        slots.items(), key=lambda item: (item[0][0], item[1][0].starts)
    ):
        replaced = taken_off + [
            user for user in absent.get((day, kind_pk), []) if user not in taken_off
        ]
        when = _when(day, kind)
        for index, user in enumerate(added):
            if index < len(replaced):
                sentence = _("%(who)s sostituisce %(whom)s, %(when)s") % {
                    "who": person_name(user),
                    "whom": person_name(replaced[index]),
                    "when": when,
                }
            else:
                sentence = _("%(who)s entra in turno, %(when)s") % {
                    "who": person_name(user),
                    "when": when,
                }
            by_day[day].append(sentence)
        for user in taken_off[len(added) :]:
            by_day[day].append(
                _("%(who)s esce dal turno, %(when)s") % {"who": person_name(user), "when": when}
            )
    return sorted(by_day.items())


@dataclass(frozen=True)
class CoverState:
    """Where a cover run's proposals stand, for its page."""

    changes: list[ShiftChange]  # all the run proposed, applied or not
    decision: str | None  # "apply", "reject" or None while the proposals wait

    @property
    def proposed(self) -> bool:
        return self.decision is None and any(not change.applied for change in self.changes)

    @property
    def applied(self) -> bool:
        return self.decision == "apply"

    @property
    def rejected(self) -> bool:
        return self.decision == "reject"


def cover_state(run: SolverRun) -> CoverState:
    changes = list(
        run.changes.select_related("user", "shift_kind").order_by("day", "shift_kind__starts")
    )
    return CoverState(changes, queries.cover_decision(run))


# My shifts ----------------------------------------------------------------------------------


@dataclass
class ShiftRow:
    day: datetime.date
    day_label: str
    kind: ShiftKind
    state: str  # "on", "absent" (pattern shift, absent), "given" (handed over with a change)
    change_label: str = ""
    can_ask: bool = False
    pending: SwapRequest | None = None


@dataclass
class Week:
    monday: datetime.date
    sunday: datetime.date
    rows: list[ShiftRow] = field(default_factory=list)


def absences_of(user: User, today: datetime.date) -> list[Absence]:
    """The user's own absences not yet over."""
    return list(
        Absence.objects.filter(user=user, cancelled_at__isnull=True, last_day__gte=today).order_by(
            "first_day"
        )
    )


def change_label(reason: str) -> str:
    """ "Cambio turno", "Sostituzione": why a shift is someone's, or no longer is."""
    return capfirst(str(ChangeReason(reason).label))


def weeks_of(user: User, today: datetime.date) -> list[Week]:
    """The user's shifts from ``today`` to the end of the fourth week, week by week: the shifts
    held, those missed by an absence and those handed over, with any swap asked for each."""
    monday = queries.monday_of(today)
    last = monday + datetime.timedelta(days=7 * WEEKS_SHOWN - 1)
    now = catalogue.now()
    pending = {(swap.day, swap.shift_kind_id): swap for swap in swap_queries.swaps_asked_by(user)}
    weeks = [
        Week(
            monday + datetime.timedelta(days=7 * index),
            monday + datetime.timedelta(days=7 * index + 6),
        )
        for index in range(WEEKS_SHOWN)
    ]
    rows: list[ShiftRow] = []
    for day in queries.roster_between(today, last, user=user):
        for entry in day.rostered:
            swap = pending.get((entry.day, entry.shift_kind.pk))
            rows.append(
                ShiftRow(
                    day=entry.day,
                    day_label=day_label(entry.day),
                    kind=entry.shift_kind,
                    state="on",
                    change_label=change_label(entry.change.reason)
                    if entry.change is not None
                    else "",
                    can_ask=entry.starts_at > now and swap is None,
                    pending=swap,
                )
            )
        for _absent_user, kind in day.absent:
            rows.append(ShiftRow(day.day, day_label(day.day), kind, "absent"))
    given = ShiftChange.objects.filter(
        user=user, on_shift=False, applied=True, day__range=(today, last)
    ).exclude(reason=ChangeReason.ABSENCE)
    for change in given.select_related("shift_kind"):
        rows.append(
            ShiftRow(
                change.day,
                day_label(change.day),
                change.shift_kind,
                "given",
                change_label(change.reason),
            )
        )
    rows.sort(key=lambda row: (row.day, row.kind.starts))
    for row in rows:
        weeks[(row.day - monday).days // 7].rows.append(row)
    return weeks
