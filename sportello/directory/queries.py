"""Finding a territorial service to refer someone to: by need, municipio, open now, language,
free of charge and free text, with each service's weekly hours fed into the desk's own
opening-calendar kernel (public holidays and Milan's patron day included)."""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import get_language

from sportello.directory.models import (
    Location,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from sportello.services import queries as catalogue
from sportello.services.models import Organisation, Weekday
from sportello.services.opening_calendar import HolidayLookup, Interval, OpeningCalendar

# iCalendar BYDAY codes, as HSDS schedules write them, to Python weekdays.
BYDAY = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


@dataclass(frozen=True)
class CalendarRules:
    """What every service's calendar shares with the desk's: zone, holidays, patron day."""

    timezone: zoneinfo.ZoneInfo
    holidays: HolidayLookup | None
    patron_days: list[tuple[int, int, str]]


@dataclass(frozen=True)
class Found:
    """A service as the search and its page show it."""

    service: Service
    calendar: OpeningCalendar
    # None: the directory has no hours for it, so nobody can say whether it is open.
    is_open: bool | None
    hours: list[tuple[str, list[str]]]
    locations: list[Location] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    needs: list[TaxonomyTerm] = field(default_factory=list)

    @property
    def need_names(self) -> list[str]:
        return [term_name(term) for term in self.needs]


def calendar_rules() -> CalendarRules:
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        return CalendarRules(zoneinfo.ZoneInfo("Europe/Rome"), None, [])
    holidays, patron_days = catalogue.public_holidays(organisation)
    return CalendarRules(zoneinfo.ZoneInfo(organisation.timezone), holidays, patron_days)


def with_details(services: QuerySet[Service]) -> QuerySet[Service]:
    """Everything a result shows, in a fixed number of queries whatever the number of services."""
    return services.select_related("organization", "verified_by").prefetch_related(
        Prefetch(
            "at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").prefetch_related(
                "schedules", "location__phones"
            ),
        ),
        "phones",
        "organization__phones",
        "taxonomy_terms",
        "languages",
        "schedules",
        "service_areas",
    )


def search(
    *,
    need: str | None = None,
    municipio: int | None = None,
    open_now: bool = False,
    language: str | None = None,
    free_only: bool = False,
    text: str = "",
    at: datetime.datetime | None = None,
) -> list[Found]:
    """Active services matching every given criterion, by name.

    ``need`` is a taxonomy term's code (its children count too); ``municipio`` matches a service
    area of that municipio, a city-wide area, or a location there; ``language`` is an ISO 639-1
    code; ``open_now`` keeps the services open at ``at`` (default: now) by their own hours."""
    services = matching(
        need=need, municipio=municipio, language=language, free_only=free_only, text=text
    )
    at = at or catalogue.now()
    rules = calendar_rules()
    found = [_found(service, rules, at) for service in with_details(services)]
    if open_now:
        found = [item for item in found if item.is_open]
    return found


def descendants_of(code: str) -> list[TaxonomyTerm]:
    """A need and every need under it, however deep the taxonomy goes."""
    found = list(TaxonomyTerm.objects.filter(code=code))
    frontier = [term.pk for term in found]
    while frontier:
        children = list(TaxonomyTerm.objects.filter(parent__in=frontier))
        found += children
        frontier = [term.pk for term in children]
    return found


def matching(
    *,
    need: str | None = None,
    municipio: int | None = None,
    language: str | None = None,
    free_only: bool = False,
    text: str = "",
) -> QuerySet[Service]:
    """The database side of the search (everything but ``open_now``), shared with the API."""
    services = Service.objects.filter(status=ServiceStatus.ACTIVE)
    if need:
        terms = descendants_of(need)
        services = services.filter(
            pk__in=Service.taxonomy_terms.through.objects.filter(taxonomyterm__in=terms).values(
                "service_id"
            )
        )
    if municipio is not None:
        areas = ServiceArea.objects.filter(Q(municipio=municipio) | Q(municipio__isnull=True))
        here = ServiceAtLocation.objects.filter(location__municipio=municipio)
        services = services.filter(
            Q(pk__in=areas.values("service_id")) | Q(pk__in=here.values("service_id"))
        )
    if language:
        services = services.filter(
            pk__in=Service.languages.through.objects.filter(language__code=language).values(
                "service_id"
            )
        )
    if free_only:
        services = services.filter(free_of_charge=True)
    text = text.strip()
    if text:
        services = services.filter(
            Q(name__icontains=text)
            | Q(alternate_name__icontains=text)
            | Q(description__icontains=text)
            | Q(organization__name__icontains=text)
            | Q(organization__alternate_name__icontains=text)
        )
    # Subqueries rather than joins: a service with two areas there still comes back once.
    return services.order_by(Lower("name"), "pk")


def service_detail(pk: object, at: datetime.datetime | None = None) -> Found:
    """One service, whatever its status (a referral may point to one that has since closed);
    raises Service.DoesNotExist."""
    service = with_details(Service.objects.filter(pk=pk)).get()
    return _found(service, calendar_rules(), at or catalogue.now())


def service_calendar(
    service: Service,
    *,
    on: datetime.date | None = None,
    rules: CalendarRules | None = None,
    weekly: dict[int, list[Interval]] | None = None,
) -> OpeningCalendar:
    """The service's weekly hours (its own and those at its locations) valid ``on`` a day
    (default: today), closed on the desk's public holidays and patron day unless it says it
    keeps its hours on holidays."""
    rules = rules or calendar_rules()
    on = on or catalogue.now().astimezone(rules.timezone).date()
    return OpeningCalendar(
        timezone=rules.timezone,
        weekly=weekly if weekly is not None else weekly_hours(service, on),
        holidays=None if service.open_on_holidays else rules.holidays,
        patron_days=() if service.open_on_holidays else rules.patron_days,
    )


def weekly_hours(service: Service, on: datetime.date) -> dict[int, list[Interval]]:
    """Weekday (0 = Monday) to opening intervals, from the schedule rows valid ``on`` that day."""
    weekly: dict[int, list[Interval]] = {}
    for schedule in _schedules(service):
        if not _valid_on(schedule, on):
            continue
        for weekday in _weekdays(schedule.byday):
            weekly.setdefault(weekday, []).append(Interval(schedule.opens_at, schedule.closes_at))
    return weekly


def hours_summary(weekly: dict[int, list[Interval]]) -> list[tuple[str, list[str]]]:
    """The week's hours written out, consecutive days with the same hours folded:
    [("lunedì–venerdì", ["9:00–13:00"])]; days closed every week are left out."""
    by_day = {
        weekday: [
            f"{_clock(interval.opens)}–{_clock(interval.closes)}"
            for interval in sorted(weekly.get(weekday, []), key=lambda item: item.opens)
        ]
        for weekday in range(7)
    }
    runs: list[tuple[int, int, list[str]]] = []
    for weekday in range(7):
        if runs and runs[-1][1] == weekday - 1 and runs[-1][2] == by_day[weekday]:
            runs[-1] = (runs[-1][0], weekday, runs[-1][2])
        else:
            runs.append((weekday, weekday, by_day[weekday]))
    labels = dict(Weekday.choices)
    return [
        (str(labels[first]) if first == last else f"{labels[first]}–{labels[last]}", intervals)
        for first, last, intervals in runs
        if intervals
    ]


def term_name(term: TaxonomyTerm) -> str:
    """A need's name in the active language, Italian when it has no translation."""
    english = (get_language() or "it").startswith("en")
    return (term.name_en if english else "") or term.name_it


def _found(service: Service, rules: CalendarRules, at: datetime.datetime) -> Found:
    local = at.astimezone(rules.timezone)
    weekly = weekly_hours(service, local.date())
    calendar = service_calendar(service, on=local.date(), rules=rules, weekly=weekly)
    has_hours = any(weekly.values())
    phones = list(service.phones.all()) or list(service.organization.phones.all())
    return Found(
        service=service,
        calendar=calendar,
        is_open=calendar.is_open(local) if has_hours else None,
        hours=hours_summary(weekly),
        locations=[here.location for here in service.at_locations.all()],
        phones=phones,
        needs=list(service.taxonomy_terms.all()),
    )


def _schedules(service: Service) -> list[Schedule]:
    rows = list(service.schedules.all())
    for here in service.at_locations.all():
        rows.extend(here.schedules.all())
    return rows


def _valid_on(schedule: Schedule, day: datetime.date) -> bool:
    return (schedule.valid_from is None or schedule.valid_from <= day) and (
        schedule.valid_to is None or day <= schedule.valid_to
    )


def _weekdays(byday: str) -> list[int]:
    return [
        BYDAY[code] for code in (part.strip().upper() for part in byday.split(",")) if code in BYDAY
    ]


def _clock(value: datetime.time) -> str:
    return f"{value.hour}:{value.minute:02d}"
