"""The staff pages: the switchboard's handover, the queue's buttons, and who may open what."""

import pytest
from django.urls import reverse

from sportello.intake import operations
from sportello.intake.models import Contact, ContactEvent, Status
from sportello.services.models import Service
from sportello.testing import rome

TUESDAY_10 = rome(2026, 12, 1, 10, 0)
SUNDAY_10 = rome(2026, 11, 29, 10, 0)
ROLES = ["switchboard", "professional", "coordinator", "dpo", "management"]


@pytest.fixture
def as_role(milan, make_staff, client):
    def sign_in(role: str):
        user = make_staff(role)
        client.force_login(user)
        return user

    return sign_in


def _views(contact_pk: int) -> dict[str, tuple[str, str, set[str]]]:
    """name → (method, url, roles that may use it)."""
    workers = {"professional", "coordinator"}
    return {
        "switchboard": ("get", reverse("intake:switchboard"), {"switchboard", "coordinator"}),
        "queue": ("get", reverse("intake:queue"), workers),
        "take-next": ("post", reverse("intake:take-next"), workers),
        "duty": ("post", reverse("intake:duty"), workers),
        "take": ("post", reverse("intake:take", args=[contact_pk]), workers),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_view_admits_exactly_the_roles_allowed(
    as_role, make_contact, frozen_now, client, role
):
    frozen_now(TUESDAY_10)
    for name, (method, url, allowed) in _views(make_contact(TUESDAY_10).pk).items():
        as_role(role)
        response = getattr(client, method)(url)
        if role in allowed:
            assert response.status_code in (200, 302), (name, role, response.status_code)
            if response.status_code == 302:
                assert "accesso" not in response.url, (name, role)
        else:
            assert response.status_code == 403, (name, role, response.status_code)


def test_anonymous_visitors_are_sent_to_sign_in(milan, client):
    for url in ["/personale/centralino/", "/personale/coda/", "/personale/contatti/1/"]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/personale/accesso/")


def test_the_contact_sheet_is_for_its_holder_and_coordinators(
    as_role, make_contact, frozen_now, client
):
    frozen_now(TUESDAY_10)
    contact = make_contact(TUESDAY_10)
    for role, status in [("switchboard", 403), ("dpo", 403), ("management", 403)]:
        as_role(role)
        assert client.get(reverse("intake:contact", args=[contact.pk])).status_code == status
    as_role("coordinator")
    assert client.get(reverse("intake:contact", args=[contact.pk])).status_code == 200


def test_each_role_lands_where_its_work_is(as_role, client):
    expected = {
        "switchboard": "/personale/centralino/",
        "professional": "/personale/casi/",
        "coordinator": "/personale/casi/coordinamento/",
        "dpo": "/personale/privacy/",
        "management": "/personale/statistiche/",
    }
    for role, target in expected.items():
        as_role(role)
        assert client.get("/personale/").url == target


def test_handover_while_open_tells_the_agent_to_transfer(as_role, frozen_now, client):
    frozen_now(TUESDAY_10)
    agent = as_role("switchboard")
    service = Service.objects.get(code="victims")
    response = client.post(
        "/personale/centralino/",
        {"caller_number": "333 123 4567", "service": service.pk, "reason": "furto in casa"},
        follow=True,
    )
    contact = Contact.objects.get()
    assert contact.status == Status.WAITING and contact.handed_over_by == agent
    assert contact.caller_number == "+393331234567" and contact.channel == "switchboard"
    page = response.content.decode()
    assert contact.reference in page and "La sto trasferendo" in page


def test_handover_while_closed_gives_hours_emergency_numbers_and_callback(
    as_role, frozen_now, client
):
    frozen_now(SUNDAY_10)
    as_role("switchboard")
    service = Service.objects.get(code="emergency")
    page = client.post(
        "/personale/centralino/",
        {"caller_number": "333 123 4567", "service": service.pk, "reason": "ansia"},
        follow=True,
    ).content.decode()
    assert "chiuso" in page and "9:30" in page and "112" in page and "1522" in page
    assert "la richiamerà" in page
    assert Contact.objects.get().status == Status.CALLBACK_SCHEDULED


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reason": "x"}, "caller_number", "oppure spunta"),
        ({"caller_number": "12", "reason": "x"}, "caller_number", "non è un numero di telefono"),
        (
            {"caller_number": "3331234567", "anonymous": "on", "reason": "x"},
            "anonymous",
            "non è anonima",
        ),
        ({"anonymous": "on"}, "reason", "motivo della chiamata"),
        ({"anonymous": "on", "reason": "x", "service": "999"}, "service", "Scegli"),
    ],
)
def test_handover_errors_are_shown_beside_the_field_and_nothing_is_stored(
    as_role, frozen_now, client, data, field, message
):
    frozen_now(TUESDAY_10)
    as_role("switchboard")
    data = {"service": Service.objects.get(code="emergency").pk, **data}
    response = client.post("/personale/centralino/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page and message in page
    assert 'aria-invalid="true"' in page
    assert Contact.objects.count() == 0 and ContactEvent.objects.count() == 0


def test_an_anonymous_handover_while_open_waits_in_the_queue(as_role, frozen_now, client):
    frozen_now(TUESDAY_10)
    as_role("switchboard")
    client.post(
        "/personale/centralino/",
        {"anonymous": "on", "service": Service.objects.get(code="emergency").pk, "reason": "x"},
    )
    contact = Contact.objects.get()
    assert contact.caller_number == "" and contact.status == Status.WAITING


def test_the_console_shows_queue_and_who_is_on_duty(
    as_role, make_staff, make_contact, frozen_now, client
):
    frozen_now(TUESDAY_10)
    make_contact(rome(2026, 12, 1, 9, 45), danger_now=True)
    on_duty = make_staff("professional", username="paola")
    operations.go_on_duty(on_duty)
    make_staff("professional", username="assente")
    as_role("switchboard")
    page = client.get("/personale/centralino/").content.decode()
    # No roster is published: only the one who checked in is listed, as outside the roster.
    assert page.count("<strong>Professional</strong>") == 1
    assert "presente fuori turno" in page
    assert "15 min" in page  # 9:45 → 10:00 in working minutes


def test_take_next_button_opens_the_sheet_and_outcome_closes_it(
    as_role, make_contact, frozen_now, client
):
    frozen_now(TUESDAY_10)
    contact = make_contact(TUESDAY_10, caller_number="+393331234567")
    as_role("professional")
    response = client.post("/personale/coda/prendi/")
    assert response.url == f"/personale/contatti/{contact.pk}/"
    client.post(f"/personale/contatti/{contact.pk}/inizia/")
    response = client.post(f"/personale/contatti/{contact.pk}/esito/", {"outcome": "reached"})
    assert response.status_code == 302
    assert Contact.objects.get().status == Status.CLOSED


def test_outcome_errors_are_shown_and_change_nothing(as_role, make_contact, frozen_now, client):
    frozen_now(TUESDAY_10)
    contact = make_contact(TUESDAY_10, caller_number="+393331234567")
    professional = as_role("professional")
    operations.take_contact(professional, contact.pk)
    for data, message in [
        ({}, "Scegli l&#x27;esito"),
        ({"outcome": "call_back_later"}, "Indica quando richiamare"),
        ({"outcome": "call_back_later", "call_back_at": "2026-12-06T10:00"}, "sportello è chiuso"),
        ({"outcome": "reached", "call_back_at": "2026-12-01T15:00"}, "solo per"),
    ]:
        response = client.post(f"/personale/contatti/{contact.pk}/esito/", data)
        assert response.status_code == 400 and message in response.content.decode(), data
    contact.refresh_from_db()
    assert contact.status == Status.TAKEN and contact.attempts.count() == 0


def test_taking_a_contact_someone_else_took_shows_why(
    as_role, make_staff, make_contact, frozen_now, client
):
    frozen_now(TUESDAY_10)
    contact = make_contact(TUESDAY_10)
    operations.take_contact(make_staff("professional"), contact.pk)
    as_role("professional")
    page = client.post(f"/personale/contatti/{contact.pk}/prendi/", follow=True).content.decode()
    assert "non è più in coda" in page


def test_duty_toggle(as_role, client):
    user = as_role("professional")
    client.post("/personale/coda/servizio/", {"on": "1"})
    assert operations.queries.is_on_duty(user)
    client.post("/personale/coda/servizio/", {"on": "0"})
    assert not operations.queries.is_on_duty(user)


def test_staff_sign_in_page_works_in_both_languages(milan, make_staff, client):
    make_staff("switchboard", username="carla")
    assert client.get("/personale/accesso/").status_code == 200
    assert client.get("/en/personale/accesso/").status_code == 200
    response = client.post(
        "/personale/accesso/", {"username": "carla", "password": "a-long-test-password"}
    )
    assert response.status_code == 302
    client.logout()
    response = client.post("/personale/accesso/", {"username": "carla", "password": "wrong"})
    assert response.status_code == 200 and "alert-danger" in response.content.decode()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/personale/contatti/999/"),
        ("post", "/personale/contatti/999/prendi/"),
        ("post", "/personale/contatti/999/inizia/"),
        ("post", "/personale/contatti/999/rilascia/"),
        ("post", "/personale/contatti/999/esito/"),
    ],
)
def test_an_unknown_contact_is_not_found_and_nothing_is_written(as_role, client, method, path):
    as_role("coordinator")
    data = {"outcome": "reached"} if path.endswith("esito/") else {}
    assert getattr(client, method)(path, data).status_code == 404
    assert ContactEvent.objects.count() == 0


def test_starting_a_conversation_twice_says_why_on_the_sheet(
    as_role, make_contact, frozen_now, client
):
    frozen_now(TUESDAY_10)
    contact = make_contact(TUESDAY_10)
    operations.take_contact(as_role("professional"), contact.pk)
    client.post(f"/personale/contatti/{contact.pk}/inizia/")
    response = client.post(f"/personale/contatti/{contact.pk}/inizia/", follow=True)
    assert response.redirect_chain[-1][0] == f"/personale/contatti/{contact.pk}/"
    assert "non può iniziare: ora è in conversazione" in response.content.decode()
    assert contact.events.filter(action="conversation_started").count() == 1
