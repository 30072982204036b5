"""The dashboard's tables: counts over a period, a service and an emergency programme.

Two sources answer with the same numbers: ``"rollup"`` sums the stored daily figures
(``DailyFigure``: a few aggregate queries on the (measure, day) index, fast over millions of
contacts) and ``"raw"`` computes the figures from the raw tables on the spot
(``sportello.reports.raw_figures``, which documents what each table counts). The tables are counts
before disclosure control: whatever leaves the system goes through ``disclosure`` first."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from sportello.cases.models import ReferralStatus
from sportello.directory.models import TaxonomyTerm
from sportello.intake.models import Channel, CloseReason
from sportello.reports import raw_figures as raw
from sportello.reports.disclosure import Cell
from sportello.reports.models import DailyFigure
from sportello.services.models import EmergencyProgramme, Service, TargetGroup
from sportello.triage.models import ContactReason, RiskLevel

SOURCES = ("rollup", "raw")


@dataclass(frozen=True)
class Scope:
    first_day: datetime.date  # both days included, desk time zone (Europe/Rome)
    last_day: datetime.date
    service: Service | None = None
    programme: EmergencyProgramme | None = None

    def days(self) -> list[datetime.date]:
        return list(raw.days_between(self.first_day, self.last_day))


@dataclass(frozen=True)
class FigureTable:
    """Counts before disclosure control, labelled in the active language."""

    key: str
    title: str
    row_heading: str
    row_labels: list[str]
    column_labels: list[str]
    counts: list[list[int]]
    chart: str  # "line" | "bar" | "stacked-bar"
    # False where the columns measure different things (contacts beside hours): a row's cells
    # do not add up to anything, so the table has no row totals and no grand total.
    row_totals: bool = True
    # Cells that repeat or add up cells of another table published with this one (the weeks are
    # sums of the days): each is hidden wherever one of its sources is, or subtracting the
    # shown sources from it would give the hidden one away. (own cell, source cells) pairs.
    derived_from: str = ""
    derived_cells: tuple[tuple[Cell, tuple[Cell, ...]], ...] = ()


# A table's sums: (measure, group value or None, category) -> count.
Sums = dict[tuple[str, object, str], int]
DAY = "day"
SERVICE = "service"
NO_GROUP = ""


@dataclass(frozen=True)
class _Spec:
    key: str
    measures: tuple[str, ...]
    group: str  # DAY, SERVICE or NO_GROUP
    build: Callable[[Scope, Sums], FigureTable]


# Sums ---------------------------------------------------------------------------------------


def _measure_filter(scope: Scope, measures: Iterable[str]) -> Q:
    """Which rows of which measures a scope takes: staffing has no programme, and its desk-wide
    figure stands for every service together."""
    wanted = set(measures)
    staffing = wanted & set(raw.STAFFING_MEASURES)
    others = wanted - staffing
    condition = Q(pk__in=[])
    if others:
        part = Q(measure__in=sorted(others))
        if scope.service is not None:
            part &= Q(service=scope.service)
        if scope.programme is not None:
            part &= Q(programme=scope.programme)
        condition |= part
    if scope.service is None and raw.DESK_STAFF_MINUTES in staffing:
        condition |= Q(measure=raw.DESK_STAFF_MINUTES)
    if scope.service is not None and raw.STAFF_MINUTES in staffing:
        condition |= Q(measure=raw.STAFF_MINUTES, service=scope.service)
    return condition


def _rollup_sums(scope: Scope, measures: Iterable[str], group: str) -> Sums:
    fields = ["measure", "category"] + ([group] if group else [])
    rows = (
        DailyFigure.objects.filter(day__gte=scope.first_day, day__lte=scope.last_day)
        .filter(_measure_filter(scope, measures))
        .values(*fields)
        .annotate(total=Sum("count"))
        .order_by()
    )
    return {
        (row["measure"], row[group] if group else None, row["category"]): int(row["total"])
        for row in rows
    }


def _raw_sums(figures: raw.Figures, scope: Scope, measures: Iterable[str], group: str) -> Sums:
    wanted = set(measures)
    sums: dict[tuple[str, object, str], int] = defaultdict(int)
    for key, count in figures.items():
        if key.measure not in wanted:
            continue
        if key.measure == raw.DESK_STAFF_MINUTES and scope.service is not None:
            continue
        if key.measure == raw.STAFF_MINUTES and scope.service is None:
            continue
        value: object = None
        if group == DAY:
            value = key.day
        elif group == SERVICE:
            value = key.service_id
        sums[(key.measure, value, key.category)] += count
    return dict(sums)


def _raw_figures(scope: Scope) -> raw.Figures:
    return raw.figures(
        scope.days(),
        service=scope.service,
        programme_id=scope.programme.pk if scope.programme is not None else None,
    )


# Labels ---------------------------------------------------------------------------------------


def _day_label(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _week_label(year: int, week: int) -> str:
    return _("Settimana %(week)02d del %(year)d") % {"week": week, "year": year}


def _weeks(scope: Scope) -> list[tuple[int, int]]:
    weeks: list[tuple[int, int]] = []
    for day in scope.days():
        iso = day.isocalendar()
        if not weeks or weeks[-1] != (iso.year, iso.week):
            weeks.append((iso.year, iso.week))
    return weeks


def _week_of(day: object) -> tuple[int, int]:
    assert isinstance(day, datetime.date)
    iso = day.isocalendar()
    return (iso.year, iso.week)


def _column(
    key: str,
    title: str,
    row_heading: str,
    rows: list[tuple[str, str]],
    sums: Sums,
    measure: str,
    column: str,
    chart: str = "bar",
) -> FigureTable:
    """A one-column table of a measure's categories: ``rows`` is (category, label)."""
    return FigureTable(
        key=key,
        title=title,
        row_heading=row_heading,
        row_labels=[capfirst(label) for _code, label in rows],
        column_labels=[column],
        counts=[[sums.get((measure, None, code), 0)] for code, _label in rows],
        chart=chart,
    )


def _present(sums: Sums, measure: str) -> set[str]:
    return {
        category for (name, _group, category), count in sums.items() if name == measure and count
    }


# Tables ---------------------------------------------------------------------------------------


def _contacts_by_day(scope: Scope, sums: Sums) -> FigureTable:
    days = scope.days()
    return FigureTable(
        key="contacts-by-day",
        title=_("Contatti per giorno"),
        row_heading=_("Giorno"),
        row_labels=[_day_label(day) for day in days],
        column_labels=[_("Contatti")],
        counts=[[sums.get((raw.CONTACTS, day, ""), 0)] for day in days],
        chart="line",
    )


def _contacts_by_week(scope: Scope, sums: Sums) -> FigureTable:
    weeks = _weeks(scope)
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for (measure, day, _category), count in sums.items():
        if measure == raw.CONTACTS:
            totals[_week_of(day)] += count
    days_of: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, day in enumerate(scope.days()):
        days_of[_week_of(day)].append(index)
    return FigureTable(
        key="contacts-by-week",
        title=_("Contatti per settimana"),
        row_heading=_("Settimana"),
        row_labels=[_week_label(*week) for week in weeks],
        column_labels=[_("Contatti")],
        counts=[[totals.get(week, 0)] for week in weeks],
        chart="bar",
        derived_from="contacts-by-day",
        derived_cells=tuple(
            ((row, 0), tuple((day, 0) for day in days_of[week])) for row, week in enumerate(weeks)
        ),
    )


def _contacts_by_channel(scope: Scope, sums: Sums) -> FigureTable:
    rows = [(value, str(label)) for value, label in Channel.choices]
    return _column(
        "contacts-by-channel",
        _("Contatti per canale"),
        _("Canale"),
        rows,
        sums,
        raw.BY_CHANNEL,
        _("Contatti"),
    )


def _contacts_by_service(scope: Scope, sums: Sums) -> FigureTable:
    services = [scope.service] if scope.service is not None else list(Service.objects.all())
    return FigureTable(
        key="contacts-by-service",
        title=_("Contatti per servizio"),
        row_heading=_("Servizio"),
        row_labels=[str(service.name) for service in services],
        column_labels=[_("Contatti")],
        counts=[[sums.get((raw.CONTACTS, service.pk, ""), 0)] for service in services],
        chart="bar",
    )


def _screening_rows(catalogue: list[tuple[str, str]], missing: str) -> list[tuple[str, str]]:
    # The contacts never screened are counted once, in the risk-level table: repeated here, a
    # count shown in one table would give away the same count hidden in another.
    return [*catalogue, (raw.NONE_GIVEN, missing)]


def _contacts_by_target_group(scope: Scope, sums: Sums) -> FigureTable:
    groups = [(group.code, str(group.name)) for group in TargetGroup.objects.all()]
    return _column(
        "contacts-by-target-group",
        _("Contatti per gruppo destinatario"),
        _("Gruppo destinatario"),
        _screening_rows(groups, _("Gruppo non indicato")),
        sums,
        raw.BY_TARGET_GROUP,
        _("Contatti"),
    )


def _contacts_by_reason(scope: Scope, sums: Sums) -> FigureTable:
    present = _present(sums, raw.BY_REASON)
    reasons = [
        (reason.code, str(reason.name))
        for reason in ContactReason.objects.all()
        if reason.active or reason.code in present
    ]
    return _column(
        "contacts-by-reason",
        _("Contatti per motivo"),
        _("Motivo"),
        _screening_rows(reasons, _("Motivo non indicato")),
        sums,
        raw.BY_REASON,
        _("Contatti"),
    )


def _contacts_by_risk_level(scope: Scope, sums: Sums) -> FigureTable:
    rows = [(str(value), str(label)) for value, label in RiskLevel.choices]
    rows.append((raw.UNSCREENED, _("Senza valutazione del rischio")))
    return _column(
        "contacts-by-risk-level",
        _("Contatti per livello di rischio"),
        _("Livello di rischio"),
        rows,
        sums,
        raw.BY_RISK,
        _("Contatti"),
    )


def _contacts_by_outcome(scope: Scope, sums: Sums) -> FigureTable:
    rows = [(raw.OPEN, _("Ancora aperto"))]
    rows += [(value, str(label)) for value, label in CloseReason.choices]
    rows.append((raw.NONE_GIVEN, _("Chiuso senza motivo indicato")))
    return _column(
        "contacts-by-outcome",
        _("Contatti per esito"),
        _("Esito"),
        rows,
        sums,
        raw.BY_OUTCOME,
        _("Contatti"),
    )


def _wait_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)d minuti e oltre") % {"low": low}
    return _("da %(low)d a meno di %(high)d minuti") % {"low": low, "high": high}


def _waiting_time(scope: Scope, sums: Sums) -> FigureTable:
    rows = [(code, _wait_label(low, high)) for low, high, code in raw.WAIT_BUCKETS]
    rows.append((raw.UNANSWERED, _("Non ancora risposto")))
    return _column(
        "waiting-time",
        _("Tempo di attesa prima della risposta (minuti lavorativi)"),
        _("Attesa"),
        rows,
        sums,
        raw.WAIT_MINUTES,
        _("Contatti"),
    )


def _service_level(scope: Scope, sums: Sums) -> FigureTable:
    weeks = _weeks(scope)
    totals: dict[tuple[tuple[int, int], str], int] = defaultdict(int)
    for (measure, day, category), count in sums.items():
        if measure == raw.SERVICE_LEVEL:
            totals[(_week_of(day), category)] += count
    seconds = round(raw.target_seconds())
    share = round(raw.target_share() * 100)
    return FigureTable(
        key="service-level",
        title=_(
            "Livello di servizio delle chiamate: obiettivo %(share)d%% con risposta entro "
            "%(seconds)d secondi lavorativi"
        )
        % {"share": share, "seconds": seconds},
        row_heading=_("Settimana"),
        row_labels=[_week_label(*week) for week in weeks],
        column_labels=[_("Entro l'obiettivo"), _("Oltre l'obiettivo")],
        counts=[
            [totals.get((week, raw.WITHIN), 0), totals.get((week, raw.OVER), 0)] for week in weeks
        ],
        chart="stacked-bar",
    )


def _callback_attempts(scope: Scope, sums: Sums) -> FigureTable:
    rows = [
        ("1", _("Raggiunto al primo tentativo")),
        ("2", _("Raggiunto al secondo tentativo")),
        ("3", _("Raggiunto al terzo tentativo")),
        ("4+", _("Raggiunto dopo il terzo tentativo")),
        (raw.UNREACHED, _("Non raggiunto")),
    ]
    return _column(
        "callback-attempts",
        _("Richiamate: tentativo al quale la persona è stata raggiunta"),
        _("Tentativo"),
        rows,
        sums,
        raw.CALLBACK_ATTEMPTS,
        _("Contatti richiamati"),
    )


def _sessions_label(low: int, high: int | None) -> str:
    if high is None:
        return _("più di %(count)d colloqui") % {"count": low - 1}
    if low == high == 0:
        return _("Nessun colloquio")
    if low == high == 1:
        return _("1 colloquio")
    if low == high:
        return _("%(count)d colloqui") % {"count": low}
    return _("da %(low)d a %(high)d colloqui") % {"low": low, "high": high}


def _sessions_per_case(scope: Scope, sums: Sums) -> FigureTable:
    rows = [(code, _sessions_label(low, high)) for low, high, code in raw.SESSION_BUCKETS]
    return _column(
        "sessions-per-case",
        _("Colloqui per presa in carico"),
        _("Colloqui"),
        rows,
        sums,
        raw.SESSIONS_PER_CASE,
        _("Prese in carico"),
    )


def _referrals_by_destination(scope: Scope, sums: Sums) -> FigureTable:
    statuses = [(value, str(label)) for value, label in ReferralStatus.choices]
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for (measure, _group, category), count in sums.items():
        if measure == raw.REFERRALS:
            status, _sep, kind = category.partition(":")
            counts[(kind, status)] += count
    present = {kind for kind, _status in counts}
    terms = {term.code: term for term in TaxonomyTerm.objects.filter(code__in=present)}
    kinds = [(raw.INTERNAL, _("Servizi del dipartimento"))]
    kinds += sorted(
        ((code, _term_name(term)) for code, term in terms.items()), key=lambda item: item[1]
    )
    kinds.append((raw.OTHER, _("Altri servizi territoriali")))
    return FigureTable(
        key="referrals-by-destination",
        title=_("Invii per tipo di destinazione ed esito"),
        row_heading=_("Destinazione"),
        row_labels=[label for _code, label in kinds],
        column_labels=[capfirst(label) for _code, label in statuses],
        counts=[
            [counts.get((kind, status), 0) for status, _label in statuses] for kind, _l in kinds
        ],
        chart="stacked-bar",
    )


def _term_name(term: TaxonomyTerm) -> str:
    from django.utils.translation import get_language

    english = (get_language() or "it").startswith("en")
    return (english and term.name_en) or term.name_it


def _staffing_vs_demand(scope: Scope, sums: Sums) -> FigureTable:
    days = scope.days()
    minutes: dict[object, int] = defaultdict(int)
    for (measure, day, _category), count in sums.items():
        if measure in raw.STAFFING_MEASURES:
            minutes[day] += count
    return FigureTable(
        key="staffing-vs-demand",
        title=_("Personale in turno e contatti ricevuti"),
        row_heading=_("Giorno"),
        row_labels=[_day_label(day) for day in days],
        column_labels=[_("Contatti ricevuti"), _("Ore-operatore in turno")],
        counts=[
            [sums.get((raw.CONTACTS, day, ""), 0), (minutes.get(day, 0) + 30) // 60] for day in days
        ],
        chart="line",
        row_totals=False,
        derived_from="contacts-by-day",
        derived_cells=tuple(((row, 0), ((row, 0),)) for row in range(len(days))),
    )


_SPECS = (
    _Spec("contacts-by-day", (raw.CONTACTS,), DAY, _contacts_by_day),
    _Spec("contacts-by-week", (raw.CONTACTS,), DAY, _contacts_by_week),
    _Spec("contacts-by-channel", (raw.BY_CHANNEL,), NO_GROUP, _contacts_by_channel),
    _Spec("contacts-by-service", (raw.CONTACTS,), SERVICE, _contacts_by_service),
    _Spec("contacts-by-target-group", (raw.BY_TARGET_GROUP,), NO_GROUP, _contacts_by_target_group),
    _Spec("contacts-by-reason", (raw.BY_REASON,), NO_GROUP, _contacts_by_reason),
    _Spec("contacts-by-risk-level", (raw.BY_RISK,), NO_GROUP, _contacts_by_risk_level),
    _Spec("contacts-by-outcome", (raw.BY_OUTCOME,), NO_GROUP, _contacts_by_outcome),
    _Spec("waiting-time", (raw.WAIT_MINUTES,), NO_GROUP, _waiting_time),
    _Spec("service-level", (raw.SERVICE_LEVEL,), DAY, _service_level),
    _Spec("callback-attempts", (raw.CALLBACK_ATTEMPTS,), NO_GROUP, _callback_attempts),
    _Spec("sessions-per-case", (raw.SESSIONS_PER_CASE,), NO_GROUP, _sessions_per_case),
    _Spec("referrals-by-destination", (raw.REFERRALS,), NO_GROUP, _referrals_by_destination),
    _Spec(
        "staffing-vs-demand",
        (raw.CONTACTS, raw.STAFF_MINUTES, raw.DESK_STAFF_MINUTES),
        DAY,
        _staffing_vs_demand,
    ),
)
_BY_KEY = {spec.key: spec for spec in _SPECS}
TABLE_KEYS: tuple[str, ...] = tuple(spec.key for spec in _SPECS)


def _tables(scope: Scope, specs: list[_Spec], source: str) -> list[FigureTable]:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}: expected one of {SOURCES}")
    if scope.last_day < scope.first_day:
        raise ValueError("the scope's last day comes before its first")
    measures_by_group: dict[str, set[str]] = defaultdict(set)
    for spec in specs:
        measures_by_group[spec.group].update(spec.measures)
    figures = _raw_figures(scope) if source == "raw" else None
    sums_by_group: dict[str, Sums] = {}
    for group, measures in measures_by_group.items():
        if figures is None:
            sums_by_group[group] = _rollup_sums(scope, measures, group)
        else:
            sums_by_group[group] = _raw_sums(figures, scope, measures, group)
    return [spec.build(scope, sums_by_group[spec.group]) for spec in specs]


def dashboard_tables(scope: Scope, *, source: str = "rollup") -> list[FigureTable]:
    """Every table of the dashboard in display order (``TABLE_KEYS``), in at most three
    aggregate queries for the rollups."""
    return _tables(scope, list(_SPECS), source)


def dashboard_table(scope: Scope, key: str, *, source: str = "rollup") -> FigureTable:
    """One table; ``KeyError`` for a key that is not in ``TABLE_KEYS``."""
    return _tables(scope, [_BY_KEY[key]], source)[0]
