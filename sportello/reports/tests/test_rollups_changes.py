"""Changes the incremental refresh must not miss, and what the waiting time and the service
level measure: a first appointment recorded days later, a contact given back to the queue and
taken again, live calls nobody answered; the first run rebuilt a month at a time."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps

from sportello.cases import referrals
from sportello.intake import operations as intake
from sportello.intake.models import Contact
from sportello.reports import queries, raw_figures, rollups
from sportello.reports.models import DailyFigure, RollupState
from sportello.testing import rome

from . import rollup_factories as make

pytestmark = pytest.mark.django_db

WEEK = queries.Scope(datetime.date(2026, 3, 2), datetime.date(2026, 3, 8))
TUESDAY = datetime.date(2026, 3, 3)


@pytest.fixture
def pro(milan, make_staff, frozen_now):
    frozen_now(rome(2026, 3, 10, 12, 0))
    return make_staff("professional", services=("emergency", "victims"))


def service_level(day=TUESDAY):
    return {
        key.category: count
        for key, count in raw_figures.figures([day]).items()
        if key.measure == raw_figures.SERVICE_LEVEL
    }


def same_from_both(key: str) -> queries.FigureTable:
    rolled = queries.dashboard_table(WEEK, key)
    assert queries.dashboard_table(WEEK, key, source="raw") == rolled
    return rolled


def test_a_first_appointment_recorded_days_later_reaches_the_rollups(pro, frozen_now):
    case = make.case(rome(2026, 3, 3, 10, 0), pro)
    case.primary_professional = pro
    case.save()
    case.team.add(pro)
    entry = make.directory_entry("mental_health")
    referral = make.referral(case, entry, pro, rome(2026, 3, 3, 11, 0), status="accepted")
    rollups.refresh_pending(rome(2026, 3, 10, 12, 0))
    before = same_from_both("referrals-by-destination")
    # On 12 March the professional records the appointment held on 5 March: no timestamp of
    # the referral is after the watermark, only the audit row.
    frozen_now(rome(2026, 3, 12, 9, 0))
    referrals.record_first_appointment(pro, referral.pk, held_at=rome(2026, 3, 5, 15, 0))
    assert rollups.refresh_pending(rome(2026, 3, 12, 9, 0)) == 2  # 3 March and today
    after = same_from_both("referrals-by-destination")
    assert after != before


def test_the_wait_ends_at_the_first_answer_not_at_the_last_take(pro, frozen_now, settings):
    settings.SPORTELLO_ROTA_TARGET_SECONDS = 60.0
    frozen_now(rome(2026, 3, 3, 10, 0, 10))
    contact = make.contact(rome(2026, 3, 3, 10, 0))
    intake.take_contact(pro, contact.pk)
    frozen_now(rome(2026, 3, 3, 10, 2))
    intake.release_contact(pro, contact.pk)
    frozen_now(rome(2026, 3, 3, 10, 40))
    intake.take_contact(pro, contact.pk)
    contact.refresh_from_db()
    assert contact.taken_at == rome(2026, 3, 3, 10, 40)
    assert contact.first_answered_at == rome(2026, 3, 3, 10, 0, 10)
    waits = {
        key.category: count
        for key, count in raw_figures.figures([TUESDAY]).items()
        if key.measure == raw_figures.WAIT_MINUTES
    }
    assert waits == {"0-5": 1}
    assert service_level() == {raw_figures.WITHIN: 1}


def test_the_migration_finds_the_first_take_in_the_trail(pro, frozen_now):
    frozen_now(rome(2026, 3, 3, 10, 0, 10))
    contact = make.contact(rome(2026, 3, 3, 10, 0))
    intake.take_contact(pro, contact.pk)
    frozen_now(rome(2026, 3, 3, 10, 2))
    intake.release_contact(pro, contact.pk)
    frozen_now(rome(2026, 3, 3, 10, 40))
    intake.take_contact(pro, contact.pk)
    kept = make.contact(rome(2026, 3, 3, 11, 0), taken_at=rome(2026, 3, 3, 11, 1), taken_by=pro)
    Contact.objects.update(first_answered_at=None)  # as before the column existed
    migration = importlib.import_module(
        "sportello.intake.migrations.0003_contact_first_answered_at_and_more"
    )
    migration.first_answers(django_apps, None)
    contact.refresh_from_db()
    kept.refresh_from_db()
    assert contact.first_answered_at == rome(2026, 3, 3, 10, 0, 10)
    assert kept.first_answered_at == rome(2026, 3, 3, 11, 1)  # no trail: taken_at


def test_a_callback_attempt_counts_as_the_first_answer_once(pro, frozen_now):
    frozen_now(rome(2026, 3, 3, 10, 0))
    contact = make.contact(rome(2026, 3, 3, 9, 50), channel="web_callback")
    intake.take_contact(pro, contact.pk)
    intake.record_outcome(pro, contact.pk, "no_answer")
    contact.refresh_from_db()
    assert contact.taken_at is None
    assert contact.first_answered_at == rome(2026, 3, 3, 10, 0)


def test_live_calls_nobody_answered_count_as_over_the_target(pro, settings):
    settings.SPORTELLO_ROTA_TARGET_SECONDS = 60.0
    make.contact(rome(2026, 3, 3, 10, 0), taken_at=rome(2026, 3, 3, 10, 0, 5), taken_by=pro)
    for minute in range(3):  # waiting since the morning, nobody ever answered
        make.contact(rome(2026, 3, 3, 10, 1 + minute))
    # Closed without an answer (the person hung up): over, however soon it was closed.
    make.contact(
        rome(2026, 3, 3, 10, 5),
        closed_at=rome(2026, 3, 3, 10, 5, 10),
        close_reason="no_callback_number",
    )
    make.contact(rome(2026, 3, 3, 10, 6), channel="web_callback")  # not a live call
    assert service_level() == {raw_figures.WITHIN: 1, raw_figures.OVER: 4}


def test_a_live_call_is_over_only_once_its_target_has_passed(pro, frozen_now, settings):
    settings.SPORTELLO_ROTA_TARGET_SECONDS = 60.0
    friday = datetime.date(2026, 3, 6)
    # Thirty seconds before closing: the other thirty run out when the desk opens on Saturday.
    make.contact(rome(2026, 3, 6, 17, 59, 30))
    frozen_now(rome(2026, 3, 6, 18, 30))
    assert service_level(friday) == {}
    rollups.refresh_pending(rome(2026, 3, 6, 18, 30))
    frozen_now(rome(2026, 3, 7, 9, 30, 20))
    assert service_level(friday) == {}
    frozen_now(rome(2026, 3, 7, 10, 0))
    assert service_level(friday) == {raw_figures.OVER: 1}
    # Nothing about the contact changed, yet the refresh recomputes its day.
    rollups.refresh_pending(rome(2026, 3, 7, 10, 0))
    assert same_from_both("service-level").counts[0] == [0, 1]


def test_the_first_run_rebuilds_a_month_at_a_time(pro, frozen_now, monkeypatch):
    for month in (1, 2, 3):
        make.contact(
            rome(2026, month, 3, 10, 0), taken_at=rome(2026, month, 3, 10, 1), taken_by=pro
        )
    runs: list[list[datetime.date]] = []
    real = rollups.refresh_days

    def spy(days):
        days = sorted(days)
        runs.append(days)
        return real(days)

    monkeypatch.setattr(rollups, "refresh_days", spy)
    assert rollups.refresh_pending(rome(2026, 3, 10, 12, 0)) == 4
    assert runs == [
        [datetime.date(2026, 1, 3)],
        [datetime.date(2026, 2, 3)],
        [datetime.date(2026, 3, 3), datetime.date(2026, 3, 10)],
    ]
    assert RollupState.objects.get().refreshed_through == rome(2026, 3, 10, 12, 0)


def test_a_first_run_that_fails_halfway_leaves_no_watermark(pro, monkeypatch):
    for month in (1, 2):
        make.contact(
            rome(2026, month, 3, 10, 0), taken_at=rome(2026, month, 3, 10, 1), taken_by=pro
        )
    real = raw_figures.figures

    def failing(days, **kwargs):
        days = list(days)
        if days[0].month == 2:
            raise RuntimeError("the database went away")
        return real(days, **kwargs)

    monkeypatch.setattr(raw_figures, "figures", failing)
    with pytest.raises(RuntimeError):
        rollups.refresh_pending(rome(2026, 3, 10, 12, 0))
    # January is stored (its own transaction); without a watermark the next run starts over.
    assert DailyFigure.objects.filter(day=datetime.date(2026, 1, 3)).exists()
    assert RollupState.objects.get().refreshed_through is None
