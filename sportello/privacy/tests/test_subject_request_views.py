"""The DPO's pages for data-subject requests: who gets them, the list by deadline, the forms'
errors (nothing written), the downloads and their log rows."""

import json

import pytest
from django.urls import reverse

from sportello.accounts.roles import Role
from sportello.cases import operations as cases
from sportello.cases.models import Case, Person
from sportello.intake import operations as intake
from sportello.privacy import subject_requests as ops
from sportello.privacy.models import (
    AccessAction,
    AccessLog,
    DataSubjectRequest,
    ErasureRecord,
    LegalHold,
    ProcessingRestriction,
)
from sportello.testing import rome

NOW = rome(2026, 12, 1, 10, 0)


@pytest.fixture
def dpo(milan, make_staff, frozen_now, client):
    frozen_now(NOW)
    user = make_staff("dpo", "dpo")
    client.force_login(user)
    return user


@pytest.fixture
def case(dpo, make_staff, make_contact) -> Case:
    professional = make_staff("professional", "psicologa")
    contact = make_contact(NOW)
    intake.take_contact(professional, contact.pk)
    intake.start_conversation(professional, contact.pk)
    return cases.open_case(
        professional,
        contact.pk,
        person_data=cases.PersonData(full_name="Maria Rossi", phone="+393331234567"),
        goals="Dormire di nuovo",
        anonymous=False,
    )


def _request(dpo, kind="access", person=None, received_at=None) -> DataSubjectRequest:
    return ops.register_request(
        dpo, kind, "Maria Rossi, documento verificato", "", received_at=received_at, person=person
    )


def _urls(request: DataSubjectRequest, hold: LegalHold) -> list[tuple[str, str]]:
    pk = request.pk
    return [
        ("get", reverse("privacy:requests")),
        ("get", reverse("privacy:request-new")),
        ("get", reverse("privacy:request", args=[pk])),
        ("get", reverse("privacy:request-export", args=[pk, "json"])),
        ("get", reverse("privacy:request-export", args=[pk, "pdf"])),
        ("post", reverse("privacy:request-new")),
        ("post", reverse("privacy:request-link-person", args=[pk])),
        ("post", reverse("privacy:request-extend", args=[pk])),
        ("post", reverse("privacy:request-rectify", args=[pk])),
        ("post", reverse("privacy:request-restrict", args=[pk])),
        ("post", reverse("privacy:request-lift-restriction", args=[pk])),
        ("post", reverse("privacy:request-erase", args=[pk])),
        ("post", reverse("privacy:request-close", args=[pk])),
        ("post", reverse("privacy:request-hold", args=[pk])),
        ("post", reverse("privacy:request-hold-lift", args=[pk, hold.pk])),
    ]


def test_the_urls_are_under_the_dpos_console(dpo):
    assert reverse("privacy:requests") == "/personale/privacy/richieste/"
    assert reverse("privacy:request", args=[3]) == "/personale/privacy/richieste/3/"


@pytest.mark.parametrize("role", [role.value for role in Role if role != Role.DPO])
def test_everyone_but_the_dpo_gets_404_everywhere_and_changes_nothing(
    dpo, case, make_staff, client, role
):
    request = _request(dpo, person=case.person)
    hold = ops.place_legal_hold(case.person, "Reclamo pendente al Garante", dpo)
    client.force_login(make_staff(role))
    for method, url in _urls(request, hold):
        response = getattr(client, method)(url, {"confirm": "1"} if method == "post" else None)
        assert response.status_code == 404, (role, method, url)
    assert DataSubjectRequest.objects.count() == 1
    assert LegalHold.objects.get().lifted_at is None
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


def test_anonymous_visitors_are_sent_to_sign_in(milan, client):
    response = client.get(reverse("privacy:requests"))
    assert response.status_code == 302 and response.url.startswith("/personale/accesso/")


def test_the_dpo_gets_every_page(dpo, case, client):
    request = _request(dpo, person=case.person)
    for url in (
        reverse("privacy:requests"),
        reverse("privacy:request-new"),
        reverse("privacy:request", args=[request.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"]


def test_open_requests_by_deadline_with_overdue_and_near_badges(dpo, client):
    late = _request(dpo, received_at=rome(2026, 10, 20, 9, 0))  # due 20/11: 11 days overdue
    near = _request(dpo, "erasure", received_at=rome(2026, 11, 5, 9, 0))  # due 5/12: 4 days
    fresh = _request(dpo, "rectification")  # due 1/1/2027: 31 days
    closed = _request(dpo, received_at=rome(2026, 10, 1, 9, 0))
    ops.close_request(closed, dpo, "done", "Copia inviata")
    response = client.get(reverse("privacy:requests"))
    rows = response.context["rows"]
    assert [row.request for row in rows] == [late, near, fresh]
    assert [row.days_left for row in rows] == [-11, 4, 31]
    page = response.content.decode()
    assert "scaduta da 11 giorni" in page and "4 giorni rimasti" in page
    assert page.index(late.reference) < page.index(near.reference) < page.index(fresh.reference)
    assert "deadline-overdue" in page and "deadline-near" in page


def test_registering_from_the_form(dpo, case, client):
    response = client.post(
        reverse("privacy:request-new"),
        {
            "kind": "access",
            "requester": "Maria Rossi, carta d'identità verificata",
            "details": "Chiede copia di tutti i dati",
            "received_on": "2026-11-30",
            "person": case.person.pseudonym,
        },
    )
    request = DataSubjectRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "privacy:request", args=[request.pk]
    )
    assert request.person == case.person and request.person_pseudonym == case.person.pseudonym
    assert request.due_at.date().isoformat() == "2026-12-30"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "", "requester": "Maria"}, "Scegli il tipo di richiesta."),
        ({"kind": "access", "requester": ""}, "Scrivi chi ha fatto la richiesta"),
        ({"kind": "access", "requester": "Maria", "received_on": "2027-01-05"}, "futura"),
        ({"kind": "access", "requester": "Maria", "received_on": "ieri"}, "data valida"),
        ({"kind": "access", "requester": "Maria", "person": "P-NONE-00"}, "Nessuna persona"),
    ],
)
def test_bad_registration_is_an_italian_error_and_nothing_is_written(dpo, client, data, message):
    response = client.post(reverse("privacy:request-new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


def test_linking_by_case_reference_and_an_unknown_person(dpo, case, client):
    request = _request(dpo)
    url = reverse("privacy:request-link-person", args=[request.pk])
    response = client.post(url, {"link-person": "PC-1999-000001"})
    assert response.status_code == 400 and "Nessuna persona" in response.content.decode()
    response = client.post(url, {"link-person": case.reference})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.person == case.person


def test_downloads_are_logged_as_exports_for_the_request(dpo, case, client):
    request = _request(dpo, person=case.person)
    response = client.get(reverse("privacy:request-export", args=[request.pk, "json"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert f"{request.reference}-{case.person.pseudonym}.json" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["person"]["full_name"] == "Maria Rossi"
    response = client.get(reverse("privacy:request-export", args=[request.pk, "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    rows = AccessLog.objects.filter(action=AccessAction.EXPORT)
    assert rows.count() == 2
    assert {row.purpose for row in rows} == {f"richiesta di accesso {request.reference}"}
    assert (
        client.get(reverse("privacy:request-export", args=[request.pk, "csv"])).status_code == 404
    )


def test_export_without_a_person_is_refused_on_the_page(dpo, client):
    request = _request(dpo)
    response = client.get(reverse("privacy:request-export", args=[request.pk, "json"]))
    assert response.status_code == 400 and "Collega prima" in response.content.decode()
    assert not AccessLog.objects.exists()


def test_erasure_under_a_legal_hold_is_refused_on_the_page(dpo, case, client):
    request = _request(dpo, "erasure", person=case.person)
    client.post(
        reverse("privacy:request-hold", args=[request.pk]),
        {"hold-reason": "Ordine della Procura, fascicolo 12/2026"},
    )
    assert LegalHold.objects.filter(person=case.person, lifted_at__isnull=True).exists()
    response = client.post(reverse("privacy:request-erase", args=[request.pk]), {"confirm": "1"})
    assert response.status_code == 400 and "vincolo di conservazione" in response.content.decode()
    assert not ErasureRecord.objects.exists()
    assert Person.objects.get(pk=case.person_id).full_name == "Maria Rossi"


def test_erasure_needs_confirmation_then_runs(dpo, case, client):
    request = _request(dpo, "erasure", person=case.person)
    url = reverse("privacy:request-erase", args=[request.pk])
    response = client.post(url, {})
    assert response.status_code == 400 and "Conferma" in response.content.decode()
    assert not ErasureRecord.objects.exists()
    assert client.post(url, {"confirm": "1"}).status_code == 302
    assert ErasureRecord.objects.filter(request=request).exists()
    assert Person.objects.get(pk=case.person_id).full_name == ""


def test_extension_and_closing_forms_show_errors_and_write_nothing(dpo, client):
    request = _request(dpo)
    response = client.post(
        reverse("privacy:request-extend", args=[request.pk]),
        {"extend-months": "2", "extend-reason": ""},
    )
    assert (
        response.status_code == 400
        and "Scrivi il motivo della proroga" in response.content.decode()
    )
    response = client.post(
        reverse("privacy:request-close", args=[request.pk]),
        {"close-status": "done", "close-answer": ""},
    )
    assert response.status_code == 400 and "Scrivi la risposta" in response.content.decode()
    request.refresh_from_db()
    assert request.extension_reason == "" and request.status == "open"
    response = client.post(
        reverse("privacy:request-extend", args=[request.pk]),
        {"extend-months": "2", "extend-reason": "Richiesta molto ampia"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.due_at == rome(2027, 3, 1, 10, 0)


def test_rectify_and_restrict_from_the_page(dpo, case, client):
    rectification = _request(dpo, "rectification", person=case.person)
    page = client.get(reverse("privacy:request", args=[rectification.pk])).content.decode()
    assert 'value="Maria Rossi"' in page
    url = reverse("privacy:request-rectify", args=[rectification.pk])
    fields = {"rectify-full_name": "Maria Bianchi", "rectify-phone": "+393331234567"}
    response = client.post(url, {**fields, "rectify-email": "non-una-mail"})
    assert response.status_code == 400 and "indirizzo email valido" in response.content.decode()
    assert Person.objects.get(pk=case.person_id).full_name == "Maria Rossi"
    assert client.post(url, fields).status_code == 302
    assert Person.objects.get(pk=case.person_id).full_name == "Maria Bianchi"

    restriction = _request(dpo, "restriction", person=case.person)
    assert (
        client.post(reverse("privacy:request-restrict", args=[restriction.pk])).status_code == 302
    )
    assert ProcessingRestriction.objects.filter(person=case.person, lifted_at=None).exists()
    page = client.get(reverse("privacy:request", args=[restriction.pk])).content.decode()
    assert "trattamento limitato" in page
    url = reverse("privacy:request-lift-restriction", args=[restriction.pk])
    assert client.post(url).status_code == 302
    assert not ProcessingRestriction.objects.filter(lifted_at=None).exists()
