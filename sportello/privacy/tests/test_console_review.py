"""The DPO's console: far-off days are refused in Italian instead of failing, and showing a
person's identity in the rectification form is a logged read."""

import datetime

import pytest
from django.urls import reverse

from sportello.cases.models import Person, new_pseudonym
from sportello.privacy import subject_requests
from sportello.privacy.models import AccessLog, AuditEvent, DataSubjectRequest
from sportello.testing import rome

NOW = rome(2026, 12, 1, 10, 0)
LOG = "/personale/privacy/registro-accessi/"


@pytest.fixture
def dpo(milan, make_staff, frozen_now, client):
    frozen_now(NOW)
    user = make_staff("dpo", "dpo")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "query", ["date_to=9999-12-31", "date_from=0001-01-01", "date_from=1999-12-31"]
)
def test_the_access_log_refuses_days_outside_the_years_it_can_hold(dpo, client, query):
    response = client.get(f"{LOG}?{query}")
    assert response.status_code == 400
    assert "Scegli un giorno tra il 2000 e il 2100." in response.content.decode()
    exports = AccessLog.objects.count()
    response = client.get(f"{LOG}esporta.csv?{query}")
    assert response.status_code == 302 and response.url == f"{LOG}?{query}"
    assert AccessLog.objects.count() == exports


def test_the_access_log_accepts_the_first_and_last_years(dpo, client):
    response = client.get(f"{LOG}?date_from=2000-01-01&date_to=2100-12-31")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("received_on", "message"),
    [
        ("0001-01-01", "più di un anno fa"),
        ("1999-12-31", "più di un anno fa"),
        ("2025-11-30", "più di un anno fa"),
        ("2026-12-02", "non può essere futura"),
        ("9999-12-31", "non può essere futura"),
    ],
)
def test_registering_refuses_a_receipt_date_in_the_future_or_over_a_year_back(
    dpo, client, received_on, message
):
    response = client.post(
        reverse("privacy:request-new"),
        {"kind": "access", "requester": "Maria, CI", "received_on": received_on},
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


def test_registering_accepts_a_receipt_a_year_back(dpo, client):
    response = client.post(
        reverse("privacy:request-new"),
        {"kind": "access", "requester": "Maria, CI", "received_on": "2025-12-01"},
    )
    assert response.status_code == 302
    received = DataSubjectRequest.objects.get().received_at
    assert received.date() == datetime.date(2025, 12, 1)


def test_the_rectification_form_showing_the_persons_identity_is_a_logged_read(dpo, client):
    person = Person.objects.create(
        pseudonym=new_pseudonym(), full_name="Maria Rossi", phone="+393331234567", created_at=NOW
    )
    request = subject_requests.register_request(
        dpo, "rectification", "Maria, CI", "", person=person
    )
    audits = AuditEvent.objects.count()
    page = client.get(reverse("privacy:request", args=[request.pk])).content.decode()
    assert "Maria Rossi" in page
    read = AccessLog.objects.get()
    assert (read.user, read.object_type, read.object_id) == (dpo, "person", str(person.pk))
    assert read.purpose == request.reference and read.action == "read"
    assert AuditEvent.objects.count() == audits
    # A request of another kind shows no identity and logs nothing.
    other = subject_requests.register_request(dpo, "access", "Maria, CI", "", person=person)
    client.get(reverse("privacy:request", args=[other.pk]))
    assert AccessLog.objects.count() == 1
