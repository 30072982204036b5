"""Sample follow-ups so the demo's agenda, case pages and citizen links show something real:
the named person gets a video session and messages (printed by the console backends), the
anonymous one a phone session and no messages (the professional calls)."""

import datetime

from django.db import transaction

from sportello.accounts.models import User
from sportello.appointments import operations, queries
from sportello.appointments.models import Appointment, AppointmentChannel
from sportello.cases.models import Case
from sportello.cases.models import Status as CaseStatus
from sportello.rota import queries as rota

PROFESSIONAL = "psicologa"
# Far enough ahead that the demo shows upcoming sessions, near enough to fall in the roster.
LOOK_AHEAD_DAYS = 13


@transaction.atomic
def ensure_demo_appointments() -> list[Appointment]:
    """Book the samples once (a second run adds nothing); returns the appointments booked."""
    professional = User.objects.filter(username=PROFESSIONAL).first()
    if professional is None or Appointment.objects.exists():
        return []
    cases = list(
        Case.objects.filter(primary_professional=professional, status=CaseStatus.OPEN)
        .select_related("person")
        .order_by("opened_at")
    )
    today = rota.desk_today()
    free = queries.free_slots(professional, today, today + datetime.timedelta(days=LOOK_AHEAD_DAYS))
    booked = []
    # Every other free slot: the agenda shows sessions with room between them.
    for case, slot in zip(cases, free[1::2], strict=False):
        person = case.person
        channel = AppointmentChannel.PHONE
        if person.identified:
            person.email = person.email or "persona.demo@example.org"
            person.safe_to_message = True
            person.save(update_fields=["email", "safe_to_message"])
            channel = AppointmentChannel.VIDEO
        booked.append(
            operations.book(
                professional,
                case=case,
                professional=professional,
                starts_at=slot.start,
                channel=channel,
            )
        )
    return booked
