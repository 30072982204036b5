"""Data-subject requests: deadlines, extension, rectification, restriction, erasure and legal
holds, each refused cleanly (nothing written) when it must be."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sportello.cases import operations as cases
from sportello.cases.models import Case, Person
from sportello.intake import operations as intake
from sportello.privacy import subject_requests as ops
from sportello.privacy.models import (
    AccessAction,
    AccessLog,
    AuditEvent,
    DataSubjectRequest,
    ErasureRecord,
    LegalHold,
    ProcessingRestriction,
    RequestStatus,
)
from sportello.privacy.subject_request_queries import is_restricted
from sportello.testing import rome

NOW = rome(2026, 12, 1, 10, 0)


@pytest.fixture
def dpo(milan, make_staff, frozen_now):
    frozen_now(NOW)
    return make_staff("dpo", "dpo")


@pytest.fixture
def professional(milan, make_staff):
    return make_staff("professional", "psicologa")


@pytest.fixture
def make_case(make_contact, professional):
    def make(name: str = "Maria Rossi", phone: str = "+393331234567") -> Case:
        contact = make_contact(NOW)
        intake.take_contact(professional, contact.pk)
        intake.start_conversation(professional, contact.pk)
        return cases.open_case(
            professional,
            contact.pk,
            person_data=cases.PersonData(full_name=name, phone=phone, birth_year=1980),
            goals="Dormire di nuovo",
            anonymous=False,
        )

    return make


def _request(dpo, kind: str, person: Person | None = None, **fields) -> DataSubjectRequest:
    return ops.register_request(
        dpo,
        kind,
        fields.pop("requester", "Maria Rossi, documento verificato"),
        "",
        **fields,
        person=person,
    )


# --- registering and deadlines ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (rome(2026, 1, 31, 11, 0), rome(2026, 2, 28, 11, 0)),
        (rome(2028, 1, 31, 11, 0), rome(2028, 2, 29, 11, 0)),  # leap year
        (rome(2026, 3, 15, 9, 0), rome(2026, 4, 15, 9, 0)),  # across the change to summer time
        (rome(2026, 12, 20, 9, 0), rome(2027, 1, 20, 9, 0)),
        (rome(2026, 8, 31, 9, 0), rome(2026, 9, 30, 9, 0)),
    ],
)
def test_the_deadline_is_the_same_day_next_month_clamped_to_its_end(dpo, frozen_now, received, due):
    frozen_now(received)
    request = _request(dpo, "access", received_at=received)
    assert request.due_at == due
    assert request.due_at.astimezone(due.tzinfo).hour == due.hour


def test_references_count_from_one_each_year(dpo, frozen_now):
    first = _request(dpo, "access", received_at=rome(2026, 11, 2, 9, 0))
    second = _request(dpo, "erasure")
    frozen_now(rome(2027, 1, 4, 9, 0))
    next_year = _request(dpo, "access")
    assert (first.reference, second.reference, next_year.reference) == (
        "DSR-2026-0001",
        "DSR-2026-0002",
        "DSR-2027-0001",
    )


def test_registering_is_audited_without_the_requesters_words(dpo):
    request = _request(dpo, "access", requester="Maria Rossi, carta d'identità AB123")
    event = AuditEvent.objects.get(object_type="data_subject_request", object_id=str(request.pk))
    assert event.action == "registered" and event.detail["reference"] == request.reference
    assert "AB123" not in str(event.detail)


@pytest.mark.parametrize(
    ("kind", "requester", "received_at", "field"),
    [
        ("portability", "Maria Rossi", None, "kind"),
        ("access", "   ", None, "requester"),
        ("access", "Maria Rossi", NOW + datetime.timedelta(days=1), "received_at"),
    ],
)
def test_bad_input_is_refused_in_italian_and_nothing_is_written(
    dpo, kind, requester, received_at, field
):
    with pytest.raises(ValidationError) as refused:
        ops.register_request(dpo, kind, requester, "", received_at=received_at)
    assert field in refused.value.message_dict
    assert any(
        word in " ".join(refused.value.message_dict[field])
        for word in ("Scegli", "Scrivi", "futura")
    )
    assert not DataSubjectRequest.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["professional", "coordinator", "switchboard", "management"])
def test_only_the_dpo_may_register(milan, make_staff, frozen_now, role):
    frozen_now(NOW)
    with pytest.raises(PermissionDenied):
        ops.register_request(make_staff(role), "access", "Maria Rossi", "")
    assert not DataSubjectRequest.objects.exists()


# --- extension ------------------------------------------------------------------------------


def test_the_deadline_is_extended_once_by_up_to_two_months_with_a_reason(dpo):
    request = _request(dpo, "access", received_at=rome(2026, 11, 30, 9, 0))
    extended = ops.extend_deadline(request, "Richiesta molto ampia, archivi cartacei", dpo)
    assert extended.due_at == rome(2027, 2, 28, 9, 0)  # received + 3 months, clamped
    with pytest.raises(ValidationError, match="già stato prorogato"):
        ops.extend_deadline(request, "Ancora un altro motivo lungo", dpo)
    request.refresh_from_db()
    assert request.due_at == rome(2027, 2, 28, 9, 0)


def test_one_month_extension(dpo):
    request = _request(dpo, "access", received_at=rome(2026, 11, 30, 9, 0))
    assert ops.extend_deadline(request, "Serve un mese in più", dpo, months=1).due_at == rome(
        2027, 1, 30, 9, 0
    )


@pytest.mark.parametrize(("reason", "months"), [("", 2), ("breve", 2), ("Motivo valido", 3)])
def test_an_extension_needs_a_reason_and_at_most_two_months(dpo, reason, months):
    request = _request(dpo, "access")
    with pytest.raises(ValidationError):
        ops.extend_deadline(request, reason, dpo, months=months)
    request.refresh_from_db()
    assert request.due_at == rome(2027, 1, 1, 10, 0) and request.extension_reason == ""


def test_no_extension_after_the_first_deadline(dpo, frozen_now):
    request = _request(dpo, "access")
    frozen_now(rome(2027, 1, 2, 9, 0))
    with pytest.raises(ValidationError, match="primo mese"):
        ops.extend_deadline(request, "Troppo tardi per prorogare", dpo)


# --- access ---------------------------------------------------------------------------------


def test_answering_access_logs_each_case_read_with_the_requests_reference(dpo, make_case):
    first = make_case()
    second = make_case()
    Case.objects.filter(pk=second.pk).update(person=first.person)
    request = _request(dpo, "access", person=first.person)
    before = AccessLog.objects.count()
    produced = ops.answer_access(request, dpo)
    rows = list(AccessLog.objects.order_by("seq")[before:])
    assert {row.case_id for row in rows} == {first.pk, second.pk}
    assert all(
        row.action == AccessAction.EXPORT
        and row.user == dpo
        and row.purpose == f"richiesta di accesso {request.reference}"
        for row in rows
    )
    assert {c.case.pk for c in produced.records.cases} == {first.pk, second.pk}


def test_access_needs_the_person_and_an_access_request(dpo, make_case):
    case = make_case()
    unlinked = _request(dpo, "access")
    with pytest.raises(ValidationError, match="Collega prima"):
        ops.answer_access(unlinked, dpo)
    erasure = _request(dpo, "erasure", person=case.person)
    with pytest.raises(ValidationError, match="non di accesso"):
        ops.answer_access(erasure, dpo)
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


# --- rectification --------------------------------------------------------------------------


def test_rectification_corrects_identifying_fields_and_audits_only_their_names(dpo, make_case):
    case = make_case()
    request = _request(dpo, "rectification", person=case.person)
    changed = ops.rectify(
        request, dpo, {"full_name": "Maria Bianchi", "phone": "333 765 4321", "municipio": 5}
    )
    person = Person.objects.get(pk=case.person_id)
    assert changed == ["full_name", "municipio", "phone"]
    assert (person.full_name, person.phone, person.municipio) == (
        "Maria Bianchi",
        "+393337654321",
        5,
    )
    event = AuditEvent.objects.get(action="rectified", object_type="person")
    assert event.detail["fields"] == changed
    assert "Bianchi" not in str(event.detail) and "765" not in str(event.detail)


@pytest.mark.parametrize(
    "changes",
    [
        {"phone": "non è un numero"},
        {"birth_year": 1800},
        {"goals": "altro"},
        {"email": "non-una-mail"},
    ],
)
def test_bad_rectification_is_refused_and_changes_nothing(dpo, make_case, changes):
    case = make_case()
    request = _request(dpo, "rectification", person=case.person)
    with pytest.raises(ValidationError):
        ops.rectify(request, dpo, changes)
    person = Person.objects.get(pk=case.person_id)
    assert (person.full_name, person.phone, person.birth_year) == (
        "Maria Rossi",
        "+393331234567",
        1980,
    )
    assert not AuditEvent.objects.filter(action="rectified").exists()


def test_removing_the_name_makes_the_person_anonymous(dpo, make_case):
    case = make_case()
    Person.objects.filter(pk=case.person_id).update(safe_to_message=False)
    request = _request(dpo, "rectification", person=case.person)
    ops.rectify(request, dpo, {"full_name": "", "phone": ""})
    person = Person.objects.get(pk=case.person_id)
    assert not person.identified and person.full_name == "" and person.name_lookup == ""


# --- restriction ----------------------------------------------------------------------------


def test_a_restricted_persons_cases_cannot_be_changed_until_lifted(dpo, make_case, professional):
    case = make_case()
    request = _request(dpo, "restriction", person=case.person)
    ops.restrict(request, dpo)
    assert is_restricted(case.person)
    with pytest.raises(ValidationError, match="limitato") as refused:
        cases.set_goals(professional, case.pk, "Obiettivi nuovi")
    assert refused.value.code == "restricted"
    with pytest.raises(ValidationError, match="limitato"):
        cases.record_session(
            professional, case.pk, held_at=NOW, mode="phone", duration_minutes=20, notes="x"
        )
    case.refresh_from_db()
    assert case.goals == "Dormire di nuovo" and not case.sessions.exists()

    assert ops.lift_restriction(case.person, dpo) == 1
    assert not is_restricted(case.person)
    cases.set_goals(professional, case.pk, "Obiettivi nuovi")
    case.refresh_from_db()
    assert case.goals == "Obiettivi nuovi"


def test_restricting_twice_or_lifting_nothing_is_refused(dpo, make_case):
    case = make_case()
    request = _request(dpo, "restriction", person=case.person)
    ops.restrict(request, dpo)
    with pytest.raises(ValidationError, match="già limitato"):
        ops.restrict(request, dpo)
    ops.lift_restriction(case.person, dpo)
    with pytest.raises(ValidationError, match="non è limitato"):
        ops.lift_restriction(case.person, dpo)
    assert ProcessingRestriction.objects.count() == 1


# --- erasure and legal holds ----------------------------------------------------------------


def test_erasure_is_refused_under_a_legal_hold_and_writes_nothing(dpo, make_case):
    case = make_case()
    hold = ops.place_legal_hold(case.person, "Ordine della Procura, fascicolo 12/2026", dpo)
    request = _request(dpo, "erasure", person=case.person)
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="vincolo di conservazione"):
        ops.erase(request, dpo)
    person = Person.objects.get(pk=case.person_id)
    assert person.full_name == "Maria Rossi" and person.phone == "+393331234567"
    assert not ErasureRecord.objects.exists()
    assert AuditEvent.objects.count() == audit_before

    ops.lift_legal_hold(hold, dpo)
    counts = ops.erase(request, dpo)
    person.refresh_from_db()
    assert person.full_name == "" and person.phone == "" and counts["person"] == 1
    records = ErasureRecord.objects.filter(request=request)
    assert records.exists() and all(r.count > 0 for r in records)
    assert "Maria" not in " ".join(r.reason for r in records)
    assert AuditEvent.objects.filter(action="erased", object_id=str(request.pk)).exists()


def test_a_legal_hold_needs_a_reason_and_is_lifted_once(dpo, make_case):
    case = make_case()
    with pytest.raises(ValidationError):
        ops.place_legal_hold(case.person, "  ", dpo)
    assert not LegalHold.objects.exists()
    hold = ops.place_legal_hold(case.person, "Reclamo pendente al Garante", dpo)
    ops.lift_legal_hold(hold, dpo)
    with pytest.raises(ValidationError, match="già stato revocato"):
        ops.lift_legal_hold(hold, dpo)


def test_only_the_dpo_places_holds_or_erases(dpo, make_case, make_staff):
    case = make_case()
    coordinator = make_staff("coordinator")
    with pytest.raises(PermissionDenied):
        ops.place_legal_hold(case.person, "Reclamo pendente al Garante", coordinator)
    request = _request(dpo, "erasure", person=case.person)
    with pytest.raises(PermissionDenied):
        ops.erase(request, coordinator)
    assert not LegalHold.objects.exists() and not ErasureRecord.objects.exists()


# --- closing --------------------------------------------------------------------------------


def test_closing_needs_an_outcome_and_an_answer(dpo):
    request = _request(dpo, "access")
    for status, answer in (("open", "Risposta"), ("done", " ")):
        with pytest.raises(ValidationError):
            ops.close_request(request, dpo, status, answer)
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    closed = ops.close_request(request, dpo, "refused", "Identità non verificabile")
    assert (closed.status, closed.closed_by, closed.closed_at) == ("refused", dpo, NOW)
    with pytest.raises(ValidationError, match="già chiusa"):
        ops.close_request(request, dpo, "done", "Di nuovo")
