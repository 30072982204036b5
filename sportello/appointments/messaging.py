"""Which messages an appointment or an offer gives rise to, and to whom: rows written in the
caller's transaction, each sent by a Celery task once the transaction commits.

A person gets messages only when it is safe (the professional confirmed it) and they have not
asked to be left alone; otherwise no row is written and the professional calls instead."""

from __future__ import annotations

from django.db import transaction

from sportello.appointments.models import (
    Appointment,
    Medium,
    Message,
    MessageKind,
    SlotOffer,
)
from sportello.cases.models import Case, Person
from sportello.services import queries as catalogue

MESSAGE_LANGUAGES = ("it", "en")


def may_message(person: Person) -> bool:
    return person.safe_to_message and not person.no_messages and bool(person.email or person.phone)


def language_of(case: Case) -> str:
    """The person's language if we write it, else the language they reached us in, else Italian."""
    person = case.person
    if person.preferred_language_id and person.preferred_language.code in MESSAGE_LANGUAGES:
        return person.preferred_language.code
    contact = case.opened_from
    if contact is not None and contact.language in MESSAGE_LANGUAGES:
        return contact.language
    return "it"


def addresses(person: Person) -> list[tuple[str, str]]:
    found = []
    if person.email:
        found.append((Medium.EMAIL.value, person.email))
    if person.phone:
        found.append((Medium.SMS.value, person.phone))
    return found


def _write(
    case: Case,
    key: str,
    kind: str,
    *,
    appointment: Appointment | None = None,
    offer: SlotOffer | None = None,
    lead_minutes: int = 0,
) -> list[Message]:
    person = case.person
    if not may_message(person):
        return []
    written = []
    now = catalogue.now()
    language = language_of(case)
    for medium, recipient in addresses(person):
        message, created = Message.objects.get_or_create(
            dedup_key=f"{key}:{kind}:{lead_minutes}:{medium}",
            defaults={
                "appointment": appointment,
                "offer": offer,
                "kind": kind,
                "medium": medium,
                "lead_minutes": lead_minutes,
                "recipient": recipient,
                "language": language,
                "created_at": now,
            },
        )
        if created:
            written.append(message)
            _send_after_commit(message.pk)
    return written


def _send_after_commit(message_id: int) -> None:
    from sportello.appointments import tasks

    transaction.on_commit(lambda: tasks.send_message.delay(message_id))


def announce(appointment: Appointment, kind: str, *, lead_minutes: int = 0) -> list[Message]:
    """The messages about an appointment (confirmation, reminder, move, cancellation)."""
    if kind not in MessageKind.values or kind == MessageKind.OFFER:
        raise ValueError(f"not an appointment message: {kind!r}")
    if not appointment.messages_allowed:
        return []
    return _write(
        appointment.case,
        f"a{appointment.pk}",
        kind,
        appointment=appointment,
        lead_minutes=lead_minutes,
    )


def announce_offer(offer: SlotOffer) -> list[Message]:
    return _write(offer.case, f"o{offer.pk}", MessageKind.OFFER, offer=offer)
