"""Everything held on a person, and nothing about anyone else (issue 9: the DPO's export)."""

import io
import json

import pytest
from pypdf import PdfReader

from sportello.alerts.models import Alert
from sportello.appointments.models import Appointment, Message, OfferedSlot, SlotOffer
from sportello.cases.models import (
    BreakGlassGrant,
    Case,
    CaseSection,
    CaseTransfer,
    Consent,
    Referral,
    Session,
)
from sportello.intake.models import CallAttempt, CallbackWindow, Contact, ContactEvent
from sportello.privacy.models import (
    AccessLog,
    AuditEvent,
    DataSubjectRequest,
    LegalHold,
    ProcessingRestriction,
)
from sportello.privacy.person_records import records_about
from sportello.privacy.subject_export import SubjectExport
from sportello.privacy.tests.test_person_records_histories import build_history, shared_staff
from sportello.triage.models import Escalation, FollowUp, ProtocolAction, Screening

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(milan, make_staff, frozen_now):
    return shared_staff(make_staff, frozen_now)


@pytest.fixture
def two_people(staff, make_contact):
    return build_history(staff, make_contact, "ALFA", 1), build_history(
        staff, make_contact, "BETA", 2
    )


def _ids(rows) -> set[int]:
    return {row["id"] for row in rows}


def _sections(document: dict) -> dict[str, set[int]]:
    """The ids of each kind of record in an export document."""
    cases, contacts = document["cases"], document["contacts"]
    return {
        "person": {document["person"]["id"]},
        "case": _ids(c["case"] for c in cases),
        "section": _ids(r for c in cases for r in c["sections"]),
        "session": _ids(r for c in cases for r in c["sessions"]),
        "consent": _ids(r for c in cases for r in c["consents"]),
        "transfer": _ids(r for c in cases for r in c["transfers"]),
        "referral": _ids(r for c in cases for r in c["referrals"]),
        "grant": _ids(r for c in cases for r in c["break_glass_grants"]),
        "appointment": _ids(a["appointment"] for c in cases for a in c["appointments"]),
        "offer": _ids(o["offer"] for c in cases for o in c["slot_offers"]),
        "slot": _ids(s for c in cases for o in c["slot_offers"] for s in o["slots"]),
        "message": _ids(m for c in cases for a in c["appointments"] for m in a["messages"])
        | _ids(m for c in cases for o in c["slot_offers"] for m in o["messages"]),
        "contact": _ids(c["contact"] for c in contacts),
        "window": _ids(r for c in contacts for r in c["callback_windows"]),
        "attempt": _ids(r for c in contacts for r in c["call_attempts"]),
        "screening": _ids(r for c in contacts for r in c["screenings"]),
        "follow_up": _ids(r for c in contacts for r in c["follow_ups"]),
        "protocol_action": _ids(r for c in contacts for r in c["protocol_actions"]),
        "escalation": _ids(r for c in contacts for r in c["escalations"]),
        "contact_event": _ids(r for c in contacts for r in c["events"]),
        "access_log": _ids(document["access_log"]),
        "audit_event": _ids(document["audit_events"]),
        "alert": _ids(document["alerts"]),
        "request": _ids(document["data_subject_requests"]),
        "restriction": _ids(document["restrictions"]),
        "legal_hold": _ids(document["legal_holds"]),
    }


def _expected(history) -> dict[str, set[int]]:
    """What the database holds on the person, asked table by table."""
    person, case, contact = history.person, history.case, history.contact

    def ids(queryset) -> set[int]:
        return set(queryset.values_list("pk", flat=True))

    appointments = Appointment.objects.filter(case__person=person)
    offers = SlotOffer.objects.filter(case__person=person)
    return {
        "person": {person.pk},
        "case": ids(Case.objects.filter(person=person)),
        "section": ids(CaseSection.objects.filter(case__person=person)),
        "session": ids(Session.objects.filter(case__person=person)),
        "consent": ids(Consent.objects.filter(case__person=person)),
        "transfer": ids(CaseTransfer.objects.filter(case__person=person)),
        "referral": ids(Referral.objects.filter(case__person=person)),
        "grant": ids(BreakGlassGrant.objects.filter(case__person=person)),
        "appointment": ids(appointments),
        "offer": ids(offers),
        "slot": ids(OfferedSlot.objects.filter(offer__in=offers)),
        "message": ids(Message.objects.filter(appointment__in=appointments))
        | ids(Message.objects.filter(offer__in=offers)),
        "contact": ids(Contact.objects.filter(pk=contact.pk)),
        "window": ids(CallbackWindow.objects.filter(contact=contact)),
        "attempt": ids(CallAttempt.objects.filter(contact=contact)),
        "screening": ids(Screening.objects.filter(contact=contact)),
        "follow_up": ids(FollowUp.objects.filter(contact=contact)),
        "protocol_action": ids(ProtocolAction.objects.filter(contact=contact)),
        "escalation": ids(Escalation.objects.filter(contact=contact)),
        "contact_event": ids(ContactEvent.objects.filter(contact=contact)),
        "access_log": ids(AccessLog.objects.filter(case_id=case.pk))
        | ids(AccessLog.objects.filter(object_type="contact", object_id=str(contact.pk))),
        "audit_event": ids(AuditEvent.objects.filter(case_id=case.pk))
        | ids(AuditEvent.objects.filter(contact_id=contact.pk))
        | ids(AuditEvent.objects.filter(object_type="person", object_id=str(person.pk))),
        "alert": ids(Alert.objects.filter(about_type="case", about_id=str(case.pk)))
        | ids(
            Alert.objects.filter(
                about_type="escalation",
                about_id__in=[str(pk) for pk in ids(Escalation.objects.filter(contact=contact))],
            )
        ),
        "request": ids(DataSubjectRequest.objects.filter(person=person)),
        "restriction": ids(ProcessingRestriction.objects.filter(person=person)),
        "legal_hold": ids(LegalHold.objects.filter(person=person)),
    }


def _export(history) -> SubjectExport:
    return SubjectExport("DSR-2026-0001", records_about(history.person), history.case.opened_at)


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_every_record_about_the_person_is_in_the_export(two_people):
    alfa, _beta = two_people
    found = _sections(_export(alfa).document)
    expected = _expected(alfa)
    for kind, ids in expected.items():
        # Each kind is really there (the history builds at least one of each)…
        assert ids, kind
        # …and the export has exactly the rows the tables hold on the person.
        assert found[kind] == ids, kind


def test_nothing_about_the_other_person_is_in_the_export(two_people):
    alfa, beta = two_people
    produced = _export(alfa)
    found = _sections(produced.document)
    for kind, ids in _expected(beta).items():
        assert not found[kind] & ids, kind
    text = produced.json_bytes().decode()
    pdf_text = _pdf_text(produced.pdf_bytes())
    identifiers = [
        beta.person.pseudonym,
        beta.case.reference,
        beta.contact.reference,
        beta.phone,
        beta.email,
        *beta.texts,
        *DataSubjectRequest.objects.filter(person=beta.person).values_list("reference", flat=True),
    ]
    for identifier in identifiers:
        assert identifier not in text, identifier
    assert "beta" not in text.lower() and "beta" not in pdf_text.lower()


def test_the_export_shows_the_persons_data_decrypted(two_people):
    alfa, _beta = two_people
    produced = _export(alfa)
    text = produced.json_bytes().decode()
    for shown in (
        alfa.person.pseudonym,
        alfa.case.reference,
        alfa.contact.reference,
        alfa.phone,
        alfa.email,
        *alfa.texts,
    ):
        assert shown in text, shown
    # Readable in the PDF too (a few, across the apps: the JSON test covers them all).
    pdf_text = _pdf_text(produced.pdf_bytes())
    for shown in ("Persona ALFA", "Note del colloquio ALFA", "Motivo ALFA", "Invio ALFA"):
        assert shown in pdf_text, shown


def test_the_desks_keys_and_hashes_are_left_out(two_people):
    alfa, _beta = two_people
    document = _export(alfa).document
    text = json.dumps(document)
    assert "keyALFA" not in text  # the citizen's signed-link key
    assert "name_lookup" not in document["person"]
    assert "caller_number_lookup" not in document["contacts"][0]["contact"]
    assert "row_hash" not in document["access_log"][0]
    # The hold is told, not its reason (it may concern the judicial authority).
    assert document["legal_holds"] and "Ordine del giudice" not in text


def test_json_has_stable_keys_iso_dates_and_parsed_documents(two_people):
    alfa, _beta = two_people
    document = _export(alfa).document
    assert list(document) == [
        "format",
        "request",
        "produced_at",
        "controller",
        "person",
        "cases",
        "contacts",
        "access_log",
        "audit_events",
        "alerts",
        "data_subject_requests",
        "restrictions",
        "legal_holds",
    ]
    case = document["cases"][0]
    assert case["case"]["opened_at"] == "2026-12-01T10:00:00+01:00"
    assert case["case"]["service"] == "emergency"
    assert case["sections"][0]["answers"] == {"situazione": "Risposta ALFA"}
    assert case["sessions"][0]["participants"] == ["psicologa"]
