"""Everything the desk holds on one person, gathered for the DPO (the right of access, Art. 15
GDPR, and the check before an erasure).

The person is reached only through their own rows: their cases, the contacts linked to those
cases, what hangs from each, and the log rows naming those cases and contacts. Nothing is
found by a search on names or numbers, which could reach a namesake or a shared telephone.

Reading this decrypts health data: callers log the read (sportello.privacy.subject_export)."""

from dataclasses import dataclass, field

from django.db.models import Q

from sportello.alerts.models import Alert
from sportello.appointments.models import Appointment, Message, OfferedSlot, SlotOffer
from sportello.cases.models import (
    BreakGlassGrant,
    Case,
    CaseSection,
    CaseTransfer,
    Consent,
    Person,
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
from sportello.triage.models import Escalation, FollowUp, ProtocolAction, Screening


@dataclass
class AppointmentRecords:
    appointment: Appointment
    messages: list[Message] = field(default_factory=list)


@dataclass
class OfferRecords:
    offer: SlotOffer
    slots: list[OfferedSlot] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)


@dataclass
class CaseRecords:
    case: Case
    sections: list[CaseSection] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    transfers: list[CaseTransfer] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    break_glass_grants: list[BreakGlassGrant] = field(default_factory=list)
    appointments: list[AppointmentRecords] = field(default_factory=list)
    slot_offers: list[OfferRecords] = field(default_factory=list)


@dataclass
class ContactRecords:
    contact: Contact
    windows: list[CallbackWindow] = field(default_factory=list)
    attempts: list[CallAttempt] = field(default_factory=list)
    screenings: list[Screening] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    protocol_actions: list[ProtocolAction] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    events: list[ContactEvent] = field(default_factory=list)


@dataclass
class PersonRecords:
    person: Person
    cases: list[CaseRecords] = field(default_factory=list)
    contacts: list[ContactRecords] = field(default_factory=list)
    # Who read and who changed their data: metadata, never the content.
    access_log: list[AccessLog] = field(default_factory=list)
    audit_events: list[AuditEvent] = field(default_factory=list)
    # Alerts to staff about their case, referrals, appointments or escalations.
    alerts: list[Alert] = field(default_factory=list)
    data_subject_requests: list[DataSubjectRequest] = field(default_factory=list)
    restrictions: list[ProcessingRestriction] = field(default_factory=list)
    legal_holds: list[LegalHold] = field(default_factory=list)

    @property
    def case_ids(self) -> list[int]:
        return [records.case.pk for records in self.cases]

    @property
    def contact_ids(self) -> list[int]:
        return [records.contact.pk for records in self.contacts]


def _grouped(rows: list, key: str) -> dict[int, list]:  # type: ignore[type-arg]
    by_owner: dict[int, list] = {}  # type: ignore[type-arg]
    for row in rows:
        by_owner.setdefault(getattr(row, key), []).append(row)
    return by_owner


def _case_records(cases: list[Case]) -> list[CaseRecords]:
    ids = [case.pk for case in cases]
    sections = _grouped(list(CaseSection.objects.filter(case_id__in=ids).order_by("pk")), "case_id")
    sessions = _grouped(
        list(
            Session.objects.filter(case_id__in=ids)
            .prefetch_related("participants")
            .order_by("held_at", "pk")
        ),
        "case_id",
    )
    consents = _grouped(
        list(Consent.objects.filter(case_id__in=ids).order_by("given_at", "pk")), "case_id"
    )
    transfers = _grouped(
        list(CaseTransfer.objects.filter(case_id__in=ids).order_by("at", "pk")), "case_id"
    )
    referrals = _grouped(
        list(
            Referral.objects.filter(case_id__in=ids)
            .select_related("to_service")
            .order_by("created_at", "pk")
        ),
        "case_id",
    )
    grants = _grouped(
        list(BreakGlassGrant.objects.filter(case_id__in=ids).order_by("at", "pk")), "case_id"
    )
    appointments = list(Appointment.objects.filter(case_id__in=ids).order_by("starts_at", "pk"))
    offers = list(SlotOffer.objects.filter(case_id__in=ids).order_by("created_at", "pk"))
    messages = list(
        Message.objects.filter(
            Q(appointment_id__in=[a.pk for a in appointments])
            | Q(offer_id__in=[o.pk for o in offers])
        ).order_by("created_at", "pk")
    )
    by_appointment = _grouped([m for m in messages if m.appointment_id], "appointment_id")
    by_offer = _grouped([m for m in messages if not m.appointment_id], "offer_id")
    slots = _grouped(
        list(OfferedSlot.objects.filter(offer_id__in=[o.pk for o in offers]).order_by("pk")),
        "offer_id",
    )
    appointments_by_case: dict[int, list[AppointmentRecords]] = {}
    for appointment in appointments:
        appointments_by_case.setdefault(appointment.case_id, []).append(
            AppointmentRecords(appointment, by_appointment.get(appointment.pk, []))
        )
    offers_by_case: dict[int, list[OfferRecords]] = {}
    for offer in offers:
        offers_by_case.setdefault(offer.case_id, []).append(
            OfferRecords(offer, slots.get(offer.pk, []), by_offer.get(offer.pk, []))
        )
    return [
        CaseRecords(
            case=case,
            sections=sections.get(case.pk, []),
            sessions=sessions.get(case.pk, []),
            consents=consents.get(case.pk, []),
            transfers=transfers.get(case.pk, []),
            referrals=referrals.get(case.pk, []),
            break_glass_grants=grants.get(case.pk, []),
            appointments=appointments_by_case.get(case.pk, []),
            slot_offers=offers_by_case.get(case.pk, []),
        )
        for case in cases
    ]


def _contact_records(contacts: list[Contact]) -> list[ContactRecords]:
    ids = [contact.pk for contact in contacts]

    def of(model: type, order: tuple[str, ...]) -> dict[int, list]:  # type: ignore[type-arg]
        return _grouped(
            list(model.objects.filter(contact_id__in=ids).order_by(*order)), "contact_id"
        )

    windows = of(CallbackWindow, ("starts_at", "pk"))
    attempts = of(CallAttempt, ("at", "pk"))
    screenings = _grouped(
        list(
            Screening.objects.filter(contact_id__in=ids)
            .prefetch_related("target_groups", "reasons")
            .order_by("at", "pk")
        ),
        "contact_id",
    )
    follow_ups = of(FollowUp, ("due_at", "pk"))
    actions = of(ProtocolAction, ("recorded_at", "pk"))
    escalations = of(Escalation, ("raised_at", "pk"))
    events = of(ContactEvent, ("seq",))
    return [
        ContactRecords(
            contact=contact,
            windows=windows.get(contact.pk, []),
            attempts=attempts.get(contact.pk, []),
            screenings=screenings.get(contact.pk, []),
            follow_ups=follow_ups.get(contact.pk, []),
            protocol_actions=actions.get(contact.pk, []),
            escalations=escalations.get(contact.pk, []),
            events=events.get(contact.pk, []),
        )
        for contact in contacts
    ]


def _as_strings(ids: list[int]) -> list[str]:
    return [str(pk) for pk in ids]


def _alerts(records: PersonRecords) -> list[Alert]:
    about = {
        "case": records.case_ids,
        "cases.referral": [r.pk for c in records.cases for r in c.referrals],
        "appointments.appointment": [
            a.appointment.pk for c in records.cases for a in c.appointments
        ],
        "escalation": [e.pk for c in records.contacts for e in c.escalations],
    }
    wanted = Q(pk__in=[])
    for about_type, ids in about.items():
        if ids:
            wanted |= Q(about_type=about_type, about_id__in=_as_strings(ids))
    return list(Alert.objects.filter(wanted).order_by("created_at", "pk"))


def records_about(person: Person) -> PersonRecords:
    """Every row held on the person, grouped as the desk keeps them, oldest first."""
    person = Person.objects.select_related("preferred_language").get(pk=person.pk)
    cases = list(
        Case.objects.filter(person=person)
        .select_related("service", "programme", "primary_professional", "opened_by")
        .prefetch_related("team", "contacts")
        .order_by("opened_at", "pk")
    )
    contact_ids = {contact.pk for case in cases for contact in case.contacts.all()}
    contact_ids |= {case.opened_from_id for case in cases if case.opened_from_id}
    contacts = list(
        Contact.objects.filter(pk__in=contact_ids)
        .select_related("service", "programme")
        .order_by("received_at", "pk")
    )
    records = PersonRecords(
        person=person, cases=_case_records(cases), contacts=_contact_records(contacts)
    )
    case_ids, contact_ids_list = records.case_ids, records.contact_ids
    screening_ids = [s.pk for c in records.contacts for s in c.screenings]
    # A contact shared with another person's case: its rows that name that case are theirs.
    not_another_case = Q(case_id__isnull=True) | Q(case_id__in=case_ids)
    read = Q(case_id__in=case_ids) | Q(object_type="person", object_id=str(person.pk))
    if contact_ids_list:
        read |= not_another_case & Q(
            object_type="contact", object_id__in=_as_strings(contact_ids_list)
        )
    if screening_ids:
        read |= not_another_case & Q(
            object_type="screening", object_id__in=_as_strings(screening_ids)
        )
    records.access_log = list(AccessLog.objects.filter(read).order_by("seq"))
    changed = (
        Q(case_id__in=case_ids)
        | (not_another_case & Q(contact_id__in=contact_ids_list))
        | Q(object_type="person", object_id=str(person.pk))
    )
    records.audit_events = list(AuditEvent.objects.filter(changed).order_by("seq"))
    records.alerts = _alerts(records)
    records.data_subject_requests = list(
        DataSubjectRequest.objects.filter(person=person).order_by("received_at", "pk")
    )
    records.restrictions = list(
        ProcessingRestriction.objects.filter(person=person).order_by("since", "pk")
    )
    records.legal_holds = list(LegalHold.objects.filter(person=person).order_by("placed_at", "pk"))
    return records
