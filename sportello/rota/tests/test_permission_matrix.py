"""The permission matrix: every view of the roster, for every role, with the requests that
exercise it.

Exactly the allowed roles get past the policy (a page, a redirect after the operation, or a 400
for what the operation itself refuses); every other signed-in role gets a 403 (a 404 for a swap
that does not concern them, as if it did not exist) and changes nothing, not even the audit;
visitors who are not signed in are sent to sign in. Whatever an allowed request changes comes
with its audit row. The calendar feed is the one exception to sign-in: its address is its key,
for anyone holding it. A route added to ``sportello/rota/urls.py`` without an entry here fails
the first test."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, reverse

from sportello.accounts.models import User
from sportello.privacy.models import AuditEvent
from sportello.rota import ical
from sportello.rota.models import (
    Absence,
    AbsenceKind,
    ChangeReason,
    Contract,
    CoverageRequirement,
    RosterPlan,
    ShiftChange,
    ShiftPreference,
    SolveKind,
    SolverRun,
    SolveState,
    SwapRequest,
    SwapStatus,
)
from sportello.rota.urls import urlpatterns

from .conftest import MONDAY_8, TUESDAY, WEDNESDAY, Team, finished_run, kind

pytestmark = pytest.mark.django_db

ROLES = ["switchboard", "professional", "coordinator", "dpo", "management", "anonymous"]
EVERYONE = set(ROLES)
ON_SHIFT_READERS = {"switchboard", "professional", "coordinator"}
SHIFT_WORKERS = {"professional", "coordinator"}
COORDINATORS = {"coordinator"}
HTMX = {"HTTP_HX_REQUEST": "true"}
NEXT_MONDAY = datetime.date(2026, 12, 7)


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    allowed: set[str]
    data: dict[str, object] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # Roles the view lets in but the record does not concern: a 404, as if it did not exist.
    hidden_from: set[str] = field(default_factory=set)


Builder = Callable[[Team], list[Call]]
MATRIX: dict[str, Builder] = {}


def covers(*names: str) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        for name in names:
            MATRIX[name] = build
        return build

    return register


def url(name: str, *args: object) -> str:
    return reverse(f"rota:{name}", args=args)


# Fresh records for each role's calls: a state-changing request must find what it changes.


def absence(team: Team) -> Absence:
    return Absence.objects.create(
        user=team.bruno,
        kind=AbsenceKind.LEAVE,
        first_day=TUESDAY,
        last_day=TUESDAY,
        recorded_by=team.coordinator,
        recorded_at=MONDAY_8,
    )


def cover_run(team: Team) -> SolverRun:
    """A finished search proposing Dario on Tuesday morning."""
    run = SolverRun.objects.create(
        kind=SolveKind.COVER,
        plan=RosterPlan.objects.get(status="published"),
        first_day=TUESDAY,
        last_day=TUESDAY,
        time_limit_s=10,
        state=SolveState.DONE,
        outcome="optimal",
        requested_by=team.coordinator,
        requested_at=MONDAY_8,
    )
    ShiftChange.objects.create(
        day=TUESDAY,
        shift_kind=kind("morning"),
        user=team.dario,
        on_shift=True,
        reason=ChangeReason.SUBSTITUTE,
        run=run,
        applied=False,
        created_by=team.coordinator,
        created_at=MONDAY_8,
    )
    return run


def draft(team: Team) -> RosterPlan:
    plan = RosterPlan.objects.create(created_by=team.coordinator, created_at=MONDAY_8)
    finished_run(plan)
    return plan


def swap(team: Team, requester: User, colleague: User, status: str) -> SwapRequest:
    """Anna's Tuesday afternoon, or Bruno's Tuesday morning, offered to a free colleague."""
    code = "afternoon" if requester == team.anna else "morning"
    return SwapRequest.objects.create(
        requester=requester,
        colleague=colleague,
        day=TUESDAY,
        shift_kind=kind(code),
        status=status,
        asked_at=MONDAY_8,
    )


# The views ----------------------------------------------------------------------------------


@covers("calculator")
def _calculator(team: Team) -> list[Call]:
    query = "?calls=100&period_s=1800&aht_s=180&target_s=20&service_level=80"
    return [Call("get", url("calculator") + query, COORDINATORS)]


@covers("roster")
def _roster(team: Team) -> list[Call]:
    return [Call("get", url("roster") + "?settimana=2026-12-01", ON_SHIFT_READERS)]


@covers("shift-change")
def _shift_change(team: Team) -> list[Call]:
    data = {"user": team.carla.pk, "day": "2026-12-01", "shift_kind": kind("morning").pk}
    return [Call("post", url("shift-change"), COORDINATORS, {**data, "on_shift": "1"})]


@covers("absences")
def _absences(team: Team) -> list[Call]:
    data = {
        "user": team.carla.pk,
        "kind": AbsenceKind.TRAINING,
        "first_day": "2026-12-03",
        "last_day": "2026-12-03",
    }
    return [
        Call("get", url("absences"), COORDINATORS),
        Call("post", url("absences"), COORDINATORS, data),
    ]


@covers("absence-cancel")
def _absence_cancel(team: Team) -> list[Call]:
    return [Call("post", url("absence-cancel", absence(team).pk), COORDINATORS)]


@covers("absence-cover")
def _absence_cover(team: Team) -> list[Call]:
    return [Call("post", url("absence-cover", absence(team).pk), COORDINATORS)]


@covers("cover")
def _cover(team: Team) -> list[Call]:
    run = cover_run(team)
    return [
        Call("get", url("cover", run.pk), COORDINATORS),
        Call("get", url("cover", run.pk), COORDINATORS, headers=HTMX),
    ]


@covers("cover-apply")
def _cover_apply(team: Team) -> list[Call]:
    return [Call("post", url("cover-apply", cover_run(team).pk), COORDINATORS)]


@covers("cover-reject")
def _cover_reject(team: Team) -> list[Call]:
    return [Call("post", url("cover-reject", cover_run(team).pk), COORDINATORS)]


@covers("plans")
def _plans(team: Team) -> list[Call]:
    return [
        Call("get", url("plans"), COORDINATORS),
        Call("post", url("plans"), COORDINATORS, {"weeks": "1", "time_limit_s": "5"}),
    ]


@covers("plan")
def _plan(team: Team) -> list[Call]:
    plan = draft(team)
    return [
        Call("get", url("plan", plan.pk), COORDINATORS),
        Call("get", url("plan", plan.pk), COORDINATORS, headers=HTMX),
    ]


@covers("plan-cell")
def _plan_cell(team: Team) -> list[Call]:
    cell = url("plan-cell", draft(team).pk, team.anna.pk, 0, 1)
    return [
        Call("get", cell, COORDINATORS, headers=HTMX),
        Call("get", cell, COORDINATORS),
        Call("post", cell, COORDINATORS, {"shift": "morning"}),
    ]


@covers("plan-publish")
def _plan_publish(team: Team) -> list[Call]:
    data = {"valid_from": NEXT_MONDAY.isoformat()}
    return [Call("post", url("plan-publish", draft(team).pk), COORDINATORS, data)]


@covers("plan-discard")
def _plan_discard(team: Team) -> list[Call]:
    return [Call("post", url("plan-discard", draft(team).pk), COORDINATORS, {"confirm": "on"})]


@covers("my-shifts")
def _my_shifts(team: Team) -> list[Call]:
    return [Call("get", url("my-shifts"), SHIFT_WORKERS)]


@covers("my-preferences")
def _my_preferences(team: Team) -> list[Call]:
    morning = kind("morning").pk
    wish = {f"wish_1_{morning}": "wanted", f"weight_1_{morning}": "7"}
    return [
        Call("get", url("my-preferences"), SHIFT_WORKERS),
        Call("post", url("my-preferences"), SHIFT_WORKERS, wish),
    ]


@covers("renew-feed")
def _renew_feed(team: Team) -> list[Call]:
    return [Call("post", url("renew-feed"), SHIFT_WORKERS)]


@covers("ask-swap")
def _ask_swap(team: Team) -> list[Call]:
    asked = {"day": TUESDAY.isoformat(), "shift_kind": "afternoon", "colleague": team.carla.pk}
    return [
        Call("get", url("ask-swap") + "?day=2026-12-01&shift=afternoon", SHIFT_WORKERS),
        Call("post", url("ask-swap"), SHIFT_WORKERS, asked),
    ]


@covers("swap-return-options")
def _swap_return_options(team: Team) -> list[Call]:
    query = f"?day=2026-12-01&shift_kind=afternoon&colleague={team.carla.pk}"
    return [Call("get", url("swap-return-options") + query, SHIFT_WORKERS, headers=HTMX)]


@covers("swaps")
def _swaps(team: Team) -> list[Call]:
    swap(team, team.anna, team.carla, SwapStatus.AGREED)
    return [Call("get", url("swaps"), COORDINATORS)]


@covers("answer-swap")
def _answer_swap(team: Team) -> list[Call]:
    asked = swap(team, team.bruno, team.anna, SwapStatus.ASKED)  # Anna is the professional
    return [
        Call(
            "post",
            url("answer-swap", asked.pk),
            {"professional"},
            {"agree": "yes"},
            hidden_from={"coordinator"},
        )
    ]


@covers("withdraw-swap")
def _withdraw_swap(team: Team) -> list[Call]:
    asked = swap(team, team.anna, team.carla, SwapStatus.ASKED)
    return [
        Call("post", url("withdraw-swap", asked.pk), {"professional"}, hidden_from={"coordinator"})
    ]


@covers("decide-swap")
def _decide_swap(team: Team) -> list[Call]:
    agreed = swap(team, team.anna, team.carla, SwapStatus.AGREED)
    return [Call("post", url("decide-swap", agreed.pk), COORDINATORS, {"decision": "approve"})]


@covers("ical-feed")
def _ical_feed(team: Team) -> list[Call]:
    token = ical.feed_token(team.anna, Contract.objects.get(user=team.anna))
    return [Call("get", url("ical-feed", token), EVERYONE)]


@covers("staffing")
def _staffing(team: Team) -> list[Call]:
    week = {"settimana": WEDNESDAY.isoformat(), "settimane": "4"}
    return [
        Call("get", url("staffing"), COORDINATORS, week),
        Call("post", url("staffing"), COORDINATORS, week),
    ]


# The matrix ---------------------------------------------------------------------------------

VIEW_NAMES = [pattern.name for pattern in urlpatterns if isinstance(pattern, URLPattern)]


def test_the_matrix_covers_every_view_of_the_roster():
    assert len(VIEW_NAMES) == len(set(VIEW_NAMES)) >= 24
    assert all(VIEW_NAMES), "every route of the roster has a name"
    assert set(VIEW_NAMES) == set(MATRIX), "views without an entry, or entries without a view"


def written() -> tuple[object, ...]:
    """Everything a roster request could write, to compare before and after."""
    return (
        AuditEvent.objects.count(),
        sorted(ShiftChange.objects.values_list("pk", "applied")),
        sorted(Absence.objects.values_list("pk", "cancelled_at")),
        sorted(SwapRequest.objects.values_list("pk", "status")),
        sorted(RosterPlan.objects.values_list("pk", "status")),
        SolverRun.objects.count(),
        sorted(Contract.objects.values_list("pk", "feed_rotation")),
        CoverageRequirement.objects.count(),
        sorted(ShiftPreference.objects.values_list("pk", "wanted", "weight")),
    )


@pytest.fixture
def users(team, make_staff) -> dict[str, User | None]:
    return {
        "switchboard": make_staff("switchboard"),
        "professional": team.anna,
        "coordinator": team.coordinator,
        "dpo": make_staff("dpo"),
        "management": make_staff("management"),
        "anonymous": None,
    }


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_every_view_admits_exactly_the_roles_allowed(name, team, users, client):
    for role in ROLES:
        user = users[role]
        for call in MATRIX[name](team):
            client.logout()
            if user is not None:
                client.force_login(user)
            before = written()
            response = getattr(client, call.method)(call.url, call.data, **call.headers)
            where = (name, call.method, call.url, role, response.status_code)
            if role not in call.allowed:
                if role == "anonymous":
                    assert response.status_code == 302, where
                    assert response.url.startswith(reverse("staff-login")), where
                else:
                    assert response.status_code == (404 if role in call.hidden_from else 403), where
                assert written() == before, where
                continue
            assert response.status_code in (200, 302, 400), where
            if response.status_code == 302:
                assert not response.url.startswith(reverse("staff-login")), where
            after = written()
            if after[1:] != before[1:]:
                assert after[0] > before[0], (*where, "a change without its audit row")
            if name != "ical-feed":
                assert "no-store" in response["Cache-Control"], where
