"""One contact screened at high risk, so that the demo shows the safety protocol, the
coordinators' alert and the risk board with something real on them."""

import datetime

from django.db import transaction

from sportello.accounts.models import User
from sportello.intake import operations as intake
from sportello.services import queries as catalogue
from sportello.services.models import Service, TargetGroup
from sportello.triage import operations
from sportello.triage.models import ContactReason, Screening
from sportello.triage.risk_rules import Answers


@transaction.atomic
def ensure_demo_screening() -> int:
    """Screen the sample once (a second run adds nothing); returns how many were screened."""
    professional = User.objects.filter(username="psicologa").first()
    if professional is None or Screening.objects.exists():
        return 0
    contact = intake.register_contact(
        intake.ContactRequest(
            channel="switchboard",
            service=Service.objects.get(code="emergency"),
            received_at=catalogue.now() - datetime.timedelta(minutes=20),
            caller_number="+393401234567",
            reason="Dice di non farcela più da quando ha perso il lavoro",
        ),
        actor=User.objects.filter(username="centralino").first(),
    ).contact
    intake.take_contact(professional, contact.pk)
    intake.start_conversation(professional, contact.pk)
    operations.record_screening(
        professional,
        contact.pk,
        operations.ScreeningInput(
            answers=Answers(
                wish_dead=True,
                suicidal_thoughts=True,
                plan=True,
                protective_factors=frozenset({"support_network"}),
            ),
            target_groups=tuple(TargetGroup.objects.filter(code="impulsive_acts_risk")),
            reasons=tuple(ContactReason.objects.filter(code__in=["job_loss", "isolation"])),
            location="a casa, zona Niguarda",
        ),
    )
    return 1
