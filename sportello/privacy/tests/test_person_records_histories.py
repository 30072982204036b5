"""A person's full history across every app, built for the DPO's tests (no tests here).

Every free text and identifier written for a person carries their tag ("ALFA", "BETA"), so a
test can tell whose data an export holds. Two histories share the professional, the
coordinator, the service and the directory service: only the person separates them."""

import datetime
import json
from dataclasses import dataclass, field

from django.db import transaction

from sportello.accounts.models import User
from sportello.appointments.models import Appointment, Message, OfferedSlot, SlotOffer
from sportello.cases import operations as cases
from sportello.cases.models import Case, CaseSection, CaseTransfer, Person, Referral
from sportello.directory.models import Organization
from sportello.directory.models import Service as DirectoryService
from sportello.intake import operations as intake
from sportello.intake.models import CallAttempt, CallbackWindow, Contact
from sportello.privacy import subject_requests
from sportello.privacy.models import ProcessingRestriction
from sportello.privacy.operations import record_access
from sportello.services.models import Service, TargetGroup
from sportello.testing import rome
from sportello.triage import operations as triage
from sportello.triage.models import ContactReason, Escalation
from sportello.triage.risk_rules import Answers

TUESDAY_10 = rome(2026, 12, 1, 10, 0)
HIGH_RISK = Answers(wish_dead=True, suicidal_thoughts=True, plan=True)


@dataclass
class Staff:
    professional: User
    outsider: User
    coordinator: User
    dpo: User
    directory_service: DirectoryService


@dataclass
class History:
    tag: str
    person: Person
    case: Case
    contact: Contact
    phone: str
    email: str
    # Texts only this person's records hold (decrypted, as an export shows them).
    texts: list[str] = field(default_factory=list)


def shared_staff(make_staff, frozen_now) -> Staff:
    """The staff both people meet (call from a fixture that has `milan`)."""
    frozen_now(TUESDAY_10)
    organization = Organization.objects.create(name="ASST Santi Paolo e Carlo")
    return Staff(
        professional=make_staff(
            "professional", "psicologa", competences=("clinical_psychology", "crisis_intervention")
        ),
        outsider=make_staff("professional", "collega"),
        coordinator=make_staff("coordinator", "coordina"),
        dpo=make_staff("dpo", "dpo"),
        directory_service=DirectoryService.objects.create(
            organization=organization,
            name="Centro psico-sociale Zona 5",
            email="cps5@example.org",
            last_modified=rome(2026, 1, 1, 9, 0),
        ),
    )


def build_history(staff: Staff, make_contact, tag: str, number: int) -> History:
    """Contact, triage, case, sessions, consent, section, transfer, referral, break-glass,
    appointment with its messages, an offer of slots, reads in the access log, a request, a
    legal hold and a lifted restriction: one of each, for the person tagged ``tag``."""
    prof, at = staff.professional, TUESDAY_10
    phone, email = f"+3933312345{number:02d}", f"{tag.lower()}@example.org"
    texts = [f"Chiamante {tag}", f"Motivo {tag}", f"Persona {tag}", f"Obiettivi {tag}"]
    contact = make_contact(
        at, caller_number=phone, caller_name=texts[0], reason=texts[1], email=email
    )
    intake.take_contact(prof, contact.pk)
    intake.start_conversation(prof, contact.pk)
    screening = triage.record_screening(
        prof,
        contact.pk,
        triage.ScreeningInput(
            answers=HIGH_RISK,
            target_groups=(TargetGroup.objects.order_by("position").first(),),
            reasons=(ContactReason.objects.order_by("pk").first(),),
            location=f"Luogo {tag}",
            notes=f"Nota del triage {tag}",
        ),
    )
    triage.schedule_follow_up(
        prof, contact.pk, due_at=at + datetime.timedelta(hours=2), note=f"Ricontatto {tag}"
    )
    triage.record_safety_plan(prof, contact.pk, note=f"Piano di sicurezza {tag}")
    # A high-risk screening raises its escalation by itself.
    assert Escalation.objects.filter(screening=screening).exists()
    CallbackWindow.objects.create(
        contact=contact, starts_at=at, ends_at=at + datetime.timedelta(hours=1)
    )
    CallAttempt.objects.create(
        contact=contact, at=at, by=prof, outcome="no_answer", note=f"Tentativo {tag}"
    )
    texts += [f"Luogo {tag}", f"Nota del triage {tag}", f"Ricontatto {tag}", f"Tentativo {tag}"]
    texts.append(f"Piano di sicurezza {tag}")

    case = cases.open_case(
        prof,
        contact.pk,
        person_data=cases.PersonData(full_name=f"Persona {tag}", phone=phone, email=email),
        goals=f"Obiettivi {tag}",
        anonymous=False,
    )
    cases.record_session(
        prof,
        case.pk,
        held_at=at,
        mode="phone",
        duration_minutes=30,
        participant_ids=[prof.pk],
        other_participants=f"Familiare {tag}",
        notes=f"Note del colloquio {tag}",
        next_steps=f"Prossimi passi {tag}",
    )
    cases.record_consent(prof, case.pk, given_how="verbal_phone", given_at=at)
    texts += [f"Familiare {tag}", f"Note del colloquio {tag}", f"Prossimi passi {tag}"]
    emergency, victims = Service.objects.get(code="emergency"), Service.objects.get(code="victims")
    CaseSection.objects.create(
        case=case,
        service=emergency,
        answers=json.dumps({"situazione": f"Risposta {tag}"}),
        updated_at=at,
        updated_by=prof,
    )
    CaseTransfer.objects.create(
        case=case,
        from_service=emergency,
        to_service=victims,
        at=at,
        by=prof,
        reason=f"Trasferimento {tag}",
    )
    Referral.objects.create(
        case=case,
        to_service=staff.directory_service,
        reason=f"Invio {tag}",
        summary=f"Sintesi {tag}",
        consent_at=at,
        created_by=prof,
        created_at=at,
    )
    cases.break_glass(staff.outsider, case.pk, f"Urgenza notturna per {tag}, reperibile", None)
    texts += [f"Risposta {tag}", f"Trasferimento {tag}", f"Invio {tag}", f"Sintesi {tag}"]
    texts.append(f"Urgenza notturna per {tag}")

    # The same professional sees both people: their appointments must not overlap.
    starts = at + datetime.timedelta(days=1, hours=number)
    appointment = Appointment.objects.create(
        case=case,
        professional=prof,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=45),
        channel="phone",
        booked_by=prof,
        booked_at=at,
    )
    Message.objects.create(
        appointment=appointment,
        kind="confirmation",
        medium="sms",
        recipient=phone,
        dedup_key=f"confirmation-{tag}",
        created_at=at,
    )
    offer = SlotOffer.objects.create(
        case=case,
        channel="phone",
        created_by=prof,
        created_at=at,
        expires_at=at + datetime.timedelta(days=2),
        key=f"key{tag}",
    )
    OfferedSlot.objects.create(
        offer=offer,
        professional=prof,
        starts_at=starts + datetime.timedelta(days=1),
        ends_at=starts + datetime.timedelta(days=1, minutes=45),
    )
    Message.objects.create(
        offer=offer,
        kind="offer",
        medium="email",
        recipient=email,
        dedup_key=f"offer-{tag}",
        created_at=at,
    )
    with transaction.atomic():
        record_access(
            None,
            prof,
            object_type="case",
            object_id=case.pk,
            case_id=case.pk,
            purpose=f"lettura {tag}",
        )
        record_access(
            None, prof, object_type="contact", object_id=contact.pk, purpose=f"scheda {tag}"
        )
    texts += [f"lettura {tag}", f"scheda {tag}"]
    person = Person.objects.get(pk=case.person_id)
    subject_requests.register_request(
        staff.dpo, "access", f"Richiedente {tag}", f"Chiede copia {tag}", person=person
    )
    subject_requests.place_legal_hold(person, f"Ordine del giudice {tag}", staff.dpo)
    ProcessingRestriction.objects.create(person=person, since=at, lifted_at=at)
    texts += [f"Richiedente {tag}", f"Chiede copia {tag}"]
    contact.refresh_from_db()
    return History(tag, person, case, contact, phone, email, texts)
