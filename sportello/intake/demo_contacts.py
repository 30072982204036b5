"""A few sample contacts so that the demo's queue and console show something real."""

import datetime

from django.db import transaction

from sportello.accounts.models import User
from sportello.intake import operations
from sportello.intake.models import Contact
from sportello.services import queries as catalogue
from sportello.services.models import Service

# (minutes ago, service, number, reason, danger now)
SAMPLES = [
    (14, "emergency", "+393331112233", "Ansia da quando ha perso il lavoro", False),
    (9, "victims", "+393471234567", "Furto in casa, non riesce a dormire", False),
    (6, "emergency", "", "Lutto recente, vive da sola", False),
    (2, "mediation", "+390212345678", "Lite con i vicini che sta degenerando", True),
]


@transaction.atomic
def ensure_demo_contacts() -> int:
    """Register the samples once (a second run adds nothing); returns how many were added."""
    if Contact.objects.exists():
        return 0
    at = catalogue.now()
    for minutes_ago, service, number, reason, danger in SAMPLES:
        operations.register_contact(
            operations.ContactRequest(
                channel="switchboard",
                service=Service.objects.get(code=service),
                received_at=at - datetime.timedelta(minutes=minutes_ago),
                caller_number=number,
                reason=reason,
                danger_now=danger,
            ),
            actor=User.objects.filter(username="centralino").first(),
        )
    professional = User.objects.filter(username="psicologa").first()
    if professional is not None:
        operations.go_on_duty(professional)
    return len(SAMPLES)
