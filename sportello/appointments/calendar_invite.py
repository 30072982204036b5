"""The iCalendar invitation attached to the person's e-mails (RFC 5545, iTIP RFC 5546).

One event per appointment, its UID stable across the appointment's moves: a move sends a REQUEST
with the same UID and a higher SEQUENCE, so the person's calendar app moves the event instead
of keeping the old one beside the new; a cancellation sends a CANCEL that removes it. Like the
message itself, the event says when and how, never what for or with whom."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress

from sportello.appointments.models import Appointment, AppointmentChannel, AppointmentStatus
from sportello.services import queries as catalogue

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PRODID = "-//Sportello//Appuntamenti//IT"


def _domain() -> str:
    return urlsplit(settings.SPORTELLO_SITE_URL).hostname or "sportello.invalid"


def _first_and_moves(appointment: Appointment) -> tuple[Appointment, int]:
    """The appointment this one was first booked as, following moves back (a move cancels the
    old appointment and books a new one), and how many moves lie in between. A make-up session
    for a no-show is a new event: the missed one stays in the person's calendar as it was."""
    first, moves = appointment, 0
    while first.rescheduled_from_id is not None:
        previous = first.rescheduled_from
        assert previous is not None
        if previous.status != AppointmentStatus.CANCELLED:
            break
        first, moves = previous, moves + 1
    return first, moves


def event_uid(appointment: Appointment) -> str:
    first, _moves = _first_and_moves(appointment)
    return f"appointment-{first.pk}@{_domain()}"


def invitation(
    appointment: Appointment,
    *,
    method: str,
    language: str,
    attendee: str,
    url: str | None = None,
) -> bytes:
    """The .ics for one e-mail: REQUEST adds or moves the event, CANCEL removes it.
    ``attendee`` is the address the e-mail goes to; ``url`` the person's appointment page."""
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"unsupported iTIP method: {method!r}")
    first, moves = _first_and_moves(appointment)
    zone = catalogue.desk_zone()
    with translation.override(language):
        if appointment.channel == AppointmentChannel.VIDEO:
            summary = _("Appuntamento in videochiamata")
            how = _("La stanza si apre poco prima dell'inizio dalla pagina dell'appuntamento.")
        else:
            summary = _("Appuntamento al telefono")
            how = _("Ti chiameremo noi al telefono a quell'ora.")
        description = [how]
        if url:
            description.append(
                _("Per vedere, spostare o annullare l'appuntamento: %(url)s") % {"url": url}
            )
        event = Event.new(
            uid=f"appointment-{first.pk}@{_domain()}",
            # A cancellation outranks every REQUEST before it (RFC 5546 §2.1.4).
            sequence=moves + (1 if method == CANCEL else 0),
            start=appointment.starts_at.astimezone(zone),
            end=appointment.ends_at.astimezone(zone),
            stamp=catalogue.now().astimezone(datetime.UTC),
            summary=f"Sportello: {summary}",
            description="\n".join(description),
            status="CANCELLED" if method == CANCEL else "CONFIRMED",
            organizer=vCalAddress.new(settings.SPORTELLO_MESSAGE_EMAIL_FROM, cn="Sportello"),
            attendees=[vCalAddress.new(attendee, rsvp=False, role="REQ-PARTICIPANT")],
            url=url if method == REQUEST else None,
        )
        calendar = Calendar.new(prodid=PRODID, method=method)
        calendar.add_component(event)
        calendar.add_missing_timezones()
    return calendar.to_ical()
