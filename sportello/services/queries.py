"""Read side of the catalogue, and the adapter feeding the opening-calendar kernel from the DB."""

import datetime
import zoneinfo
from dataclasses import dataclass

import holidays
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import get_language

from sportello.services.models import (
    CalendarException,
    EmergencyNumber,
    EmergencyProgramme,
    Organisation,
    Service,
    TargetGroup,
    Weekday,
)
from sportello.services.opening_calendar import DayOverride, Interval, OpeningCalendar


def now() -> datetime.datetime:
    """The current instant; the one seam tests and demos use to look at another moment."""
    return timezone.now()


def current_organisation() -> Organisation:
    """The body running this installation (one per deployment); installed by the catalogue."""
    organisation = (
        # The page reads the hours twice (calendar, summary): fetch them once with the numbers.
        Organisation.objects.prefetch_related(
            Prefetch("emergency_numbers", queryset=EmergencyNumber.objects.order_by("position")),
            "weekly_hours",
        )
        .order_by("pk")
        .first()
    )
    if organisation is None:
        raise Organisation.DoesNotExist(
            "No organisation: run `manage.py migrate` (it installs the catalogue) "
            "or `manage.py load_catalogue`."
        )
    return organisation


def desk_zone() -> zoneinfo.ZoneInfo:
    """The organisation's time zone: "today" and "same day" are the desk's, not UTC's."""
    timezone_name = Organisation.objects.order_by("pk").values_list("timezone", flat=True).first()
    return zoneinfo.ZoneInfo(timezone_name or "Europe/Rome")


def _holiday_lookup(organisation: Organisation) -> holidays.HolidayBase:
    language = "it_IT" if (get_language() or "it").startswith("it") else "en_US"
    return holidays.country_holidays(
        organisation.holiday_country,
        subdiv=organisation.holiday_subdivision or None,
        language=language,
    )


def opening_calendar(organisation: Organisation | None = None) -> OpeningCalendar:
    organisation = organisation or current_organisation()
    weekly: dict[int, list[Interval]] = {}
    for hours in organisation.weekly_hours.all():
        weekly.setdefault(hours.weekday, []).append(Interval(hours.opens, hours.closes))
    # Only exceptions from a year back matter to any query about now or the future.
    since = timezone.localdate(now()) - datetime.timedelta(days=366)
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
    holiday_lookup, patron_days = public_holidays(organisation)
    return OpeningCalendar(
        timezone=zoneinfo.ZoneInfo(organisation.timezone),
        weekly=weekly,
        holidays=holiday_lookup,
        patron_days=patron_days,
        overrides=overrides,
    )


def public_holidays(
    organisation: Organisation,
) -> tuple[holidays.HolidayBase, list[tuple[int, int, str]]]:
    """The public holidays and patron day the desk closes on; the territorial services of the
    directory are closed on the same days, so their calendars reuse them."""
    patron_days = []
    if organisation.patron_day_month and organisation.patron_day_day:
        patron_days.append(
            (organisation.patron_day_month, organisation.patron_day_day, organisation.patron_saint)
        )
    return _holiday_lookup(organisation), patron_days


@dataclass(frozen=True)
class DeskStatus:
    """Whether the desk answers at an instant, and what to tell the caller."""

    at: datetime.datetime
    is_open: bool
    closes_at: datetime.datetime | None
    next_opening: datetime.datetime | None
    closure_reason: str | None
    organisation: Organisation


def desk_status(at: datetime.datetime | None = None) -> DeskStatus:
    organisation = current_organisation()
    calendar = opening_calendar(organisation)
    tz = zoneinfo.ZoneInfo(organisation.timezone)
    at = (at or now()).astimezone(tz)
    is_open = calendar.is_open(at)
    return DeskStatus(
        at=at,
        is_open=is_open,
        closes_at=calendar.closes_at(at) if is_open else None,
        next_opening=calendar.next_opening(at),
        closure_reason=None if is_open else calendar.closure_reason(at.date()),
        organisation=organisation,
    )


def active_services() -> list[Service]:
    return list(Service.objects.filter(is_active=True))


def target_groups() -> list[TargetGroup]:
    return list(TargetGroup.objects.all())


def running_programmes(day: datetime.date | None = None) -> list[EmergencyProgramme]:
    return list(EmergencyProgramme.objects.running_on(day or timezone.localdate(now())))


def weekly_hours_summary(organisation: Organisation) -> list[tuple[str, list[str]]]:
    """Consecutive weekdays with the same hours folded: [("lunedì–sabato", ["9:30–18:00"]),
    ("domenica", [])]; an empty list is a day the desk is closed every week."""
    by_day: dict[int, list[str]] = {day: [] for day in Weekday.values}
    for hours in organisation.weekly_hours.all():
        by_day[hours.weekday].append(f"{_clock(hours.opens)}–{_clock(hours.closes)}")
    runs: list[tuple[int, int, list[str]]] = []
    for day in sorted(by_day):
        if runs and runs[-1][2] == by_day[day]:
            runs[-1] = (runs[-1][0], day, runs[-1][2])
        else:
            runs.append((day, day, by_day[day]))
    labels = dict(Weekday.choices)
    return [
        (str(labels[first]) if first == last else f"{labels[first]}–{labels[last]}", intervals)
        for first, last, intervals in runs
    ]


def patron_day(organisation: Organisation) -> datetime.date | None:
    """The patron day as a date to print day and month ("7 dicembre"); the year means nothing.

    A leap year, so that a patron on 29 February can still be named.
    """
    if not (organisation.patron_day_month and organisation.patron_day_day):
        return None
    return datetime.date(2024, organisation.patron_day_month, organisation.patron_day_day)


def _clock(value: datetime.time) -> str:
    return f"{value.hour}:{value.minute:02d}"
