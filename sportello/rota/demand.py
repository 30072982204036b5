"""Staffing from demand: the contact history turned into operators per half-hour of the week.

The Django side of two kernels: ``forecast`` (contacts per half-hour, from the history) and
``erlang`` (operators for a target service level). This module reads the history, the opening
hours and the roster, and compares, half-hour by half-hour, the operators the demand needs with
the operators the published roster puts on shift. The method stays the one a coordinator reads
on the page:

- demand: the mean of the same half-hour over the last N open days of that weekday (holidays
  and closures skipped), times the trend of the last N weeks against the N before, clamped;
- handling time: the mean conversation of the contacts in that history (conversation start to
  closing); without any, the mean length of the sessions held; without any either, the setting
  ``SPORTELLO_ROTA_DEFAULT_HANDLING_SECONDS``;
- operators: Erlang C for the targets in settings (``SPORTELLO_ROTA_SERVICE_LEVEL``,
  ``SPORTELLO_ROTA_TARGET_SECONDS``, ``SPORTELLO_ROTA_MAX_OCCUPANCY``) then shrinkage
  (``SPORTELLO_ROTA_SHRINKAGE``), and at least one operator whenever the desk is open.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from sportello.cases.models import MAX_SESSION_MINUTES, Session
from sportello.intake.models import Contact
from sportello.rota import erlang, forecast, queries
from sportello.rota.models import CoverageRequirement, ShiftKind
from sportello.services import queries as catalogue
from sportello.services.models import Organisation, Service, Weekday
from sportello.services.opening_calendar import Interval, OpeningCalendar

DEFAULT_WEEKS = 8
MAX_WEEKS = 52
SLOT_SECONDS = forecast.SLOT_MINUTES * 60
# The model's ceiling for a coverage requirement.
MAX_MINIMUM = 50
# A conversation "open" for longer than the longest session the case record accepts is a contact
# somebody forgot to close, not four hours of work: it would inflate the mean and the roster.
LONGEST_HANDLING_S = MAX_SESSION_MINUTES * 60

HANDLING_FROM_CONTACTS = "contacts"
HANDLING_FROM_SESSIONS = "sessions"
HANDLING_FROM_SETTING = "setting"

REQUIRED_FROM_DEMAND = "demand"
REQUIRED_FROM_REQUIREMENTS = "requirements"
REQUIRED_UNKNOWN = "none"

HalfHours = list[tuple[datetime.time, int]]  # (start, seconds the desk is open in it)


def staffing_target() -> erlang.StaffingTarget:
    """The desk's promise, from settings: e.g. 80% of contacts answered within 60 seconds."""
    return erlang.StaffingTarget(
        service_level=settings.SPORTELLO_ROTA_SERVICE_LEVEL,
        target_s=settings.SPORTELLO_ROTA_TARGET_SECONDS,
        max_occupancy=settings.SPORTELLO_ROTA_MAX_OCCUPANCY,
        shrinkage=settings.SPORTELLO_ROTA_SHRINKAGE,
    )


def _minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def _time(minutes: int) -> datetime.time:
    return datetime.time(minutes // 60, minutes % 60) if minutes < 24 * 60 else datetime.time.max


def open_half_hours(intervals: Iterable[Interval]) -> HalfHours:
    """The half-hours the opening intervals touch, each with the seconds it is open: a desk
    opening at 9:15 has a 9:00 half-hour of 15 minutes, and Erlang must see 15, not 30."""
    open_seconds: dict[int, int] = defaultdict(int)
    for interval in intervals:
        opens, closes = _minutes(interval.opens), _minutes(interval.closes)
        if interval.closes == datetime.time.max:
            closes = 24 * 60
        start = opens - opens % forecast.SLOT_MINUTES
        while start < closes:
            end = start + forecast.SLOT_MINUTES
            open_seconds[start] += (min(end, closes) - max(start, opens)) * 60
            start = end
    return [(_time(start), seconds) for start, seconds in sorted(open_seconds.items())]


def weekly_half_hours(organisation: Organisation | None = None) -> dict[int, HalfHours]:
    """The open half-hours of an ordinary week, by weekday (0 Monday)."""
    organisation = organisation or catalogue.current_organisation()
    weekly: dict[int, list[Interval]] = defaultdict(list)
    for hours in organisation.weekly_hours.all():
        weekly[hours.weekday].append(Interval(hours.opens, hours.closes))
    return {weekday: open_half_hours(intervals) for weekday, intervals in weekly.items()}


def _overlaps(start: datetime.time, kind: ShiftKind) -> bool:
    begins = _minutes(start)
    return begins < _minutes(kind.ends) and _minutes(kind.starts) < begins + forecast.SLOT_MINUTES


@dataclass(frozen=True)
class HandlingTime:
    """The mean time one contact takes, and where it comes from (``HANDLING_FROM_*``)."""

    seconds: float
    source: str
    samples: int

    @property
    def minutes(self) -> float:
        return self.seconds / 60


def handling_time(
    first: datetime.date,
    until: datetime.date,
    *,
    service: Service | None = None,
    zone: zoneinfo.ZoneInfo | None = None,
) -> HandlingTime:
    """Mean handling time of the contacts that had a conversation from ``first`` to the day
    before ``until``; else of the sessions held then; else the setting.

    Contacts come first: they are the work the desk's half-hours hold (a conversation, then
    the notes until the contact is closed). Sessions are the case record's colloqui, often
    booked appointments: the next best measure. Both are never mixed, since a case's first
    session is usually the very conversation its contact already counted."""
    default = settings.SPORTELLO_ROTA_DEFAULT_HANDLING_SECONDS
    zone = zone or catalogue.desk_zone()
    contacts = Contact.objects.filter(
        received_at__gte=queries.desk_instant(first, zone=zone),
        received_at__lt=queries.desk_instant(until, zone=zone),
        conversation_started_at__isnull=False,
        closed_at__isnull=False,
    )
    if service is not None:
        contacts = contacts.filter(service=service)
    durations = [
        seconds
        for started, closed in contacts.values_list("conversation_started_at", "closed_at")
        if 0 < (seconds := (closed - started).total_seconds()) <= LONGEST_HANDLING_S
    ]
    if durations:
        return HandlingTime(
            forecast.mean_handling_seconds(durations, default),
            HANDLING_FROM_CONTACTS,
            len(durations),
        )
    sessions = Session.objects.filter(
        held_at__gte=queries.desk_instant(first, zone=zone),
        held_at__lt=queries.desk_instant(until, zone=zone),
    )
    if service is not None:
        sessions = sessions.filter(case__service=service)
    lengths = [minutes * 60 for minutes in sessions.values_list("duration_minutes", flat=True)]
    if any(lengths):
        return HandlingTime(
            forecast.mean_handling_seconds(lengths, default),
            HANDLING_FROM_SESSIONS,
            sum(1 for length in lengths if length > 0),
        )
    return HandlingTime(forecast.mean_handling_seconds((), default), HANDLING_FROM_SETTING, 0)


@dataclass(frozen=True)
class DemandHistory:
    """The forecast for an ordinary week and everything it was computed from."""

    forecast: forecast.DemandForecast
    weeks: int
    until: datetime.date  # the history ends the day before
    service: Service | None
    handling: HandlingTime
    target: erlang.StaffingTarget
    weekly: dict[int, HalfHours]
    calendar: OpeningCalendar  # the opening days the history counted, and the week's

    @property
    def has_history(self) -> bool:
        """Whether any contact arrived in the opening hours of the days averaged: without one
        there is nothing to forecast from, and a forecast of zero would be a made-up figure."""
        return any(slot.mean_arrivals > 0 for slot in self.forecast.slots)

    @property
    def first_day(self) -> datetime.date | None:
        firsts = [days[0] for days in self.forecast.days_by_weekday.values() if days]
        return min(firsts) if firsts else None

    def days_counted(self, weekday: int) -> tuple[datetime.date, ...]:
        return self.forecast.days_by_weekday.get(weekday, ())

    def staffing_at(
        self, weekday: int, start: datetime.time, open_s: int = SLOT_SECONDS
    ) -> erlang.StaffingResult:
        """Erlang C for the forecast of one half-hour of the week, open for ``open_s``."""
        return erlang.staffing(
            self.forecast.expected(weekday, start), open_s, self.handling.seconds, self.target
        )


def _first_contact_day(service: Service | None, zone: zoneinfo.ZoneInfo) -> datetime.date | None:
    contacts = Contact.objects.all()
    if service is not None:
        contacts = contacts.filter(service=service)
    first = contacts.order_by("received_at").values_list("received_at", flat=True).first()
    return queries.desk_day(first, zone) if first is not None else None


def demand_history(
    weeks: int = DEFAULT_WEEKS,
    *,
    until: datetime.date | None = None,
    service: Service | None = None,
) -> DemandHistory:
    """The forecast from the last ``weeks`` weeks of contacts before ``until`` (default today).

    The history starts at the first contact recorded (of ``service``, when given): open days
    before the desk recorded anything are not days nobody called, and averaging them in would
    understate the demand of a young desk."""
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be a whole number from 1 to {MAX_WEEKS}, not {weeks!r}")
    until = until or queries.desk_today()
    zone = catalogue.desk_zone()
    organisation = catalogue.current_organisation()
    calendar = catalogue.opening_calendar(organisation)
    weekly = weekly_half_hours(organisation)
    # Two windows of N weeks for the trend, and a margin so that each weekday still finds N
    # open days when holidays fall on it.
    start = until - datetime.timedelta(weeks=2 * weeks + 2)
    first_contact = _first_contact_day(service, zone)
    start = max(start, first_contact) if first_contact is not None else until
    open_days = []
    day = start
    while day < until:
        if calendar.intervals_on(day):
            open_days.append(day)
        day += queries.ONE_DAY
    contacts = Contact.objects.filter(
        received_at__gte=queries.desk_instant(start, zone=zone),
        received_at__lt=queries.desk_instant(until, zone=zone),
    )
    if service is not None:
        contacts = contacts.filter(service=service)
    arrivals = [
        moment.astimezone(zone).replace(tzinfo=None)
        for moment in contacts.values_list("received_at", flat=True)
    ]
    demand = forecast.forecast_demand(
        arrivals,
        open_days,
        weeks,
        until=until,
        slots=[(weekday, begins) for weekday, halves in weekly.items() for begins, _ in halves],
    )
    averaged = [days[0] for days in demand.days_by_weekday.values() if days]
    return DemandHistory(
        forecast=demand,
        weeks=weeks,
        until=until,
        service=service,
        handling=handling_time(min(averaged, default=until), until, service=service, zone=zone),
        target=staffing_target(),
        weekly=weekly,
        calendar=calendar,
    )


def rostered_per_half_hour(
    roster: queries.DayRoster,
    halves: HalfHours,
    *,
    service: Service | None = None,
    required: frozenset[str] | None = None,
    zone: zoneinfo.ZoneInfo | None = None,
) -> dict[datetime.time, int]:
    """Operators on shift in each half-hour of a day: everyone whose shift overlaps it, so the
    half-hour a morning shift hands over to the afternoon counts both. With ``service``, only
    those the queue routes its contacts to (``required``: the competences it requires, and
    ``zone``: the desk's, when the caller has them for a whole week)."""
    zone = zone or catalogue.desk_zone()
    if service is not None and required is None:
        required = queries.required_codes(service)
    entries = [
        entry
        for entry in roster.rostered
        if entry.user.is_active
        and (
            service is None or queries.serves(*queries.profile_codes(entry.user), service, required)
        )
    ]
    counts = {}
    for begins, _seconds in halves:
        slot_from = queries.desk_instant(roster.day, begins, zone)
        slot_to = slot_from + datetime.timedelta(minutes=forecast.SLOT_MINUTES)
        counts[begins] = len(
            {
                entry.user.pk
                for entry in entries
                if entry.starts_at < slot_to and slot_from < entry.ends_at
            }
        )
    return counts


def current_minimums(service: Service | None = None) -> dict[tuple[int, int], int]:
    """The coverage requirements in force, by (weekday, shift kind pk): the head counts, or with
    ``service`` that service's minimums."""
    rows = CoverageRequirement.objects.filter(competence__isnull=True)
    rows = (
        rows.filter(service=service) if service is not None else rows.filter(service__isnull=True)
    )
    return {(row.weekday, row.shift_kind_id): row.minimum for row in rows}


@dataclass(frozen=True)
class ProposedRequirement:
    """A head count for one shift of the week, from the busiest half-hour it covers."""

    weekday: int
    shift_kind: ShiftKind
    minimum: int
    current: int | None  # the head count in force, if any
    peak_start: datetime.time | None  # the half-hour that sets it; None: the floor of one
    peak_demand: float  # contacts expected in that half-hour

    @property
    def change(self) -> int | None:
        return None if self.current is None else self.minimum - self.current

    @property
    def weekday_label(self) -> str:
        return str(Weekday(self.weekday).label)


def propose_requirements(history: DemandHistory) -> list[ProposedRequirement]:
    """Head counts per weekday and shift: the most operators any half-hour of the shift needs
    (a half-hour two shifts share counts for both, which errs on the side of cover), at least
    one where the desk is open. Nothing without history: no fake numbers.

    Head counts are for the whole desk: a forecast of one service cannot propose them."""
    if history.service is not None:
        raise ValueError("head counts are proposed from the whole desk's demand, not a service's")
    if not history.has_history:
        return []
    current = current_minimums()
    kinds = sorted(queries.active_shift_kinds(), key=lambda kind: (kind.starts, kind.position))
    proposal = []
    for kind in kinds:
        for weekday in sorted(kind.weekdays):
            halves = [
                (begins, seconds)
                for begins, seconds in history.weekly.get(weekday, [])
                if _overlaps(begins, kind)
            ]
            if not halves:
                continue  # the desk is closed during this shift on this weekday
            peak_need, peak_start, peak_demand = 0, None, 0.0
            for begins, seconds in halves:
                need = history.staffing_at(weekday, begins, seconds).rostered
                if need > peak_need:
                    peak_need = need
                    peak_start = begins
                    peak_demand = history.forecast.expected(weekday, begins)
            proposal.append(
                ProposedRequirement(
                    weekday=weekday,
                    shift_kind=kind,
                    minimum=min(MAX_MINIMUM, max(1, peak_need)),
                    current=current.get((weekday, kind.pk)),
                    peak_start=peak_start,
                    peak_demand=peak_demand,
                )
            )
    proposal.sort(key=lambda item: (item.weekday, item.shift_kind.starts))
    return proposal


def head_counts() -> list[CoverageRequirement]:
    """The head counts in force (requirements of no competence and no service)."""
    return list(
        CoverageRequirement.objects.filter(
            competence__isnull=True, service__isnull=True
        ).select_related("shift_kind")
    )


def replaced_minimums(proposal: Iterable[ProposedRequirement]) -> list[CoverageRequirement]:
    """Head counts in force that applying ``proposal`` removes without a replacement (a shift
    no longer in use, a weekday the desk no longer opens)."""
    kept = {(item.weekday, item.shift_kind.pk) for item in proposal}
    return [row for row in head_counts() if (row.weekday, row.shift_kind_id) not in kept]


@dataclass(frozen=True)
class HalfHour:
    start: datetime.time
    end: datetime.time
    open_seconds: int
    demand: float | None  # contacts expected; None without history
    required: int | None  # operators to roster; None when neither demand nor minimum says
    rostered: int
    agents: int | None = None  # operators answering, before shrinkage (from demand only)

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.rostered) if self.required is not None else 0


@dataclass(frozen=True)
class GapRun:
    """Consecutive half-hours short of operators by the same figures, said once: "9:30–18:00,
    1 required, 0 rostered" reads better than seventeen lines."""

    start: datetime.time
    end: datetime.time
    required: int
    rostered: int

    @property
    def shortfall(self) -> int:
        return self.required - self.rostered


@dataclass(frozen=True)
class StaffingDay:
    day: datetime.date
    half_hours: tuple[HalfHour, ...]
    closed_reason: str | None = None  # why a usually open day is closed (a holiday's name)

    @property
    def is_open(self) -> bool:
        return bool(self.half_hours)

    @property
    def gaps(self) -> list[HalfHour]:
        return [half for half in self.half_hours if half.shortfall]

    @property
    def gap_runs(self) -> list[GapRun]:
        runs: list[GapRun] = []
        for half in self.gaps:
            assert half.required is not None
            last = runs[-1] if runs else None
            if (
                last is not None
                and last.end == half.start
                and (last.required, last.rostered) == (half.required, half.rostered)
            ):
                runs[-1] = GapRun(last.start, half.end, last.required, last.rostered)
            else:
                runs.append(GapRun(half.start, half.end, half.required, half.rostered))
        return runs


@dataclass(frozen=True)
class WeekStaffing:
    monday: datetime.date
    days: tuple[StaffingDay, ...]
    history: DemandHistory
    required_from: str  # REQUIRED_FROM_*
    proposal: tuple[ProposedRequirement, ...]
    has_plan: bool

    @property
    def gaps(self) -> list[tuple[StaffingDay, HalfHour]]:
        return [(day, half) for day in self.days for half in day.gaps]


def _minimum_at(
    day: datetime.date,
    begins: datetime.time,
    held: list[ShiftKind],
    minimums: dict[tuple[int, int], int],
) -> int | None:
    found = [
        minimums[(day.weekday(), kind.pk)]
        for kind in held
        if (day.weekday(), kind.pk) in minimums and _overlaps(begins, kind)
    ]
    return max(found) if found else None


def week_staffing(
    monday: datetime.date,
    *,
    weeks: int = DEFAULT_WEEKS,
    service: Service | None = None,
    today: datetime.date | None = None,
) -> WeekStaffing:
    """Demand, operators required and operators rostered per half-hour of the week of
    ``monday``, with the proposed head counts.

    The forecast uses the history before the week (or before today, for a week not yet begun),
    so a past week shows what would have been forecast for it. Without history the operators
    required fall back to the coverage minimums in force."""
    monday = queries.monday_of(monday)
    today = today or queries.desk_today()
    history = demand_history(weeks, until=min(monday, today), service=service)
    calendar = history.calendar
    sunday = monday + datetime.timedelta(days=6)
    zone = catalogue.desk_zone()
    rosters = queries.roster_between(monday, sunday, calendar=calendar, zone=zone)
    minimums = current_minimums(service)
    required = queries.required_codes(service) if service is not None else None
    if history.has_history:
        required_from = REQUIRED_FROM_DEMAND
    elif minimums:
        required_from = REQUIRED_FROM_REQUIREMENTS
    else:
        required_from = REQUIRED_UNKNOWN
    days = []
    for roster in rosters:
        day = roster.day
        halves = open_half_hours(calendar.intervals_on(day))
        if not halves:
            if day.weekday() in history.weekly:
                days.append(StaffingDay(day, (), calendar.closure_reason(day) or ""))
            continue
        on_shift = rostered_per_half_hour(
            roster, halves, service=service, required=required, zone=zone
        )
        rows = []
        for begins, seconds in halves:
            end = _time(_minutes(begins) + forecast.SLOT_MINUTES)
            if required_from == REQUIRED_FROM_DEMAND:
                result = history.staffing_at(day.weekday(), begins, seconds)
                rows.append(
                    HalfHour(
                        start=begins,
                        end=end,
                        open_seconds=seconds,
                        demand=history.forecast.expected(day.weekday(), begins),
                        required=max(1, result.rostered),
                        rostered=on_shift[begins],
                        agents=result.agents,
                    )
                )
            else:
                rows.append(
                    HalfHour(
                        start=begins,
                        end=end,
                        open_seconds=seconds,
                        demand=None,
                        required=_minimum_at(day, begins, roster.shifts, minimums),
                        rostered=on_shift[begins],
                    )
                )
        days.append(StaffingDay(day, tuple(rows)))
    proposal = tuple(propose_requirements(history)) if service is None else ()
    return WeekStaffing(
        monday=monday,
        days=tuple(days),
        history=history,
        required_from=required_from,
        proposal=proposal,
        has_plan=queries.plan_in_force(sunday) is not None,
    )
