"""The rollups give exactly the raw tables' numbers: after a rebuild, and after random changes
picked up by the incremental refresh."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sportello.reports import queries, rollups
from sportello.reports.models import RollupState
from sportello.rota.models import PatternAssignment, PlanStatus, RosterPlan, ShiftKind
from sportello.services.models import EmergencyProgramme, Service
from sportello.testing import rome

from . import rollup_factories as make

FIRST = datetime.date(2026, 3, 5)  # Thursday; Sunday 8 March is closed
LAST = datetime.date(2026, 3, 9)
LATER = rome(2026, 3, 12, 11, 0)

minutes = st.integers(min_value=0, max_value=60 * 24 - 1)
contact_rows = st.lists(
    st.fixed_dictionaries(
        {
            "day": st.integers(min_value=0, max_value=4),
            "minute": minutes,
            "service": st.sampled_from(["emergency", "victims"]),
            "channel": st.sampled_from(["switchboard", "telephony", "web_callback"]),
            "programme": st.booleans(),
            "taken_after": st.one_of(st.none(), st.integers(min_value=0, max_value=3000)),
            "closed": st.sampled_from(["", "completed", "unreachable"]),
            "screenings": st.lists(
                st.tuples(
                    st.integers(min_value=0, max_value=4),
                    st.lists(st.sampled_from(["painful_events", "negative_emotions"]), max_size=2),
                    st.lists(st.sampled_from(["bereavement", "job_loss"]), max_size=2),
                ),
                max_size=2,
            ),
            "attempts": st.lists(
                st.sampled_from(["no_answer", "reached", "wrong_number"]), max_size=4
            ),
        }
    ),
    max_size=8,
)
case_rows = st.lists(
    st.fixed_dictionaries(
        {
            "day": st.integers(min_value=0, max_value=4),
            "service": st.sampled_from(["emergency", "mediation"]),
            "sessions": st.integers(min_value=0, max_value=4),
            "referrals": st.lists(
                st.tuples(
                    st.integers(min_value=0, max_value=2),
                    st.sampled_from(["proposed", "sent", "refused", "closed"]),
                ),
                max_size=2,
            ),
        }
    ),
    max_size=4,
)
changes = st.lists(
    st.sampled_from(["new_contact", "screen", "take", "attempt", "session", "refer"]),
    max_size=5,
)


@pytest.fixture
def world(milan, make_staff, frozen_now):
    frozen_now(rome(2026, 3, 10, 8, 0))
    pro = make_staff("professional", services=("emergency", "victims"))
    other = make_staff("professional", services=("mediation",), competences=("mediation",))
    coordinator = make_staff("coordinator")
    plan = RosterPlan.objects.create(
        status=PlanStatus.PUBLISHED,
        valid_from=datetime.date(2026, 3, 2),
        created_by=coordinator,
        created_at=rome(2026, 2, 20, 9, 0),
        published_by=coordinator,
        published_at=rome(2026, 2, 20, 9, 0),
    )
    morning = ShiftKind.objects.order_by("starts").first()
    for weekday in range(6):
        PatternAssignment.objects.create(plan=plan, user=pro, weekday=weekday, shift_kind=morning)
        if weekday % 2:
            PatternAssignment.objects.create(
                plan=plan, user=other, weekday=weekday, shift_kind=morning
            )
    entries = [make.directory_entry("mental_health"), make.directory_entry(None)]
    entries.append(make.directory_entry(internal="victims"))
    return pro, entries


def _scopes() -> list[queries.Scope]:
    programme = EmergencyProgramme.objects.order_by("pk").first()
    return [
        queries.Scope(FIRST, LAST),
        queries.Scope(FIRST - datetime.timedelta(days=1), LAST + datetime.timedelta(days=1)),
        queries.Scope(FIRST, LAST, service=Service.objects.get(code="emergency")),
        queries.Scope(FIRST, LAST, programme=programme),
        queries.Scope(LAST, LAST, service=Service.objects.get(code="mediation")),
    ]


def _assert_same() -> None:
    for scope in _scopes():
        raw = queries.dashboard_tables(scope, source="raw")
        rollup = queries.dashboard_tables(scope, source="rollup")
        assert raw == rollup, scope


def _build(pro, entries, contacts, cases) -> list:
    programme = EmergencyProgramme.objects.order_by("pk").first()
    made = []
    for row in contacts:
        received = rome(2026, 3, 5 + row["day"], 0, 0) + datetime.timedelta(minutes=row["minute"])
        taken = (
            None
            if row["taken_after"] is None
            else received + datetime.timedelta(minutes=row["taken_after"])
        )
        closed = received + datetime.timedelta(days=1) if row["closed"] else None
        contact = make.contact(
            received,
            service=row["service"],
            channel=row["channel"],
            programme=programme if row["programme"] else None,
            taken_at=taken,
            taken_by=pro,
            closed_at=closed,
            close_reason=row["closed"],
        )
        for hours, (level, groups, reasons) in enumerate(row["screenings"], start=1):
            make.screening(
                contact,
                pro,
                received + datetime.timedelta(hours=hours),
                level=level,
                groups=tuple(groups),
                reasons=tuple(reasons),
            )
        for minutes_after, outcome in enumerate(row["attempts"], start=1):
            make.attempt(
                contact, pro, received + datetime.timedelta(minutes=7 * minutes_after), outcome
            )
        made.append(contact)
    for row in cases:
        opened = rome(2026, 3, 5 + row["day"], 11, 0)
        case = make.case(opened, pro, service=row["service"])
        for number in range(row["sessions"]):
            make.session(case, pro, opened + datetime.timedelta(days=number))
        for entry, status in row["referrals"]:
            make.referral(
                case, entries[entry], pro, opened + datetime.timedelta(hours=1), status=status
            )
    return made


def _change(kind: str, step: int, pro, entries, contacts: list, frozen_now) -> None:
    at = LATER + datetime.timedelta(minutes=step)
    if kind == "new_contact":
        make.contact(rome(2026, 3, 6, 10, step), taken_at=at, taken_by=pro, changed_at=at)
    elif kind == "screen" and contacts:
        make.screening(contacts[0], pro, at, level=3, groups=("impulsive_acts_risk",))
    elif kind == "take" and contacts:
        target = contacts[-1]
        target.status, target.taken_by, target.taken_at = "taken", pro, at
        target.closed_at, target.close_reason, target.status_changed_at = None, "", at
        target.save()
    elif kind == "attempt" and contacts:
        make.attempt(contacts[step % len(contacts)], pro, at, "reached")
    elif kind == "session":
        from sportello.cases.models import Case

        case = Case.objects.order_by("pk").first()
        if case is not None:
            session = make.session(case, pro, at)
            assert session.recorded_at == at
    elif kind == "refer":
        from sportello.cases.models import Case, Referral

        referral = Referral.objects.order_by("pk").first()
        if referral is not None:
            # As the operation does: the answer's date as given, the audit row at the time.
            from sportello.privacy.operations import record_audit

            referral.status, referral.answered_at = "accepted", referral.created_at
            referral.save()
            frozen_now(at)
            record_audit(pro, object_type="referral", object_id=referral.pk, action="answered")
        else:
            case = Case.objects.order_by("pk").first()
            if case is not None:
                make.referral(case, entries[0], pro, at)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(contact_rows, case_rows, changes)
def test_rollups_equal_the_raw_tables_after_a_rebuild_and_after_incremental_changes(
    world, frozen_now, contacts, cases, steps
):
    pro, entries = world
    with transaction.atomic():
        made = _build(pro, entries, contacts, cases)
        rollups.rebuild(FIRST - datetime.timedelta(days=1), LAST + datetime.timedelta(days=1))
        _assert_same()
        # The first refresh starts the watermark; later changes are found from it.
        frozen_now(rome(2026, 3, 10, 8, 0))
        rollups.refresh_pending(rome(2026, 3, 10, 8, 0))
        for step, kind in enumerate(steps):
            _change(kind, step, pro, entries, made, frozen_now)
        frozen_now(LATER + datetime.timedelta(hours=1))
        rollups.refresh_pending(LATER + datetime.timedelta(hours=1))
        assert RollupState.objects.get().refreshed_through == LATER + datetime.timedelta(hours=1)
        _assert_same()
        transaction.set_rollback(True)
