"""Keeping the daily figures (``DailyFigure``) up to date.

A day's figures are always replaced as a whole, inside one transaction holding the lock on the
``RollupState`` row: two refreshes (the periodic task, a coordinator's "refresh now", the
command) queue behind each other instead of interleaving, so no day is ever stored twice.

``refresh_pending`` recomputes only the days something touched since the watermark
(``RollupState.refreshed_through``): the receiving day of contacts received, changed
(``status_changed_at``), screened or called back; the opening day of cases opened, transferred
or given a session; the proposal day of referrals proposed or with an audit row written since
(an answer or a first appointment is often recorded days later with the date it happened, so
only the audit row's time tells); the receiving day of live calls still waiting for an answer
(their service level turns "over" as time passes); the days of roster changes, absences and
newly published plans (up to today). The new watermark is the instant taken before reading.
Rows carry the time of the transaction that wrote them, which may commit after a refresh has
read; so each refresh looks back ``LOOK_BACK`` before the watermark, and a row whose
transaction took longer than that to commit is picked up by the next ``rebuild``.

What leaves no time behind needs a ``rebuild`` (``manage.py refresh_statistics --from --to``)
of the period it affects: deletions (retention, erasure), and a calendar exception
(``services.CalendarException``, which has no timestamp) added or changed for days already
past, since waiting times and the service level are measured in working time."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Q, QuerySet
from django.db.models.functions import TruncDate

from sportello.cases.models import Case, CaseTransfer, Referral, Session
from sportello.intake.models import QUEUE_STATUSES, CallAttempt, Contact
from sportello.reports import raw_figures as raw
from sportello.reports.models import DailyFigure, RollupState
from sportello.services import queries as catalogue
from sportello.triage.models import Screening

STATE = "daily"
LOOK_BACK = datetime.timedelta(minutes=10)
AUDIT_SLACK = datetime.timedelta(hours=1)
BATCH = 5000


def _locked_state() -> RollupState:
    RollupState.objects.get_or_create(name=STATE)
    return RollupState.objects.select_for_update().get(name=STATE)


def _replace(days: list[datetime.date]) -> None:
    """Recompute ``days`` and swap their rows; the caller holds the state lock."""
    for first, last in raw.day_runs(days):
        run = list(raw.days_between(first, last))
        figures = raw.figures(run)
        DailyFigure.objects.filter(day__gte=first, day__lte=last).delete()
        rows = [
            DailyFigure(
                day=key.day,
                service_id=key.service_id,
                programme_id=key.programme_id,
                measure=key.measure,
                category=key.category,
                count=count,
            )
            for key, count in figures.items()
        ]
        DailyFigure.objects.bulk_create(rows, batch_size=BATCH)


def refresh_days(days: Iterable[datetime.date]) -> int:
    """Replace the figures of ``days`` in one transaction; returns how many days."""
    wanted = sorted(set(days))
    with transaction.atomic():
        state = _locked_state()
        _replace(wanted)
        state.last_run_at = catalogue.now()
        state.last_run_days = len(wanted)
        state.save(update_fields=["last_run_at", "last_run_days"])
    return len(wanted)


def rebuild(first_day: datetime.date, last_day: datetime.date) -> int:
    """Recompute every day from ``first_day`` to ``last_day``, a month at a time (each month in
    its own transaction, so a rebuild over years neither holds one huge transaction nor blocks
    the periodic refresh for long); returns how many days."""
    if last_day < first_day:
        raise ValueError("last day before first day")
    done = 0
    for first, last in raw.day_runs(raw.days_between(first_day, last_day)):
        done += refresh_days(raw.days_between(first, last))
    return done


def _days(querysets: list[QuerySet[Any]], field: str, zone: datetime.tzinfo) -> set[datetime.date]:
    """The local days of ``field`` over the rows of ``querysets``, distinct in the database: one
    query per table joined by UNION, each free to use its own index (an OR across tables makes
    PostgreSQL scan the whole table), and one row per day, not per record, back to Python."""
    days = [
        queryset.order_by()
        .annotate(local_day=TruncDate(field, tzinfo=zone))
        .values_list("local_day", flat=True)
        for queryset in querysets
    ]
    return set(days[0].union(*days[1:])) if days else set()


def _audited_referrals(since: datetime.datetime) -> QuerySet[Any]:
    """The referrals with an audit row written after ``since``. An answer, a first appointment
    or a closing is often recorded days after it happened, with the date it happened: only the
    audit row's time says the referral changed since the last run. The audit log has no index on
    its time, but its sequence number grows with it: a binary search over ``seq`` (unique,
    indexed) finds where the recent rows start, and only those are read."""
    from sportello.privacy.models import AuditEvent

    log = AuditEvent.objects.order_by()
    bounds = log.aggregate(low=Min("seq"), high=Max("seq"))
    low, high = bounds["low"], bounds["high"]
    if low is None:
        return AuditEvent.objects.none().values("object_id")
    # Rows are appended under the chain's lock with the time taken just before: their times
    # are in seq order up to that wait, which ``AUDIT_SLACK`` more than covers.
    earliest = since - AUDIT_SLACK
    while low < high:
        middle = (low + high) // 2
        first = log.filter(seq__gte=middle).order_by("seq").values_list("seq", "at").first()
        assert first is not None
        if first[1] > earliest:
            high = middle
        else:
            low = first[0] + 1
    return log.filter(seq__gte=low, object_type="referral", at__gt=since).values("object_id")


def touched_days(since: datetime.datetime, until: datetime.datetime) -> set[datetime.date]:
    """The days whose figures may have changed through rows written after ``since``."""
    zone = catalogue.desk_zone()
    days = _days(
        [
            Contact.objects.filter(received_at__gt=since),
            Contact.objects.filter(status_changed_at__gt=since),
            Contact.objects.filter(
                pk__in=Screening.objects.filter(at__gt=since).values("contact_id")
            ),
            Contact.objects.filter(
                pk__in=CallAttempt.objects.filter(at__gt=since).values("contact_id")
            ),
            # A live call nobody answered turns "over" in the service level when its target
            # passes, which no row records: its day is looked at again until it is answered.
            Contact.objects.filter(
                status__in=QUEUE_STATUSES,
                channel__in=raw.LIVE_CHANNELS,
                first_answered_at__isnull=True,
            ),
        ],
        "received_at",
        zone,
    )
    transfers = CaseTransfer.objects.filter(at__gt=since).values("case_id")
    days |= _days(
        [
            Case.objects.filter(opened_at__gt=since),
            Case.objects.filter(
                pk__in=Session.objects.filter(recorded_at__gt=since).values("case_id")
            ),
            Case.objects.filter(pk__in=transfers),
        ],
        "opened_at",
        zone,
    )
    # A transfer moves the case's referrals to the new service too. Every change of status is
    # audited (``sportello.cases.referrals``), at the time it is recorded.
    audited = _audited_referrals(since).values_list("object_id", flat=True)
    days |= _days(
        [
            Referral.objects.filter(created_at__gt=since),
            Referral.objects.filter(pk__in=[int(pk) for pk in audited]),
            Referral.objects.filter(case__in=transfers),
        ],
        "created_at",
        zone,
    )
    days |= _roster_days(since, until)
    return days


def _roster_days(since: datetime.datetime, until: datetime.datetime) -> set[datetime.date]:
    from sportello.rota.models import Absence, RosterPlan, ShiftChange

    today = until.astimezone(catalogue.desk_zone()).date()
    days: set[datetime.date] = set(
        ShiftChange.objects.filter(created_at__gt=since).values_list("day", flat=True)
    )
    spans = list(
        Absence.objects.filter(Q(recorded_at__gt=since) | Q(cancelled_at__gt=since)).values_list(
            "first_day", "last_day"
        )
    )
    # A plan published now changes the staffing of the days it governs, up to today (later days
    # are refreshed as they come: each day's figures are recomputed while it is current).
    spans += [
        (valid_from, today)
        for valid_from in RosterPlan.objects.filter(published_at__gt=since).values_list(
            "valid_from", flat=True
        )
        if valid_from is not None
    ]
    for first, last in spans:
        days.update(raw.days_between(first, min(last, today)))
    return days


def refresh_pending(now: datetime.datetime | None = None) -> int:
    """Recompute the days touched since the watermark (and today, whose roster and figures
    move with the clock), then move the watermark; returns how many days were recomputed. The
    first run, with no watermark, recomputes the days that have any data a month at a time
    (``_first_run``)."""
    started = now or catalogue.now()
    today = started.astimezone(catalogue.desk_zone()).date()
    with transaction.atomic():
        state = _locked_state()
        if state.refreshed_through is not None:
            days = touched_days(state.refreshed_through - LOOK_BACK, started) | {today}
            _replace(sorted(days))
            state.refreshed_through = started
            state.last_run_at = started
            state.last_run_days = len(days)
            state.save()
            return len(days)
    return _first_run(started, today)


def _first_run(started: datetime.datetime, today: datetime.date) -> int:
    """Every day with data, a month at a time, each in its own transaction: years of history
    are neither one huge transaction nor a lock held for minutes. The watermark moves only at
    the end, to the instant taken before anything was read, so what changed meanwhile is found
    by the next run; a run that fails halfway leaves no watermark and the next one starts
    over."""
    days = _days_with_data() | {today}
    months: dict[tuple[int, int], list[datetime.date]] = {}
    for day in sorted(days):
        months.setdefault((day.year, day.month), []).append(day)
    for month_days in months.values():
        refresh_days(month_days)
    with transaction.atomic():
        state = _locked_state()
        # Two first runs at once: the later watermark stands (each read after its own start).
        if state.refreshed_through is None or state.refreshed_through < started:
            state.refreshed_through = started
        state.last_run_at = started
        state.last_run_days = len(days)
        state.save()
    return len(days)


def _days_with_data() -> set[datetime.date]:
    zone = catalogue.desk_zone()
    days = _days([Contact.objects.all()], "received_at", zone)
    days |= _days([Case.objects.all()], "opened_at", zone)
    days |= _days([Referral.objects.all()], "created_at", zone)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return days | _roster_days(epoch, catalogue.now())
