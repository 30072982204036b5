"""The statistics' daily figures computed straight from the raw tables.

Both paths of the dashboard rest on this module: the rollups store what ``figures`` returns for
each day (``sportello.reports.rollups``), and the raw path of ``sportello.reports.queries`` sums
the same figures without storing them. A figure is a count for one day (in the desk's time zone),
one service, one emergency programme (or none), one measure and one category. Categories are
codes only (a channel value, a catalogue code, a risk level number, a bucket such as "5-15");
codes made up here start with "_", which no catalogue code can (``code_validator``).

What each measure counts, and the day it is anchored on:

- Contacts (``contacts``, ``contacts_by_channel``, ``contacts_by_target_group``,
  ``contacts_by_reason``, ``contacts_by_risk``, ``contacts_by_outcome``, ``wait_minutes``,
  ``service_level``, ``callback_attempts``) are anchored on the day the contact was received,
  with the contact's service and programme. Target groups, reasons and the risk level come from
  the contact's latest screening (a contact may fall in several groups or reasons, so those
  tables add up to more than the contacts); "_unscreened" when it has none, "_none" when the
  screening named no group or reason. The outcome is the close reason, "_open" while open.
- Waiting time is measured in working minutes of the opening calendar (closed evenings, Sundays
  and holidays do not count) from when the contact was received to when it was first answered:
  the earliest of its first being taken from the queue (``first_answered_at``, which a release
  does not clear) and the first call made back to the person. Buckets are half-open ([5, 15) is
  "5-15"); "_unanswered" for contacts nobody answered yet.
- The service level counts the live calls (switchboard and telephony) answered within the
  target of the staffing settings (``SPORTELLO_ROTA_TARGET_SECONDS`` working seconds,
  "within") or later ("over"); the share to reach is ``SPORTELLO_ROTA_SERVICE_LEVEL``. A live
  call nobody answered counts as "over" once it was closed, or once the target's working time
  has passed since it arrived (until then it is in neither category): leaving callers waiting
  lowers the level instead of vanishing from it. Changing the target needs a ``rebuild`` for
  the past days.
- Callbacks: contacts with at least one call made back, by the attempt at which the person was
  reached ("1", "2", "3", "4+") or "_unreached".
- Sessions per case: cases anchored on the day they were opened (the case's service and
  programme), by the number of sessions held so far ("0", "1", "2", "3-5", "6-10", "11+").
- Referrals: anchored on the day they were proposed (the case's service and programme), by
  kind of destination and status, as "<status>:<kind>". The kind is "_internal" for the
  department's own services, otherwise the first (in code order) of the directory entry's needs
  (taxonomy terms), "_other" when it has none.
- Staffing: operator minutes rostered on each day (the effective roster: published pattern,
  absences, dated changes), with no programme. ``staff_minutes`` counts, for a service, the
  minutes of the operators the queue routes its contacts to; an operator serving two services
  counts for both, so the desk-wide figure is kept apart as ``desk_staff_minutes`` under the
  first service (by primary key) so that summing it over services never counts anyone twice.
  Demand is the ``contacts`` measure of the same days.
"""

from __future__ import annotations

import bisect
import datetime
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery

from sportello.cases.models import Case, Referral
from sportello.directory.models import Service as DirectoryService
from sportello.intake.models import CallAttempt, Channel, Contact, Outcome, Status
from sportello.services import queries as catalogue
from sportello.services.models import CalendarException, Service
from sportello.services.opening_calendar import DayOverride, Interval, OpeningCalendar
from sportello.triage.models import Screening

CONTACTS = "contacts"
BY_CHANNEL = "contacts_by_channel"
BY_TARGET_GROUP = "contacts_by_target_group"
BY_REASON = "contacts_by_reason"
BY_RISK = "contacts_by_risk"
BY_OUTCOME = "contacts_by_outcome"
WAIT_MINUTES = "wait_minutes"
SERVICE_LEVEL = "service_level"
CALLBACK_ATTEMPTS = "callback_attempts"
SESSIONS_PER_CASE = "sessions_per_case"
REFERRALS = "referrals"
STAFF_MINUTES = "staff_minutes"
DESK_STAFF_MINUTES = "desk_staff_minutes"
# Staffing has no programme: a filter on the programme leaves these alone.
STAFFING_MEASURES = (STAFF_MINUTES, DESK_STAFF_MINUTES)

UNSCREENED = "_unscreened"
NONE_GIVEN = "_none"
OPEN = "_open"
UNANSWERED = "_unanswered"
UNREACHED = "_unreached"
INTERNAL = "_internal"
OTHER = "_other"
WITHIN = "within"
OVER = "over"

# (lowest minute, first minute past the bucket or None, code)
WAIT_BUCKETS: tuple[tuple[int, int | None, str], ...] = (
    (0, 5, "0-5"),
    (5, 15, "5-15"),
    (15, 30, "15-30"),
    (30, 60, "30-60"),
    (60, 240, "60-240"),
    (240, None, "240+"),
)
ATTEMPT_CATEGORIES = ("1", "2", "3", "4+")
# (fewest sessions, most sessions or None, code)
SESSION_BUCKETS: tuple[tuple[int, int | None, str], ...] = (
    (0, 0, "0"),
    (1, 1, "1"),
    (2, 2, "2"),
    (3, 5, "3-5"),
    (6, 10, "6-10"),
    (11, None, "11+"),
)
LIVE_CHANNELS = (Channel.SWITCHBOARD.value, Channel.TELEPHONY.value)
# Days read together: bounds the memory a rebuild over years needs.
RUN_DAYS = 31

_MICROSECOND = datetime.timedelta(microseconds=1)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class FigureKey:
    day: datetime.date
    service_id: int
    programme_id: int | None
    measure: str
    category: str


Figures = dict[FigureKey, int]


def target_seconds() -> float:
    return float(settings.SPORTELLO_ROTA_TARGET_SECONDS)


def target_share() -> float:
    return float(settings.SPORTELLO_ROTA_SERVICE_LEVEL)


def day_runs(
    days: Iterable[datetime.date], longest: int = RUN_DAYS
) -> list[tuple[datetime.date, datetime.date]]:
    """Consecutive days folded into (first, last) runs of at most ``longest`` days."""
    runs: list[tuple[datetime.date, datetime.date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][1]).days == 1 and (day - runs[-1][0]).days < longest:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def desk_calendar(since: datetime.date) -> OpeningCalendar:
    """The opening calendar with every dated exception from ``since`` on: the catalogue's own
    adapter keeps only the last year's, which would let an old closure count as working time."""
    organisation = catalogue.current_organisation()
    weekly: dict[int, list[Interval]] = {}
    for hours in organisation.weekly_hours.all():
        weekly.setdefault(hours.weekday, []).append(Interval(hours.opens, hours.closes))
    overrides = [
        DayOverride(
            day=exception.day,
            intervals=()
            if exception.kind == CalendarException.Kind.CLOSED
            else (Interval(exception.opens, exception.closes),),
            reason=exception.reason,
        )
        for exception in organisation.calendar_exceptions.filter(day__gte=since)
    ]
    holiday_lookup, patron_days = catalogue.public_holidays(organisation)
    return OpeningCalendar(
        timezone=zoneinfo.ZoneInfo(organisation.timezone),
        weekly=weekly,
        holidays=holiday_lookup,
        patron_days=patron_days,
        overrides=overrides,
    )


def _micro(at: datetime.datetime) -> int:
    return (at - _EPOCH) // _MICROSECOND


class WorkingClock:
    """Working time between instants of one span, by binary search over its open periods read
    once from the calendar: the same answer as ``OpeningCalendar.working_time`` without walking
    the calendar again for each of a million contacts. Exact to the microsecond."""

    def __init__(
        self, calendar: OpeningCalendar, start: datetime.datetime, end: datetime.datetime
    ) -> None:
        self._start = _micro(start)
        self._end = _micro(end)
        self._opens: list[int] = []
        self._closes: list[int] = []
        self._before: list[int] = []  # open microseconds before each period
        total = 0
        for opens, closes in calendar.open_intervals(start, end):
            self._opens.append(_micro(opens))
            self._closes.append(_micro(closes))
            self._before.append(total)
            total += self._closes[-1] - self._opens[-1]

    def _open_until(self, at: int) -> int:
        if not self._start <= at <= self._end:
            raise ValueError("instant outside the clock's span")
        index = bisect.bisect_right(self._opens, at) - 1
        if index < 0:
            return 0
        return self._before[index] + min(at, self._closes[index]) - self._opens[index]

    def working_microseconds(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Open time in ``[start, end)``; zero when ``end`` is not after ``start``."""
        if end <= start:
            return 0
        return self._open_until(_micro(end)) - self._open_until(_micro(start))


def wait_bucket(working: int) -> str:
    minutes = working / 60_000_000
    for low, high, code in WAIT_BUCKETS:
        if minutes >= low and (high is None or minutes < high):
            return code
    raise AssertionError("unreachable: the last bucket is open-ended")


def session_bucket(sessions: int) -> str:
    for low, high, code in SESSION_BUCKETS:
        if sessions >= low and (high is None or sessions <= high):
            return code
    raise AssertionError("unreachable: the last bucket is open-ended")


def attempt_category(reached_at: int | None) -> str:
    if reached_at is None:
        return UNREACHED
    return ATTEMPT_CATEGORIES[min(reached_at, len(ATTEMPT_CATEGORIES)) - 1]


def _span(
    first: datetime.date, last: datetime.date, zone: zoneinfo.ZoneInfo
) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def figures(
    days: Iterable[datetime.date],
    *,
    service: Service | None = None,
    programme_id: int | None = None,
) -> Figures:
    """Every figure of the given days (optionally one service's, one programme's: staffing is
    never filtered by programme, having none)."""
    zone = catalogue.desk_zone()
    result: Counter[FigureKey] = Counter()
    runs = day_runs(days)
    if not runs:
        return {}
    calendar = desk_calendar(runs[0][0] - datetime.timedelta(days=1))
    service_id = service.pk if service is not None else None
    for first, last in runs:
        start, end = _span(first, last, zone)
        _contact_figures(result, start, end, zone, calendar, service_id, programme_id)
        _case_figures(result, start, end, zone, service_id, programme_id)
        _referral_figures(result, start, end, zone, service_id, programme_id)
        _staffing_figures(result, first, last, zone, calendar, service)
    return {key: count for key, count in result.items() if count}


def _contact_figures(
    result: Counter[FigureKey],
    start: datetime.datetime,
    end: datetime.datetime,
    zone: zoneinfo.ZoneInfo,
    calendar: OpeningCalendar,
    service_id: int | None,
    programme_id: int | None,
) -> None:
    contacts = Contact.objects.filter(received_at__gte=start, received_at__lt=end)
    if service_id is not None:
        contacts = contacts.filter(service_id=service_id)
    if programme_id is not None:
        contacts = contacts.filter(programme_id=programme_id)
    latest = Screening.objects.filter(contact=OuterRef("pk")).order_by("-at", "-id")
    rows = list(
        contacts.annotate(
            latest_screening=Subquery(latest.values("id")[:1]),
            latest_level=Subquery(latest.values("level")[:1]),
        )
        .order_by()
        .values_list(
            "id",
            "received_at",
            "service_id",
            "programme_id",
            "channel",
            "status",
            "close_reason",
            "taken_at",
            "first_answered_at",
            "latest_screening",
            "latest_level",
        )
    )
    if not rows:
        return
    in_range = {"contact__received_at__gte": start, "contact__received_at__lt": end}
    if service_id is not None:
        in_range["contact__service_id"] = service_id
    if programme_id is not None:
        in_range["contact__programme_id"] = programme_id
    screening_range = {f"screening__{name}": value for name, value in in_range.items()}
    groups: dict[int, list[str]] = defaultdict(list)
    for screening_id, code in Screening.target_groups.through.objects.filter(
        **screening_range
    ).values_list("screening_id", "targetgroup__code"):
        groups[screening_id].append(code)
    reasons: dict[int, list[str]] = defaultdict(list)
    for screening_id, code in Screening.reasons.through.objects.filter(
        **screening_range
    ).values_list("screening_id", "contactreason__code"):
        reasons[screening_id].append(code)
    first_attempt: dict[int, datetime.datetime] = {}
    reached_at: dict[int, int | None] = {}
    for contact_id, at, outcome in (
        CallAttempt.objects.filter(**in_range)
        .order_by("contact_id", "at", "pk")
        .values_list("contact_id", "at", "outcome")
    ):
        if contact_id not in first_attempt:
            first_attempt[contact_id] = at
            reached_at[contact_id] = None
            attempts = 0
        attempts += 1
        if outcome == Outcome.REACHED and reached_at[contact_id] is None:
            reached_at[contact_id] = attempts

    answered: dict[int, datetime.datetime] = {}
    # Live calls nobody answered and nobody closed: "over" once the target has passed by now.
    waiting_live = False
    for row in rows:
        candidates = [at for at in (row[7], row[8], first_attempt.get(row[0])) if at is not None]
        if candidates:
            answered[row[0]] = max(min(candidates), row[1])
        elif row[4] in LIVE_CHANNELS and row[5] != Status.CLOSED:
            waiting_live = True
    now = catalogue.now()
    clock_end = max([end, *answered.values(), *([now] if waiting_live else [])])
    clock = WorkingClock(calendar, start, clock_end)
    target = round(target_seconds() * 1_000_000)

    for (
        contact_id,
        received_at,
        contact_service,
        contact_programme,
        channel,
        status,
        close_reason,
        _taken_at,
        _first_answered_at,
        screening_id,
        level,
    ) in rows:
        day = received_at.astimezone(zone).date()

        def add(measure: str, category: str = "") -> None:
            result[FigureKey(day, contact_service, contact_programme, measure, category)] += 1  # noqa: B023

        add(CONTACTS)
        add(BY_CHANNEL, channel)
        add(BY_OUTCOME, (close_reason or NONE_GIVEN) if status == Status.CLOSED else OPEN)
        if screening_id is None:
            add(BY_RISK, UNSCREENED)
            add(BY_TARGET_GROUP, UNSCREENED)
            add(BY_REASON, UNSCREENED)
        else:
            add(BY_RISK, str(level))
            for code in sorted(set(groups.get(screening_id, ()))) or [NONE_GIVEN]:
                add(BY_TARGET_GROUP, code)
            for code in sorted(set(reasons.get(screening_id, ()))) or [NONE_GIVEN]:
                add(BY_REASON, code)
        answer = answered.get(contact_id)
        if answer is None:
            add(WAIT_MINUTES, UNANSWERED)
            if channel in LIVE_CHANNELS and (
                status == Status.CLOSED or clock.working_microseconds(received_at, now) > target
            ):
                add(SERVICE_LEVEL, OVER)
        else:
            working = clock.working_microseconds(received_at, answer)
            add(WAIT_MINUTES, wait_bucket(working))
            if channel in LIVE_CHANNELS:
                add(SERVICE_LEVEL, WITHIN if working <= target else OVER)
        if contact_id in first_attempt:
            add(CALLBACK_ATTEMPTS, attempt_category(reached_at[contact_id]))


def _case_figures(
    result: Counter[FigureKey],
    start: datetime.datetime,
    end: datetime.datetime,
    zone: zoneinfo.ZoneInfo,
    service_id: int | None,
    programme_id: int | None,
) -> None:
    cases = Case.objects.filter(opened_at__gte=start, opened_at__lt=end)
    if service_id is not None:
        cases = cases.filter(service_id=service_id)
    if programme_id is not None:
        cases = cases.filter(programme_id=programme_id)
    for opened_at, case_service, case_programme, sessions in (
        cases.annotate(held=Count("sessions"))
        .order_by()
        .values_list("opened_at", "service_id", "programme_id", "held")
    ):
        day = opened_at.astimezone(zone).date()
        key = FigureKey(
            day, case_service, case_programme, SESSIONS_PER_CASE, session_bucket(sessions)
        )
        result[key] += 1


def destination_kinds(directory_ids: Iterable[object]) -> dict[object, str]:
    """The kind of each directory entry a referral went to (see the module's docstring)."""
    ids = set(directory_ids)
    kinds: dict[object, str] = {}
    for entry_id, desk_service in DirectoryService.objects.filter(pk__in=ids).values_list(
        "pk", "desk_service_id"
    ):
        if desk_service is not None:
            kinds[entry_id] = INTERNAL
    terms: dict[object, list[str]] = defaultdict(list)
    for entry_id, code in DirectoryService.taxonomy_terms.through.objects.filter(
        service_id__in=ids - set(kinds)
    ).values_list("service_id", "taxonomyterm__code"):
        terms[entry_id].append(code)
    for entry_id in ids - set(kinds):
        kinds[entry_id] = min(terms[entry_id]) if terms.get(entry_id) else OTHER
    return kinds


def _referral_figures(
    result: Counter[FigureKey],
    start: datetime.datetime,
    end: datetime.datetime,
    zone: zoneinfo.ZoneInfo,
    service_id: int | None,
    programme_id: int | None,
) -> None:
    referrals = Referral.objects.filter(created_at__gte=start, created_at__lt=end)
    if service_id is not None:
        referrals = referrals.filter(case__service_id=service_id)
    if programme_id is not None:
        referrals = referrals.filter(case__programme_id=programme_id)
    rows = list(
        referrals.order_by().values_list(
            "created_at", "case__service_id", "case__programme_id", "to_service_id", "status"
        )
    )
    kinds = destination_kinds(row[3] for row in rows)
    for created_at, case_service, case_programme, to_service, status in rows:
        day = created_at.astimezone(zone).date()
        category = f"{status}:{kinds[to_service]}"[:60]
        result[FigureKey(day, case_service, case_programme, REFERRALS, category)] += 1


def _staffing_figures(
    result: Counter[FigureKey],
    first: datetime.date,
    last: datetime.date,
    zone: zoneinfo.ZoneInfo,
    calendar: OpeningCalendar,
    service: Service | None,
) -> None:
    from sportello.rota import queries as rota

    services = list(Service.objects.prefetch_related("required_competences").order_by("pk"))
    if not services:
        return
    anchor = services[0].pk
    required = {item.pk: rota.required_codes(item) for item in services}
    if service is not None:
        services = [item for item in services if item.pk == service.pk]
    for roster in rota.roster_between(first, last, calendar=calendar, zone=zone):
        entries = [entry for entry in roster.rostered if entry.user.is_active]
        if not entries:
            continue
        minutes = [
            (entry, (entry.ends_at - entry.starts_at) // datetime.timedelta(minutes=1))
            for entry in entries
        ]
        if service is None:
            key = FigureKey(roster.day, anchor, None, DESK_STAFF_MINUTES, "")
            result[key] += sum(length for _entry, length in minutes)
        for item in services:
            served = sum(
                length
                for entry, length in minutes
                if rota.serves(*rota.profile_codes(entry.user), item, required[item.pk])
            )
            result[FigureKey(roster.day, item.pk, None, STAFF_MINUTES, "")] += served


def days_between(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    for offset in range((last - first).days + 1):
        yield first + datetime.timedelta(days=offset)
