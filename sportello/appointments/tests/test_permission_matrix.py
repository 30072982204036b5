"""The permission matrix: every staff view of the appointments, for every role around one case.

Exactly the allowed roles get past the policy (a page, a redirect after the operation, or a 400
for what the operation itself refuses). Everyone else signed in finds nothing: a 404 for the
pages of a case or an appointment, as if they did not exist, a 403 for the agenda of a role
that has none; and nothing is written, not even the access log. Visitors who are not signed in
are sent to sign in. A route added to ``sportello/appointments/urls.py`` without an entry here
fails the first test."""

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from sportello.accounts.models import User
from sportello.appointments.models import Appointment, SlotOffer
from sportello.appointments.urls import urlpatterns
from sportello.cases.models import Case
from sportello.privacy.models import AccessLog, AuditEvent
from sportello.rota.tests.conftest import publish
from sportello.testing import rome

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "switchboard",
    "following",
    "not_following",
    "coordinator",
    "coordinator_elsewhere",
    "dpo",
    "management",
]
CASE_READERS = {"following", "coordinator"}
CALENDAR_HOLDERS = {"following", "not_following", "coordinator", "coordinator_elsewhere"}
HTMX = {"HTTP_HX_REQUEST": "true"}
MONDAY = datetime.date(2026, 11, 30)
TUESDAY_1130 = rome(2026, 12, 1, 11, 30)
VIEW_NAMES = [pattern.name for pattern in urlpatterns]
# Each record made for a call gets its own day, so none overlaps another.
DAYS = itertools.count(1)


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    allowed: set[str]
    data: dict[str, object] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # Signed-in roles refused with a 403 (a page of theirs they may not use); the others a 404.
    forbidden: set[str] = field(default_factory=set)


@dataclass
class Desk:
    users: dict[str, User | None]
    case: Case
    booked: Appointment

    @property
    def primary(self) -> User:
        return self.users["following"]  # type: ignore[return-value]


Builder = Callable[[Desk], list[Call]]
MATRIX: dict[str, Builder] = {}


def covers(*names: str) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        for name in names:
            MATRIX[name] = build
        return build

    return register


def url(name: str, *args: object) -> str:
    return reverse(f"appointments:{name}", args=args)


def appointment(desk: Desk, *, past: bool = False) -> Appointment:
    """A fresh booked appointment of the case, ahead or already begun, clear of the others."""
    step = next(DAYS)
    if past:
        starts = rome(2026, 11, 1, 10, 0) + datetime.timedelta(hours=step)
    else:
        starts = rome(2027, 1, 1, 10, 0) + datetime.timedelta(hours=step)
    return Appointment.objects.create(
        case=desk.case,
        professional=desk.primary,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=45),
        channel="phone",
        booked_by=desk.primary,
        booked_at=rome(2026, 10, 30, 9, 0),
        key="k",
    )


def offer(desk: Desk) -> SlotOffer:
    return SlotOffer.objects.create(
        case=desk.case,
        channel="video",
        created_by=desk.primary,
        created_at=rome(2026, 11, 30, 9, 0),
        expires_at=rome(2026, 12, 20, 9, 0),
        key="k",
    )


def slot_choice(desk: Desk, **fields: object) -> dict[str, object]:
    return {
        "modalita": "phone",
        "professionista": desk.primary.pk,
        "settimana": MONDAY.isoformat(),
        "orario": TUESDAY_1130.isoformat(),
        **fields,
    }


# The views ----------------------------------------------------------------------------------


@covers("agenda")
def _agenda(desk: Desk) -> list[Call]:
    forbidden = {"switchboard", "dpo", "management"}
    week = url("agenda") + "?giorno=2026-12-01&vista=settimana"
    return [
        Call("get", url("agenda"), CALENDAR_HOLDERS, forbidden=forbidden),
        Call("get", week, CALENDAR_HOLDERS, headers=HTMX, forbidden=forbidden),
    ]


@covers("book")
def _book(desk: Desk) -> list[Call]:
    page = url("book", desk.case.pk)
    return [
        Call("get", page, CASE_READERS),
        Call("get", page + "?settimana=2026-12-07", CASE_READERS, headers=HTMX),
        Call("post", page, CASE_READERS, slot_choice(desk, azione="prenota")),
        Call("post", page, CASE_READERS, slot_choice(desk, azione="proponi", orari=["x"])),
    ]


@covers("detail")
def _detail(desk: Desk) -> list[Call]:
    return [Call("get", url("detail", desk.booked.pk), CASE_READERS)]


@covers("cancel")
def _cancel(desk: Desk) -> list[Call]:
    return [Call("post", url("cancel", appointment(desk).pk), CASE_READERS, {"motivo": "Malata"})]


@covers("reschedule")
def _reschedule(desk: Desk) -> list[Call]:
    moving = appointment(desk)
    data = slot_choice(desk, motivo="Lavora")
    return [
        Call("get", url("reschedule", moving.pk), CASE_READERS),
        Call("post", url("reschedule", moving.pk), CASE_READERS, data),
    ]


@covers("outcome")
def _outcome(desk: Desk) -> list[Call]:
    held = appointment(desk, past=True)
    return [Call("post", url("outcome", held.pk), CASE_READERS, {"esito": "svolto"})]


@covers("withdraw-offer")
def _withdraw_offer(desk: Desk) -> list[Call]:
    return [Call("post", url("withdraw-offer", offer(desk).pk), CASE_READERS)]


def test_the_matrix_covers_every_view_of_the_appointments():
    assert all(VIEW_NAMES), "every route of the appointments has a name"
    assert len(VIEW_NAMES) == len(set(VIEW_NAMES)) >= 7
    assert set(VIEW_NAMES) == set(MATRIX), "views without an entry, or entries without a view"


def written() -> tuple[object, ...]:
    """Everything a staff request could write, to compare before and after."""
    return (
        AuditEvent.objects.count(),
        AccessLog.objects.count(),
        sorted(Appointment.objects.values_list("pk", "status")),
        sorted(SlotOffer.objects.values_list("pk", "withdrawn_at")),
    )


@pytest.fixture
def desk(milan, make_professional, make_coordinator, make_staff, make_case, frozen_now) -> Desk:
    frozen_now(rome(2026, 12, 1, 10, 0))
    following = make_professional("segue")
    users: dict[str, User | None] = {
        "anonymous": None,
        "switchboard": make_staff("switchboard", "centralino"),
        "following": following,
        "not_following": make_professional("nonsegue"),
        "coordinator": make_coordinator("coordina", services=("emergency",)),
        "coordinator_elsewhere": make_coordinator("altrove", services=("victims",)),
        "dpo": make_staff("dpo", "dpo"),
        "management": make_staff("management", "direzione"),
    }
    publish(users["coordinator"], MONDAY, [(following, 1, "morning")])
    case = make_case(following)
    frozen_now(rome(2026, 12, 1, 8, 0))
    return Desk(users=users, case=case, booked=appointment(Desk(users, case, None)))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_every_view_admits_exactly_the_roles_allowed(name, desk, client):
    login = reverse("staff-login")
    for role in ROLES:
        user = desk.users[role]
        for call in MATRIX[name](desk):
            client.logout()
            if user is not None:
                client.force_login(user)
            before = written()
            response = getattr(client, call.method)(call.url, call.data, **call.headers)
            where = (name, call.method, call.url, role, response.status_code)
            if role not in call.allowed:
                if role == "anonymous":
                    assert response.status_code == 302, where
                    assert response.url.startswith(login), where
                else:
                    expected = 403 if role in call.forbidden else 404
                    assert response.status_code == expected, where
                assert written() == before, where
                continue
            assert response.status_code in (200, 302, 400), where
            if response.status_code == 302:
                assert not response.url.startswith(login), where
            after = written()
            if after[2:] != before[2:]:
                assert after[0] > before[0], (*where, "a change without its audit row")
            assert "no-store" in response["Cache-Control"], where
