"""GET /api/v1/queue/: the wallboard's view of who waits, for how long, and who is in danger."""

import pytest
from django.contrib.auth.models import Group

from sportello.accounts.models import Profession, ProfessionalProfile, User
from sportello.accounts.roles import Role
from sportello.api import operations as api_operations
from sportello.intake import operations
from sportello.intake.models import Channel, Contact, Outcome, Status
from sportello.intake.operations import ContactRequest
from sportello.services.models import Competence, Service
from sportello.testing import rome

pytestmark = pytest.mark.django_db

URL = "/api/v1/queue/"
SERVICES = {"emergency", "victims", "mediation", "criminology"}


@pytest.fixture
def wallboard(db):
    return api_operations.create_client("wallboard")


@pytest.fixture
def at(milan, frozen_now):
    """Freeze the desk's clock; contacts are registered at the instant they are received."""

    def move(moment):
        frozen_now(moment)
        return moment

    return move


def register(received_at, service="emergency", channel=Channel.SWITCHBOARD, **fields):
    request = ContactRequest(
        channel=channel,
        service=Service.objects.get(code=service),
        received_at=received_at,
        **fields,
    )
    return operations.register_contact(request, actor_label="test").contact


def read_queue(http, token):
    response = http.get(URL, headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200, response.content
    body = response.json()
    return body, {item["service"]: item for item in body["services"]}


@pytest.fixture
def professional(milan):
    """A professional who may take contacts of every service."""
    user = User.objects.create_user("professionista", password="a-long-test-password")
    user.groups.add(Group.objects.get_or_create(name=Role.PROFESSIONAL.value)[0])
    profile = ProfessionalProfile.objects.create(
        user=user, profession=Profession.objects.order_by("pk").first()
    )
    profile.services.set(Service.objects.all())
    profile.competences.set(Competence.objects.all())
    return user


# --- authentication ---------------------------------------------------------------------------


def test_without_a_token_it_is_a_401(client, milan):
    response = client.get(URL)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "header",
    ["Token not-a-real-token", "Token", "Token two parts", "Bearer whatever", "Basic dXNlcjpwdw=="],
)
def test_a_bad_token_is_a_401(client, milan, wallboard, header):
    response = client.get(URL, headers={"Authorization": header})

    assert response.status_code == 401, header
    assert "services" not in response.json()


def test_a_revoked_token_is_a_401(client, milan, wallboard):
    assert client.get(URL, headers={"Authorization": f"Token {wallboard.token}"}).status_code == 200

    api_operations.revoke_client(wallboard.client)

    response = client.get(URL, headers={"Authorization": f"Token {wallboard.token}"})
    assert response.status_code == 401
    assert "revocato" in response.json()["detail"]


def test_the_token_is_not_a_signature_credential(client, milan, wallboard):
    # The HMAC secret is not a bearer token.
    response = client.get(URL, headers={"Authorization": f"Token {wallboard.secret}"})

    assert response.status_code == 401


# --- the answer --------------------------------------------------------------------------------


def test_an_empty_queue_lists_every_active_service_at_zero(client, at, wallboard):
    at(rome(2026, 11, 25, 10, 0))
    Service.objects.filter(code="criminology").update(is_active=False)

    body, services = read_queue(client, wallboard.token)

    assert body["at"] == "2026-11-25T10:00:00+01:00"
    assert body["waiting"] == 0
    assert body["at_risk"] == 0
    assert set(services) == SERVICES - {"criminology"}
    for item in services.values():
        assert item["waiting"] == 0
        assert item["oldest_waiting_since"] is None
        assert item["oldest_wait_minutes"] == 0
        assert item["at_risk"] == 0
        assert item["name"]


def test_the_oldest_wait_counts_working_minutes_only(client, at, wallboard):
    at(rome(2026, 11, 23, 17, 50))  # Monday, ten minutes before closing
    register(rome(2026, 11, 23, 17, 50), "victims")
    at(rome(2026, 11, 24, 9, 35))
    register(rome(2026, 11, 24, 9, 35), "victims")
    at(rome(2026, 11, 24, 9, 40))  # Tuesday, ten minutes after opening

    body, services = read_queue(client, wallboard.token)

    victims = services["victims"]
    assert victims["waiting"] == 2
    assert victims["oldest_waiting_since"] == "2026-11-23T17:50:00+01:00"
    assert victims["oldest_wait_minutes"] == 20
    assert services["emergency"]["waiting"] == 0
    assert body["waiting"] == 2


def test_per_service_counts_danger_and_totals(client, at, wallboard):
    at(rome(2026, 11, 25, 10, 0))
    register(rome(2026, 11, 25, 9, 45), "emergency", danger_now=True)
    register(rome(2026, 11, 25, 9, 50), "emergency")
    register(rome(2026, 11, 25, 9, 55), "emergency", danger_now=True)
    register(rome(2026, 11, 25, 9, 58), "mediation")
    register(rome(2026, 11, 25, 9, 59), "victims", danger_now=True)

    body, services = read_queue(client, wallboard.token)

    assert services["emergency"]["waiting"] == 3
    assert services["emergency"]["at_risk"] == 2
    assert services["emergency"]["oldest_waiting_since"] == "2026-11-25T09:45:00+01:00"
    assert services["emergency"]["oldest_wait_minutes"] == 15
    assert (services["mediation"]["waiting"], services["mediation"]["at_risk"]) == (1, 0)
    assert services["mediation"]["oldest_wait_minutes"] == 2
    assert (services["victims"]["waiting"], services["victims"]["at_risk"]) == (1, 1)
    assert services["criminology"]["waiting"] == 0
    assert body["waiting"] == 5
    assert body["at_risk"] == 3


def test_callbacks_count_only_once_due(client, at, wallboard):
    # Sunday: a caller with a number is called back at Monday's opening.
    at(rome(2026, 11, 29, 11, 0))
    contact = register(
        rome(2026, 11, 29, 11, 0), "victims", Channel.TELEPHONY, caller_number="+393331234567"
    )
    assert contact.status == Status.CALLBACK_SCHEDULED

    at(rome(2026, 11, 29, 20, 0))
    body, services = read_queue(client, wallboard.token)
    assert services["victims"]["waiting"] == 0
    assert body["waiting"] == 0

    at(rome(2026, 11, 30, 9, 45))
    body, services = read_queue(client, wallboard.token)
    assert services["victims"]["waiting"] == 1
    # It has been due since the opening, not since Sunday.
    assert services["victims"]["oldest_waiting_since"] == "2026-11-30T09:30:00+01:00"
    assert services["victims"]["oldest_wait_minutes"] == 15
    assert body["waiting"] == 1


def test_a_web_callback_for_later_today_is_not_counted_yet(client, at, wallboard):
    at(rome(2026, 11, 25, 10, 0))
    register(
        rome(2026, 11, 25, 10, 0),
        "mediation",
        Channel.WEB_CALLBACK,
        caller_number="+393331234567",
        windows=((rome(2026, 11, 25, 15, 0), rome(2026, 11, 25, 16, 0)),),
    )

    _, before = read_queue(client, wallboard.token)
    at(rome(2026, 11, 25, 15, 0))
    _, after = read_queue(client, wallboard.token)

    assert before["mediation"]["waiting"] == 0
    assert after["mediation"]["waiting"] == 1


def test_taken_and_closed_contacts_are_not_counted(client, at, wallboard, professional):
    at(rome(2026, 11, 25, 10, 0))
    taken = register(rome(2026, 11, 25, 9, 40), "emergency", danger_now=True)
    talking = register(rome(2026, 11, 25, 9, 41), "emergency")
    closed = register(rome(2026, 11, 25, 9, 42), "emergency", danger_now=True)
    register(rome(2026, 11, 25, 9, 50), "emergency")
    operations.take_contact(professional, taken.pk)
    operations.take_contact(professional, talking.pk)
    operations.start_conversation(professional, talking.pk)
    operations.take_contact(professional, closed.pk)
    operations.record_outcome(professional, closed.pk, Outcome.REACHED)
    # An anonymous call out of hours is recorded closed at once.
    register(rome(2026, 11, 24, 20, 0), "emergency", Channel.TELEPHONY)
    assert Contact.objects.filter(status=Status.CLOSED).count() == 2

    body, services = read_queue(client, wallboard.token)

    emergency = services["emergency"]
    assert emergency["waiting"] == 1
    assert emergency["at_risk"] == 0
    assert emergency["oldest_waiting_since"] == "2026-11-25T09:50:00+01:00"
    assert emergency["oldest_wait_minutes"] == 10
    assert body["waiting"] == 1
    assert body["at_risk"] == 0


def test_a_released_contact_counts_again(client, at, wallboard, professional):
    at(rome(2026, 11, 25, 10, 0))
    contact = register(rome(2026, 11, 25, 9, 30), "criminology")
    operations.take_contact(professional, contact.pk)
    _, held = read_queue(client, wallboard.token)

    operations.release_contact(professional, contact.pk)
    _, released = read_queue(client, wallboard.token)

    assert held["criminology"]["waiting"] == 0
    assert released["criminology"]["waiting"] == 1
    assert released["criminology"]["oldest_wait_minutes"] == 30


def test_the_queue_is_read_only(client, at, wallboard):
    at(rome(2026, 11, 25, 10, 0))
    register(rome(2026, 11, 25, 9, 30))
    before = list(Contact.objects.values_list("pk", "status", "status_changed_at"))

    response = client.post(URL, headers={"Authorization": f"Token {wallboard.token}"})

    assert response.status_code == 405
    read_queue(client, wallboard.token)
    assert list(Contact.objects.values_list("pk", "status", "status_changed_at")) == before


def test_a_caller_screened_at_high_risk_and_back_in_the_queue_counts_at_risk(
    client, at, wallboard, professional
):
    from sportello.triage import operations as triage
    from sportello.triage.risk_rules import Answers

    at(rome(2026, 11, 25, 10, 0))
    contact = register(rome(2026, 11, 25, 9, 45), "emergency", caller_number="+393331234567")
    operations.take_contact(professional, contact.pk)
    operations.start_conversation(professional, contact.pk)
    triage.record_screening(
        professional,
        contact.pk,
        triage.ScreeningInput(answers=Answers(plan=True), location_not_disclosed=True),
    )
    # The line dropped: the professional will call back in ten minutes.
    operations.record_outcome(
        professional, contact.pk, Outcome.CALL_BACK_LATER, call_back_at=rome(2026, 11, 25, 10, 1)
    )
    at(rome(2026, 11, 25, 10, 2))

    body, services = read_queue(client, wallboard.token)

    assert (services["emergency"]["waiting"], services["emergency"]["at_risk"]) == (1, 1)
    assert body["at_risk"] == 1
