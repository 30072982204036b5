"""Keeping the daily figures (``DailyFigure``) up to date.

A day's figures are always replaced as a whole, inside one transaction holding the lock on the
``RollupState`` row: two refreshes (the periodic task, a coordinator's "refresh now", the
command) queue behind each other instead of interleaving, so no day is ever stored twice.

``refresh_pending`` recomputes only the days something touched since the watermark
(``RollupState.refreshed_through``): the receiving day of contacts received, changed
(``status_changed_at``), screened or called back; the opening day of cases opened, transferred
or given a session; the proposal day of referrals proposed or moved on; the days of roster
changes, absences and newly published plans (up to today). The new watermark is the instant
taken before reading. Rows carry the time of the transaction that wrote them, which may commit
after a refresh has read; so each refresh looks back ``LOOK_BACK`` before the watermark, and a
row whose transaction took longer than that to commit is picked up by the next ``rebuild``.
Deletions (retention, erasure) leave no timestamp: ``rebuild`` the affected period."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from sportello.cases.models import Case, CaseTransfer, Referral, Session
from sportello.intake.models import CallAttempt, Contact
from sportello.reports import raw_figures as raw
from sportello.reports.models import DailyFigure, RollupState
from sportello.services import queries as catalogue
from sportello.triage.models import Screening

STATE = "daily"
LOOK_BACK = datetime.timedelta(minutes=10)
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


def _local_days(instants: Iterable[datetime.datetime | None]) -> set[datetime.date]:
    zone = catalogue.desk_zone()
    return {at.astimezone(zone).date() for at in instants if at is not None}


def touched_days(since: datetime.datetime, until: datetime.datetime) -> set[datetime.date]:
    """The days whose figures may have changed through rows written after ``since``."""
    days: set[datetime.date] = set()
    contacts = Contact.objects.filter(
        Q(received_at__gt=since)
        | Q(status_changed_at__gt=since)
        | Q(pk__in=Screening.objects.filter(at__gt=since).values("contact_id"))
        | Q(pk__in=CallAttempt.objects.filter(at__gt=since).values("contact_id"))
    )
    days |= _local_days(contacts.order_by().values_list("received_at", flat=True).distinct())
    cases = Case.objects.filter(
        Q(opened_at__gt=since)
        | Q(pk__in=Session.objects.filter(recorded_at__gt=since).values("case_id"))
        | Q(pk__in=CaseTransfer.objects.filter(at__gt=since).values("case_id"))
    )
    days |= _local_days(cases.order_by().values_list("opened_at", flat=True).distinct())
    # A transfer moves the case's referrals to the new service too.
    referrals = Referral.objects.filter(
        Q(created_at__gt=since)
        | Q(sent_at__gt=since)
        | Q(answered_at__gt=since)
        | Q(first_appointment_at__gt=since)
        | Q(closed_at__gt=since)
        | Q(case__in=CaseTransfer.objects.filter(at__gt=since).values("case_id"))
    )
    days |= _local_days(referrals.order_by().values_list("created_at", flat=True).distinct())
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
    first run, with no watermark, recomputes the days that have any data."""
    started = now or catalogue.now()
    today = started.astimezone(catalogue.desk_zone()).date()
    with transaction.atomic():
        state = _locked_state()
        if state.refreshed_through is None:
            days = _days_with_data() | {today}
        else:
            days = touched_days(state.refreshed_through - LOOK_BACK, started) | {today}
        _replace(sorted(days))
        state.refreshed_through = started
        state.last_run_at = started
        state.last_run_days = len(days)
        state.save()
    return len(days)


def _days_with_data() -> set[datetime.date]:
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return touched_days(epoch, catalogue.now())
