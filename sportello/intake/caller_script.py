"""What the switchboard (or the telephony system's voice prompt) tells the caller after handover."""

from django.utils.translation import gettext as _

from sportello.intake.models import Contact, Status
from sportello.services.queries import DeskStatus, weekly_hours_summary
from sportello.services.status_text import when


def opening_hours(desk: DeskStatus) -> str:
    """ "lunedì–sabato 9:30–18:00" (days closed every week are left out)."""
    return "; ".join(
        f"{days} {', '.join(intervals)}"
        for days, intervals in weekly_hours_summary(desk.organisation)
        if intervals
    )


def emergency_numbers(desk: DeskStatus) -> str:
    return "; ".join(
        f"{emergency.number} ({emergency.label})"
        for emergency in desk.organisation.emergency_numbers.all()
    )


def what_to_say(contact: Contact, desk: DeskStatus) -> str:
    if contact.status == Status.WAITING:
        return _(
            "La sto trasferendo a un professionista dello sportello: resti in linea, per favore."
        )
    reopens = when(desk.next_opening, desk.at) if desk.next_opening else _("appena possibile")
    closed = _(
        "Lo sportello in questo momento è chiuso e riapre %(reopens)s. Orari: %(hours)s. "
        "In caso di pericolo immediato chiami: %(emergency)s."
    ) % {"reopens": reopens, "hours": opening_hours(desk), "emergency": emergency_numbers(desk)}
    if contact.status == Status.CALLBACK_SCHEDULED:
        return (
            closed
            + " "
            + _(
                "Un professionista la richiamerà alla riapertura. Il riferimento della richiesta è "
                "%(reference)s."
            )
            % {"reference": contact.reference}
        )
    return (
        closed
        + " "
        + _(
            "Senza un numero non possiamo richiamarla: chiami di nuovo il %(phone)s negli orari di "
            "apertura."
        )
        % {"phone": desk.organisation.switchboard_number}
    )
