"""Erasing and pseudonymising everything held about a person (sportello.privacy.erasure)."""

import datetime
import itertools
import json
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sportello.appointments.models import Appointment, Message, SlotOffer
from sportello.cases.models import (
    BreakGlassGrant,
    Case,
    CaseSection,
    CaseTransfer,
    Consent,
    Person,
    Referral,
    Session,
    name_lookup_of,
    new_pseudonym,
)
from sportello.directory.models import Organization
from sportello.directory.models import Service as DirectoryService
from sportello.field_encryption import decrypt, encrypted_columns
from sportello.intake.models import CallAttempt, CallbackWindow, Contact, ContactEvent
from sportello.privacy import erasure
from sportello.privacy.chained_logs import append
from sportello.privacy.models import AccessLog, AuditEvent, ErasureRecord, LegalHold
from sportello.services.models import Service
from sportello.testing import rome
from sportello.triage.models import FollowUp, ProtocolAction, Screening

NOW = rome(2026, 12, 3, 16, 0)
_serial = itertools.count(1)


@dataclass
class PersonRecord:
    """Everything one factory call made about one person (the tag is in every text)."""

    tag: str
    person: Person
    cases: list[Case]
    contacts: list[Contact] = field(default_factory=list)


def _directory_service() -> DirectoryService:
    organization = Organization.objects.get_or_create(name="ATS Milano")[0]
    return DirectoryService.objects.get_or_create(
        organization=organization,
        name="Centro psicosociale",
        defaults={"last_modified": NOW},
    )[0]


def make_contact_record(
    staff, *, tag: str, at: datetime.datetime, closed_at: datetime.datetime | None = None
) -> Contact:
    """A contact with every personal column filled, a callback window, an attempt, a screening,
    a follow-up, a protocol action and an event in the contacts' chained log."""
    number = next(_serial)
    contact = Contact.objects.create(
        reference=f"SP-T-{number:06d}",
        channel="web_callback",
        service=Service.objects.get(code="emergency"),
        received_at=at,
        caller_number=f"+39 02 {tag} tel",
        caller_number_lookup=f"lookup{tag}"[:64],
        email=f"{tag.lower()}@example.org",
        caller_name=f"{tag} nome del chiamante",
        reason=f"{tag} motivo del contatto",
        external_call_id=f"call-{tag}",
        status="closed" if closed_at else "waiting",
        status_changed_at=closed_at or at,
        closed_at=closed_at,
        close_reason="completed" if closed_at else "",
        failed_attempts=1,
    )
    CallbackWindow.objects.create(
        contact=contact, starts_at=at, ends_at=at + datetime.timedelta(hours=1)
    )
    CallAttempt.objects.create(
        contact=contact, at=at, by=staff, outcome="reached", note=f"{tag} nota del tentativo"
    )
    screening = Screening.objects.create(
        contact=contact,
        at=at,
        by=staff,
        instrument_version="2026.1",
        answers=json.dumps({"wish_dead": True, "said": f"{tag} risposte"}),
        findings=json.dumps([f"{tag}-finding"]),
        computed_level=3,
        level=4,
        override_justification=f"{tag} motivazione",
        location=f"{tag} via Roma 1",
        notes=f"{tag} note della valutazione",
    )
    follow_up = FollowUp.objects.create(
        contact=contact,
        due_at=at + datetime.timedelta(hours=3),
        assigned_to=staff,
        created_at=at,
        created_by=staff,
        note=f"{tag} nota del ricontatto",
    )
    ProtocolAction.objects.create(
        contact=contact,
        screening=screening,
        kind="emergency_services",
        recorded_at=at,
        recorded_by=staff,
        called_at=at,
        called_by=f"{tag} chi ha chiamato",
        incident_number=f"INC-{tag}",
        follow_up=follow_up,
        note=f"{tag} nota del protocollo",
    )
    append(
        ContactEvent,
        contact=contact,
        at=at,
        actor=staff,
        actor_label=staff.username,
        action="registered",
        to_status=contact.status,
    )
    return contact


def make_person_record(
    staff,
    *,
    tag: str,
    at: datetime.datetime = NOW - datetime.timedelta(days=30),
    closed_at: datetime.datetime | None = None,
    slot: int = 0,
) -> PersonRecord:
    """A person with one case holding one of everything; `slot` keeps two persons'
    appointments with the same professional from overlapping."""
    person = Person.objects.create(
        pseudonym=new_pseudonym(),
        identified=True,
        full_name=f"{tag} Rossi",
        name_lookup=name_lookup_of(f"{tag} Rossi"),
        birth_year=1980,
        municipio=3,
        phone=f"+39 333 {tag}",
        email=f"{tag.lower()}.persona@example.org",
        safe_to_message=True,
        created_at=at,
    )
    opened_from = make_contact_record(staff, tag=tag, at=at, closed_at=at)
    linked = make_contact_record(staff, tag=tag, at=at + datetime.timedelta(days=1), closed_at=at)
    case = Case.objects.create(
        reference=f"PC-T-{next(_serial):06d}",
        person=person,
        service=Service.objects.get(code="emergency"),
        opened_from=opened_from,
        primary_professional=staff,
        goals=f"{tag} obiettivi",
        status="closed" if closed_at else "open",
        outcome="goals_reached" if closed_at else "",
        closed_at=closed_at,
        opened_at=at,
        opened_by=staff,
    )
    case.contacts.add(opened_from, linked)
    CaseTransfer.objects.create(
        case=case,
        from_service=Service.objects.get(code="emergency"),
        to_service=Service.objects.get(code="victims"),
        at=at,
        by=staff,
        reason=f"{tag} motivo del trasferimento",
    )
    CaseSection.objects.create(
        case=case,
        service=Service.objects.get(code="emergency"),
        answers=json.dumps({"history": f"{tag} storia"}),
        updated_at=at,
        updated_by=staff,
    )
    Session.objects.create(
        case=case,
        held_at=at,
        mode="phone",
        duration_minutes=45,
        other_participants=f"{tag} la sorella",
        notes=f"{tag} note del colloquio",
        next_steps=f"{tag} prossimi passi",
        recorded_by=staff,
        recorded_at=at,
    )
    Consent.objects.create(
        case=case, given_how="verbal_phone", given_at=at, given_to=staff, text_version="v1"
    )
    BreakGlassGrant.objects.create(
        user=staff,
        case=case,
        reason=f"{tag} motivo dell'accesso",
        at=at,
        expires_at=at + datetime.timedelta(hours=1),
    )
    Referral.objects.create(
        case=case,
        to_service=_directory_service(),
        reason=f"{tag} motivo dell'invio",
        summary=f"{tag} sintesi",
        letter_body=json.dumps([["Persona", f"{tag} lettera"]]),
        consent_at=at,
        status="refused",
        created_by=staff,
        created_at=at,
        refusal_reason=f"{tag} rifiuto",
        close_note=f"{tag} chiusura",
    )
    starts = at + datetime.timedelta(days=2, hours=slot)
    appointment = Appointment.objects.create(
        case=case,
        professional=staff,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=45),
        channel="phone",
        status="cancelled",
        booked_at=at,
        cancelled_at=at,
        cancel_reason=f"{tag} motivo dell'annullamento",
        key=f"key{tag}"[:32],
    )
    offer = SlotOffer.objects.create(
        case=case,
        channel="phone",
        created_by=staff,
        created_at=at,
        expires_at=at + datetime.timedelta(days=3),
        key=f"offer{tag}"[:32],
    )
    for about in ({"appointment": appointment}, {"offer": offer}):
        Message.objects.create(
            **about,
            kind="confirmation",
            medium="email",
            recipient=f"{tag.lower()}.persona@example.org",
            dedup_key=f"msg-{next(_serial)}",
            status="sent",
            created_at=at,
            sent_at=at,
        )
    return PersonRecord(tag=tag, person=person, cases=[case], contacts=[opened_from, linked])


def decrypted_texts() -> list[str]:
    """Every encrypted value stored anywhere, decrypted (what a thief with the key would read)."""
    texts = []
    with connection.cursor() as cursor:
        for model, column in encrypted_columns():
            quote = connection.ops.quote_name
            cursor.execute(f"SELECT {quote(column)} FROM {quote(model._meta.db_table)}")  # noqa: S608
            texts.extend(decrypt(value) for (value,) in cursor.fetchall() if value)
    return texts


def plain_texts_of(model) -> list[str]:
    """Every value of every column of a model, as stored (for the registers, which hold no
    encrypted text)."""
    return [str(value) for row in model.objects.values_list() for value in row]


def mentions(tag: str) -> int:
    return sum(tag in text for text in decrypted_texts())


@pytest.fixture
def staff(milan, make_staff):
    return make_staff("professional")


@pytest.fixture
def dpo(milan, make_staff):
    return make_staff("dpo")


@pytest.fixture
def two_persons(staff, frozen_now):
    frozen_now(NOW)
    return (
        make_person_record(staff, tag="ALFAQX", slot=0),
        make_person_record(staff, tag="BETAQX", slot=3),
    )


def test_after_erasure_no_encrypted_value_anywhere_holds_the_persons_text(two_persons, dpo):
    alfa, _beta = two_persons
    assert mentions("alfaqx") + mentions("ALFAQX") > 20  # the factory really wrote them

    erasure.erase_person(alfa.person, reason="Richiesta di cancellazione", by=dpo)

    assert mentions("ALFAQX") == 0 and mentions("alfaqx") == 0
    person = Person.objects.get(pk=alfa.person.pk)
    assert (person.full_name, person.phone, person.email, person.name_lookup) == ("", "", "", "")
    assert not person.identified and person.no_messages and not person.safe_to_message
    assert (person.birth_year, person.municipio) == (None, None)
    for contact in Contact.objects.filter(pk__in=[c.pk for c in alfa.contacts]):
        assert contact.caller_number_lookup == "" and contact.external_call_id == ""
    appointment = Appointment.objects.get(case__person=alfa.person)
    assert appointment.key == ""
    assert SlotOffer.objects.get(case__person=alfa.person).key == ""


def test_another_persons_data_is_untouched(two_persons, dpo):
    alfa, beta = two_persons
    before = sorted(text for text in decrypted_texts() if "BETAQX" in text or "betaqx" in text)
    person_before = Person.objects.filter(pk=beta.person.pk).values().get()

    erasure.erase_person(alfa.person, reason="Richiesta di cancellazione", by=dpo)

    after = sorted(text for text in decrypted_texts() if "BETAQX" in text or "betaqx" in text)
    assert after == before and len(before) > 20
    assert Person.objects.filter(pk=beta.person.pk).values().get() == person_before
    assert Message.objects.filter(appointment__case__person=beta.person).count() == 1
    assert CaseSection.objects.filter(case__person=beta.person).count() == 1
    assert CallbackWindow.objects.filter(contact__in=beta.contacts).count() == 2


def test_the_statistical_skeleton_stays_and_personal_only_rows_go(two_persons, dpo):
    alfa, _beta = two_persons
    contact_ids = [contact.pk for contact in alfa.contacts]
    skeleton = list(
        Contact.objects.filter(pk__in=contact_ids)
        .order_by("pk")
        .values("channel", "service", "received_at", "status", "closed_at", "close_reason")
    )

    erasure.erase_person(alfa.person, reason="Richiesta di cancellazione", by=dpo)

    assert (
        list(
            Contact.objects.filter(pk__in=contact_ids)
            .order_by("pk")
            .values("channel", "service", "received_at", "status", "closed_at", "close_reason")
        )
        == skeleton
    )
    case = alfa.cases[0]
    assert Session.objects.filter(case=case, duration_minutes=45, mode="phone").count() == 1
    assert Screening.objects.filter(contact__in=contact_ids, level=4).count() == 2
    assert CallAttempt.objects.filter(contact__in=contact_ids, outcome="reached").count() == 2
    assert Referral.objects.filter(case=case, status="refused").count() == 1
    assert Consent.objects.filter(case=case).count() == 1
    assert not CaseSection.objects.filter(case=case).exists()
    assert not Message.objects.filter(appointment__case=case).exists()
    assert not Message.objects.filter(offer__case=case).exists()
    assert not CallbackWindow.objects.filter(contact__in=contact_ids).exists()


def test_counts_are_returned_and_recorded_without_the_data(two_persons, dpo):
    alfa, _beta = two_persons
    counts = erasure.erase_person(alfa.person, reason="Art. 17, richiesta del 1/12", by=dpo)

    assert counts == {
        "appointment": 1,
        "break_glass_grant": 1,
        "call_attempt": 2,
        "callback_window": 2,
        "case": 1,
        "case_section": 1,
        "case_transfer": 1,
        "consent": 1,
        "contact": 2,
        "follow_up": 2,
        "message": 2,
        "person": 1,
        "protocol_action": 2,
        "referral": 1,
        "screening": 2,
        "session": 1,
        "slot_offer": 1,
    }
    records = {
        (record.record_kind, record.action): record.count for record in ErasureRecord.objects.all()
    }
    assert records[("person", "erased")] == 1
    assert records[("message", "erased")] == 2
    assert records[("consent", "kept")] == 1
    assert {kind for kind, _action in records} == set(counts)
    assert all(
        record.by == dpo and record.reason == "Art. 17, richiesta del 1/12" and record.at == NOW
        for record in ErasureRecord.objects.all()
    )
    for register in (ErasureRecord, AuditEvent):
        assert not any("ALFAQX" in text or "alfaqx" in text for text in plain_texts_of(register))
    audit = AuditEvent.objects.get(action="person_erased")
    assert audit.object_id == str(alfa.person.pk) and audit.detail["counts"] == counts


def test_pseudonymising_keeps_birth_year_and_municipio_and_records_pseudonymised(two_persons, dpo):
    alfa, _beta = two_persons
    erasure.pseudonymise_person(alfa.person, reason="Conservazione scaduta", by=dpo)

    person = Person.objects.get(pk=alfa.person.pk)
    assert (person.birth_year, person.municipio, person.full_name) == (1980, 3, "")
    assert mentions("ALFAQX") == 0 and mentions("alfaqx") == 0
    actions = dict(ErasureRecord.objects.values_list("record_kind", "action"))
    assert actions["person"] == actions["session"] == "pseudonymised"
    assert actions["message"] == "erased" and actions["consent"] == "kept"


def test_the_chained_logs_are_never_touched(two_persons, dpo):
    alfa, _beta = two_persons
    events = list(ContactEvent.objects.order_by("seq").values())
    audits = list(AuditEvent.objects.order_by("seq").values())
    accesses = list(AccessLog.objects.order_by("seq").values())

    erasure.erase_person(alfa.person, reason="Richiesta di cancellazione", by=dpo)

    assert list(ContactEvent.objects.order_by("seq").values()) == events and len(events) == 4
    assert list(AuditEvent.objects.order_by("seq").values())[: len(audits)] == audits
    assert AuditEvent.objects.count() == len(audits) + 1  # the erasure's own row, appended
    assert list(AccessLog.objects.order_by("seq").values()) == accesses


def test_an_active_legal_hold_refuses_and_writes_nothing(two_persons, dpo):
    alfa, _beta = two_persons
    LegalHold.objects.create(
        person=alfa.person, reason="Procedimento penale", placed_at=NOW, placed_by=dpo
    )
    before = mentions("ALFAQX")
    audits = AuditEvent.objects.count()

    with pytest.raises(erasure.LegalHoldActive) as refused:
        erasure.erase_person(alfa.person, reason="Richiesta di cancellazione", by=dpo)

    assert "vincolo di conservazione" in refused.value.messages[0]
    assert alfa.person.pseudonym in refused.value.messages[0]
    assert mentions("ALFAQX") == before
    assert not ErasureRecord.objects.exists() and AuditEvent.objects.count() == audits


def test_a_lifted_legal_hold_no_longer_refuses(two_persons, dpo):
    alfa, _beta = two_persons
    LegalHold.objects.create(
        person=alfa.person,
        reason="Procedimento chiuso",
        placed_at=NOW - datetime.timedelta(days=90),
        placed_by=dpo,
        lifted_at=NOW - datetime.timedelta(days=1),
        lifted_by=dpo,
    )
    erasure.pseudonymise_person(alfa.person, reason="Conservazione scaduta", by=dpo)
    assert mentions("ALFAQX") == 0


def test_a_reason_is_required_and_without_it_nothing_is_written(two_persons, dpo):
    alfa, _beta = two_persons
    with pytest.raises(ValidationError) as refused:
        erasure.erase_person(alfa.person, reason="  ", by=dpo)
    assert refused.value.messages == [
        "Indica il motivo della cancellazione: resta scritto nel registro."
    ]
    assert Person.objects.get(pk=alfa.person.pk).full_name == "ALFAQX Rossi"
    assert not ErasureRecord.objects.exists()


def test_erasing_twice_finds_nothing_left_to_read(two_persons, dpo):
    alfa, _beta = two_persons
    erasure.erase_person(alfa.person, reason="Richiesta di cancellazione", by=dpo)
    again = erasure.erase_person(alfa.person, reason="Richiesta ripetuta", by=dpo)
    # The skeleton rows are counted again, the deleted ones are gone.
    assert "message" not in again and "case_section" not in again
    assert again["contact"] == 2 and mentions("ALFAQX") == 0


def test_the_holds_personal_data_conditions_follow_erasure(two_persons, dpo):
    alfa, beta = two_persons
    holding = Contact.objects.filter(erasure.contact_holds_personal_data())
    cases_holding = Case.objects.filter(erasure.case_holds_personal_data())
    assert holding.count() == 4 and cases_holding.count() == 2

    erasure.erase_person(alfa.person, reason="Richiesta di cancellazione", by=dpo)

    assert set(holding.all()) == set(beta.contacts)
    assert list(cases_holding.all()) == beta.cases


def test_an_anonymous_contact_with_only_a_screening_note_still_holds_data(staff, frozen_now):
    frozen_now(NOW)
    contact = make_contact_record(staff, tag="GAMMAQX", at=NOW, closed_at=NOW)
    Contact.objects.filter(pk=contact.pk).update(**dict.fromkeys(erasure.CONTACT_FIELDS, ""))
    for model in (CallAttempt, FollowUp):
        model.objects.update(note="")
    ProtocolAction.objects.update(note="", incident_number="", called_by="")
    Screening.objects.update(answers="", findings="", override_justification="", location="")
    assert Contact.objects.filter(erasure.contact_holds_personal_data()).count() == 1
    Screening.objects.update(notes="")
    assert not Contact.objects.filter(erasure.contact_holds_personal_data()).exists()


def _raw_statistics():
    from sportello.reports.queries import Scope, dashboard_tables

    scope = Scope(first_day=(NOW - datetime.timedelta(days=40)).date(), last_day=NOW.date())
    return [
        (table.key, table.row_labels, table.column_labels, table.counts)
        for table in dashboard_tables(scope, source="raw")
    ]


def test_the_statistics_are_the_same_after_erasure(two_persons, dpo):
    alfa, beta = two_persons
    before = _raw_statistics()
    assert any(any(any(row) for row in counts) for _key, _rows, _columns, counts in before)

    erasure.erase_person(alfa.person, reason="Richiesta di cancellazione", by=dpo)
    erasure.pseudonymise_person(beta.person, reason="Conservazione scaduta", by=dpo)

    assert _raw_statistics() == before
