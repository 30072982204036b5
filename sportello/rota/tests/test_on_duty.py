"""Who is on shift now: the one query the switchboard, the queue and the escalations use."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from sportello.intake import operations as intake
from sportello.intake import queries as intake_queries
from sportello.rota import queries
from sportello.rota.models import Contract, PatternAssignment, PlanStatus, RosterPlan, ShiftKind
from sportello.testing import rome
from sportello.triage.queries import coordinators_to_alert

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2026, 11, 30)


@pytest.fixture
def roster(milan, make_staff):
    """Paola every morning Monday to Saturday; Luca on Tuesday afternoons (victims' service)."""
    paola = make_staff("professional", username="paola", competences=("crisis_intervention",))
    luca = make_staff(
        "professional", username="luca", services=("victims",), competences=("psychotraumatology",)
    )
    coordinator = make_staff("coordinator", username="carla")
    for user in (paola, luca, coordinator):
        Contract.objects.create(
            user=user, hours_per_week=Decimal(30), weekdays_available=[0, 1, 2, 3, 4, 5],
            max_shifts_per_week=6,
        )  # fmt: skip
    plan = RosterPlan.objects.create(
        status=PlanStatus.PUBLISHED,
        valid_from=MONDAY,
        created_by=coordinator,
        created_at=rome(2026, 11, 25, 9, 0),
        published_by=coordinator,
        published_at=rome(2026, 11, 25, 9, 0),
    )
    morning = ShiftKind.objects.get(code="morning")
    afternoon = ShiftKind.objects.get(code="afternoon")
    for weekday in range(6):
        PatternAssignment.objects.create(plan=plan, user=paola, weekday=weekday, shift_kind=morning)
    PatternAssignment.objects.create(plan=plan, user=luca, weekday=1, shift_kind=afternoon)
    PatternAssignment.objects.create(plan=plan, user=coordinator, weekday=1, shift_kind=afternoon)
    return {"paola": paola, "luca": luca, "carla": coordinator}


def names(entries):
    return sorted(entry.user.username for entry in entries)


def test_on_shift_at_follows_the_published_pattern_in_the_desks_zone(roster):
    tuesday = MONDAY + datetime.timedelta(days=1)
    at_ten = queries.on_shift_at(rome(2026, 12, 1, 10, 0))
    assert names(at_ten) == ["paola"]
    assert at_ten[0].competences == {"crisis_intervention"}
    assert at_ten[0].ends_at == rome(2026, 12, 1, 13, 45)
    # 13:45 is the afternoon's first minute and the morning's end.
    assert names(queries.on_shift_at(rome(2026, 12, 1, 13, 45))) == ["carla", "luca"]
    assert names(queries.on_shift_at(rome(2026, 12, 1, 13, 44))) == ["paola"]
    assert queries.on_shift_at(rome(2026, 12, 1, 18, 0)) == []
    assert tuesday.weekday() == 1
    # Before the plan's validity there is no roster at all.
    assert queries.on_shift_at(rome(2026, 11, 24, 10, 0)) == []


def test_holidays_have_no_shifts(roster):
    # 7 December is Sant'Ambrogio, Milan's patron; 8 December the Immaculate Conception.
    assert queries.on_shift_at(rome(2026, 12, 7, 10, 0)) == []
    assert queries.on_shift_at(rome(2026, 12, 8, 10, 0)) == []
    assert names(queries.on_shift_at(rome(2026, 12, 9, 10, 0))) == ["paola"]


def test_routing_by_competence_counts_who_can_take_each_service(roster, frozen_now):
    frozen_now(rome(2026, 12, 1, 14, 0))
    cover = {row.service.code: row.able_on_shift for row in intake_queries.queue_summary().services}
    # Luca works for victims; psychotraumatology is also what the victims' service requires.
    assert cover["victims"] == 1
    assert cover["emergency"] == 0


def test_the_switchboard_lists_who_is_on_shift_and_who_has_not_checked_in(
    roster, make_staff, frozen_now, client
):
    frozen_now(rome(2026, 12, 1, 14, 0))
    intake.go_on_duty(roster["luca"])
    intake.go_on_duty(roster["paola"])  # checked in, but her shift ended at 13:45
    client.force_login(make_staff("switchboard"))
    page = client.get("/personale/centralino/").content.decode()
    assert "Pomeriggio, fino alle 18:00" in page
    assert page.count("in turno, non ancora presente") == 1  # Carla
    assert page.count("presente fuori turno") == 1  # Paola


def test_escalations_go_to_the_coordinators_on_shift(roster, make_staff, frozen_now):
    make_staff("coordinator", username="other")
    frozen_now(rome(2026, 12, 1, 14, 0))
    assert [user.username for user in coordinators_to_alert()] == ["carla"]
    frozen_now(rome(2026, 12, 1, 10, 0))  # no coordinator on shift: everyone is alerted
    assert sorted(user.username for user in coordinators_to_alert()) == ["carla", "other"]


def test_derive_shifts_cuts_the_opening_hours(milan):
    call_command("derive_shifts", "--taglio", "12:00", "--taglio", "15:00")
    kinds = {kind.code: (kind.starts, kind.ends) for kind in ShiftKind.objects.all()}
    assert kinds["morning"] == (datetime.time(9, 30), datetime.time(12, 0))
    assert kinds["afternoon"] == (datetime.time(12, 0), datetime.time(15, 0))
    assert kinds["afternoon_2"] == (datetime.time(15, 0), datetime.time(18, 0))


def test_derive_shifts_refuses_a_bad_time_and_writes_nothing(milan):
    before = list(ShiftKind.objects.values_list("code", "starts", "ends"))
    with pytest.raises(CommandError, match="non è un orario"):
        call_command("derive_shifts", "--taglio", "25:99")
    assert list(ShiftKind.objects.values_list("code", "starts", "ends")) == before


def test_derive_shifts_refuses_a_desk_without_opening_hours_and_writes_nothing(milan):
    from sportello.services.models import WeeklyHours

    WeeklyHours.objects.all().delete()
    before = list(ShiftKind.objects.values_list("code", "starts", "ends", "is_active"))
    with pytest.raises(CommandError, match="L'orario settimanale è vuoto"):
        call_command("derive_shifts", "--taglio", "12:00")
    assert list(ShiftKind.objects.values_list("code", "starts", "ends", "is_active")) == before


def test_milan_starts_with_a_morning_and_an_afternoon(milan):
    morning, afternoon = ShiftKind.objects.order_by("starts")
    assert (morning.starts, morning.ends, morning.weekdays) == (
        datetime.time(9, 30), datetime.time(13, 45), [0, 1, 2, 3, 4, 5]
    )  # fmt: skip
    assert (afternoon.starts, afternoon.ends) == (datetime.time(13, 45), datetime.time(18, 0))
    assert queries.uncovered_opening_hours() == []


def test_the_queue_warns_when_nobody_on_shift_can_take_a_services_contacts(
    roster, make_contact, frozen_now, client
):
    frozen_now(rome(2026, 12, 1, 10, 0))  # Paola (emergency) is on shift; Luca only at 13:45
    make_contact(rome(2026, 12, 1, 9, 40), service="victims")
    make_contact(rome(2026, 12, 1, 9, 45), service="emergency")
    client.force_login(roster["paola"])
    page = client.get("/personale/coda/").content.decode()
    warning = page.split("In attesa senza nessuno in turno con le competenze richieste:")[1]
    warning = warning.split("</p>")[0]
    assert "Servizio psicotraumatologico" in warning and "emergenze" not in warning
    # The afternoon: Luca covers the victims' service, and Paola's shift has ended.
    frozen_now(rome(2026, 12, 1, 14, 0))
    page = client.get("/personale/coda/").content.decode()
    warning = page.split("In attesa senza nessuno in turno con le competenze richieste:")[1]
    warning = warning.split("</p>")[0]
    assert "emergenze" in warning and "Servizio psicotraumatologico" not in warning


def test_deriving_again_with_fewer_cuts_retires_the_shifts_it_no_longer_makes(milan):
    call_command("derive_shifts", "--taglio", "12:00", "--taglio", "15:00")
    call_command("derive_shifts", "--taglio", "13:45")
    active = set(ShiftKind.objects.filter(is_active=True).values_list("code", flat=True))
    assert active == {"morning", "afternoon"}
    assert not ShiftKind.objects.get(code="afternoon_2").is_active
    assert queries.uncovered_opening_hours() == []
