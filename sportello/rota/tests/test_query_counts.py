"""The roster's busiest reads stay within a fixed number of queries however large the team: the
week, the plan, the staffing page, who is on shift now (the switchboard asks it all day), and the
live queue and the switchboard's summary, which ask who on shift covers each service.

Each page is read for a team of three operators with profiles, contracts, a published plan, an
absence and dated changes, then for a team of twelve: the larger team may cost no more queries
than the smaller one (nor more than a ceiling), so a query made per operator, per shift or per
requirement shows up as a failure here."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sportello.rota import problems, queries
from sportello.rota import solver as kernel
from sportello.rota.models import (
    Absence,
    AbsenceKind,
    ChangeReason,
    CoverageRequirement,
    PatternAssignment,
    RosterPlan,
    ShiftChange,
    ShiftPreference,
)
from sportello.services.models import Competence, Service
from sportello.testing import rome

from .conftest import finished_run, kind, publish, rostered

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 30)
TUESDAY_10 = rome(2026, 12, 1, 10, 0)
COMPETENCES = (
    ("clinical_psychology", "crisis_intervention"),
    ("psychotraumatology", "victim_support"),
    ("criminology", "psychodiagnostics"),
    ("mediation", "legal_orientation"),
)
SERVICES = (("emergency",), ("victims",), ("criminology",), ("mediation", "victims"))
# Ceilings for the team of twelve, a little above today's counts (which include the session,
# the user and the base page's own reads).
WEEK_PAGE_QUERIES = 40
PLAN_PAGE_QUERIES = 41
STAFFING_PAGES_QUERIES = 86  # the whole desk's and one service's
ON_SHIFT_QUERIES = 14
QUEUE_REFRESH_QUERIES = 45  # every professional's queue, every few seconds
SWITCHBOARD_QUERIES = 76  # the switchboard's console and GET /api/v1/queue/


class Team:
    """A published one-week plan from Monday 30/11/2026 and a team that grows: everyone on a
    morning or an afternoon every open day, a requirement of each kind on every shift, a
    preference each, the first one absent on Tuesday and two dated changes on Wednesday."""

    def __init__(self, make_staff):
        self.make_staff = make_staff
        self.coordinator = make_staff("coordinator", "coordinator")
        self.plan = publish(self.coordinator, MONDAY, [])
        self.operators = []
        competence = Competence.objects.get(code="clinical_psychology")
        service = Service.objects.get(code="victims")
        for code in ("morning", "afternoon"):
            for weekday in range(6):
                for fields in ({}, {"competence": competence}, {"service": service}):
                    CoverageRequirement.objects.create(
                        shift_kind=kind(code), weekday=weekday, minimum=1, **fields
                    )

    def grow(self, size: int) -> "Team":
        while len(self.operators) < size:
            index = len(self.operators)
            user = rostered(
                self.make_staff,
                f"op{index}",
                f"Nome{index}",
                f"Cognome{index}",
                COMPETENCES[index % 4],
                services=SERVICES[index % 4],
            )
            self.operators.append(user)
            for weekday in range(6):
                PatternAssignment.objects.create(
                    plan=self.plan,
                    user=user,
                    weekday=weekday,
                    shift_kind=kind("morning" if (index + weekday) % 2 else "afternoon"),
                )
            ShiftPreference.objects.create(
                user=user, weekday=0, shift_kind=kind("morning"), wanted=True
            )
            if index == 0:
                Absence.objects.create(
                    user=user,
                    kind=AbsenceKind.SICKNESS,
                    first_day=datetime.date(2026, 12, 1),
                    last_day=datetime.date(2026, 12, 1),
                    recorded_by=self.coordinator,
                    recorded_at=TUESDAY_10,
                )
            if index in (1, 2):
                ShiftChange.objects.create(
                    day=datetime.date(2026, 12, 2),
                    shift_kind=kind("morning"),
                    user=user,
                    on_shift=index == 2,
                    reason=ChangeReason.MANUAL,
                    created_by=self.coordinator,
                    created_at=TUESDAY_10,
                )
        return self


@pytest.fixture
def team(milan, make_staff, frozen_now):
    frozen_now(TUESDAY_10)
    return Team(make_staff)


def queries_of(read) -> int:
    with CaptureQueriesContext(connection) as captured:
        read()
    return len(captured.captured_queries)


def test_the_week_page_costs_the_same_for_any_team(team, client, django_assert_max_num_queries):
    def read():
        client.force_login(team.coordinator)
        response = client.get(reverse("rota:roster") + "?settimana=2026-12-01")
        assert response.status_code == 200 and "Cognome1" in response.content.decode()

    team.grow(3)
    read()  # the first read fills what is cached once (the session, the translations)
    small = queries_of(read)
    team.grow(12)
    with django_assert_max_num_queries(min(small, WEEK_PAGE_QUERIES)):
        read()


def test_the_plan_page_costs_the_same_for_any_team(team, client, django_assert_max_num_queries):
    draft = RosterPlan.objects.create(created_by=team.coordinator, created_at=TUESDAY_10)
    finished_run(draft)

    def copy_the_published_pattern():
        # The grid then compares every cell with the plan in force.
        draft.assignments.all().delete()
        PatternAssignment.objects.bulk_create(
            PatternAssignment(
                plan=draft,
                user_id=row.user_id,
                weekday=row.weekday,
                shift_kind_id=row.shift_kind_id,
            )
            for row in team.plan.assignments.all()
        )

    def read():
        client.force_login(team.coordinator)
        response = client.get(reverse("rota:plan", args=[draft.pk]))
        assert response.status_code == 200 and "Cognome" in response.content.decode()

    team.grow(3)
    copy_the_published_pattern()
    read()
    small = queries_of(read)
    team.grow(12)
    copy_the_published_pattern()
    with django_assert_max_num_queries(min(small, PLAN_PAGE_QUERIES)):
        read()


def test_the_staffing_page_costs_the_same_for_any_team(team, client, django_assert_max_num_queries):
    def read():
        client.force_login(team.coordinator)
        for service in ("", "victims"):
            response = client.get(
                reverse("rota:staffing"), {"settimana": "2026-12-01", "servizio": service}
            )
            assert response.status_code == 200

    team.grow(3)
    read()
    small = queries_of(read)
    team.grow(12)
    with django_assert_max_num_queries(min(small, STAFFING_PAGES_QUERIES)):
        read()


def test_who_is_on_shift_costs_the_same_for_any_team(team, django_assert_max_num_queries):
    def read():
        on_shift = queries.on_shift_at(TUESDAY_10)
        assert on_shift and all(entry.competences for entry in on_shift)
        queries.cover_by_service(TUESDAY_10)
        return on_shift

    team.grow(3)
    small = queries_of(read)
    team.grow(12)
    with django_assert_max_num_queries(min(small, 2 * ON_SHIFT_QUERIES + 2)):
        assert len(read()) > 3
    with django_assert_max_num_queries(ON_SHIFT_QUERIES):
        queries.on_shift_at(TUESDAY_10)


def test_explaining_many_shortfalls_reads_the_names_once(team, django_assert_max_num_queries):
    """Each sentence names a competence or a service; the names are read once, not each time."""
    team.grow(3)
    built = problems.pattern_problem(1)
    shortfalls = [
        kernel.Shortfall(
            reason="not_enough_qualified",
            requirement=kernel.Requirement(
                day=day, shift="morning", minimum=2, competence="criminology"
            ),
            needed=2,
            available=1,
        )
        for day in range(6)
    ] + [
        kernel.Shortfall(
            reason="not_enough_capacity",
            requirement=None,
            needed=9,
            available=6,
            service="victims",
        )
    ]
    with django_assert_max_num_queries(2):
        sentences = [problems.explain_shortfall(built, shortfall) for shortfall in shortfalls]
    assert "«Criminologia»" in sentences[0] and "vittime di reato" in sentences[-1]


@pytest.fixture
def waiting(team, make_contact):
    """Contacts of every active service waiting since the morning: the queue's cover warning
    and the switchboard's "able on shift" column then read the roster for each service."""
    for minute, service in enumerate(Service.objects.filter(is_active=True)):
        make_contact(TUESDAY_10 - datetime.timedelta(minutes=30 - minute), service=service.code)


def test_the_queue_refresh_costs_the_same_for_any_team(
    team, waiting, client, django_assert_max_num_queries
):
    """Every professional's queue refreshes itself every few seconds (htmx): reading who on
    shift covers each waiting service must not cost a query per operator."""

    def read():
        client.force_login(team.operators[1])
        response = client.get("/personale/coda/", headers={"HX-Request": "true"})
        assert response.status_code == 200 and "data-reference=" in response.content.decode()

    team.grow(3)
    read()
    small = queries_of(read)
    team.grow(12)
    with django_assert_max_num_queries(min(small, QUEUE_REFRESH_QUERIES)):
        read()


def test_the_switchboard_and_the_queue_api_cost_the_same_for_any_team(
    team, waiting, client, make_staff, django_assert_max_num_queries
):
    from sportello.api import operations as api_operations

    switchboard = make_staff("switchboard")
    credentials = api_operations.create_client("queue-reader")

    def read():
        client.force_login(switchboard)
        page = client.get("/personale/centralino/")
        assert page.status_code == 200 and "in turno" in page.content.decode()
        api = client.get("/api/v1/queue/", headers={"Authorization": f"Token {credentials.token}"})
        assert api.status_code == 200 and api.json()["waiting"] > 0

    team.grow(3)
    read()
    small = queries_of(read)
    team.grow(12)
    with django_assert_max_num_queries(min(small, SWITCHBOARD_QUERIES)):
        read()
