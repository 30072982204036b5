"""A few sample cases so that the demo's case homes and case pages show something real."""

import datetime

from django.db import transaction

from sportello.accounts.models import User
from sportello.cases import operations
from sportello.cases.models import Case
from sportello.intake import operations as intake
from sportello.intake.models import Channel
from sportello.services import queries as catalogue
from sportello.services.models import Service

# (days ago, service, who takes the call, full name or "" for anonymous, goals, section answers)
SAMPLES = [
    (
        6,
        "emergency",
        "psicologa",
        "",
        "Ridurre l'ansia serale e riprendere a dormire.",
        {"target_group": "negative_emotions", "reasons": "Paura del contagio, vive sola"},
    ),
    (
        3,
        "emergency",
        "psicologa",
        "Marta Colombo",
        "Accompagnare il lutto per la perdita del marito.",
        {"target_group": "painful_events"},
    ),
    (2, "victims", "coordinatore", "", "", {}),
]


def _held_and_closed(service: str, taker: User, received_at: datetime.datetime) -> int:
    """A past call the taker answered: registered, taken, talked through, closed."""
    contact = intake.register_contact(
        intake.ContactRequest(
            channel=Channel.SWITCHBOARD,
            service=Service.objects.get(code=service),
            received_at=received_at,
            caller_number="+393401234567",
        )
    ).contact
    intake.take_contact(taker, contact.pk)
    intake.start_conversation(taker, contact.pk)
    intake.record_outcome(taker, contact.pk, "reached")
    return contact.pk


@transaction.atomic
def ensure_demo_cases() -> int:
    """Open the samples once (a second run adds nothing); returns how many were opened.

    The third one is opened by the coordinator and waits to be assigned on their home."""
    if Case.objects.exists():
        return 0
    now = catalogue.now()
    opened = 0
    for days_ago, service, username, full_name, goals, answers in SAMPLES:
        taker = User.objects.filter(username=username).first()
        if taker is None:
            continue
        contact_id = _held_and_closed(service, taker, now - datetime.timedelta(days=days_ago))
        case = operations.open_case(
            taker,
            contact_id,
            person_data=operations.PersonData(full_name=full_name),
            goals=goals,
            anonymous=not full_name,
        )
        if answers:
            operations.save_section(taker, case.pk, answers)
        if case.primary_professional_id == taker.pk:
            operations.record_consent(
                taker, case.pk, given_how="verbal_phone", given_at=case.opened_at
            )
            operations.record_session(
                taker,
                case.pk,
                held_at=now - datetime.timedelta(days=1),
                mode="video",
                duration_minutes=45,
                participant_ids=[taker.pk],
                notes="Colloquio di sostegno: la persona descrive le difficoltà della settimana.",
                next_steps="Nuovo colloquio tra una settimana.",
            )
        opened += 1
    return opened
