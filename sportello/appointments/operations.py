"""Booking and cancelling appointments, each in a transaction with its audit row."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.appointments import policies, queries, slots
from sportello.appointments.models import (
    Appointment,
    AppointmentChannel,
    AppointmentStatus,
)
from sportello.appointments.video_settings import provider_from_settings
from sportello.cases.models import Case
from sportello.cases.models import Status as CaseStatus
from sportello.privacy.operations import record_audit
from sportello.rota import queries as rota
from sportello.services import queries as catalogue


def _name(user: User) -> str:
    return user.get_full_name() or user.username


@transaction.atomic
def book(
    actor: User,
    *,
    case: Case,
    professional: User,
    starts_at: datetime.datetime,
    channel: str,
    messages_allowed: bool = False,
) -> Appointment:
    """A follow-up session in a free slot of the professional. Two people choosing the same
    slot at once: the database lets exactly one through, the other reads why."""
    if not policies.can_book(actor, case):
        raise PermissionDenied(_("Non puoi prenotare appuntamenti per questa presa in carico."))
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("Si prenotano appuntamenti solo per una presa in carico aperta."))
    if not policies.can_hold_sessions(professional):
        raise ValidationError(
            _("%(name)s non tiene colloqui: scegli un professionista.")
            % {"name": _name(professional)}
        )
    if channel not in AppointmentChannel.values:
        raise ValidationError(_("Scegli se il colloquio è al telefono o in videochiamata."))
    if starts_at.tzinfo is None:
        raise ValidationError(_("L'orario dell'appuntamento deve indicare il fuso orario."))
    rule = queries.slot_rule()
    slot = slots.Slot(starts_at, starts_at + rule.length)
    day = rota.desk_day(starts_at)
    found = queries.availability(professional, day, day)
    if not slots.fits(slot, found.shifts, found.open_intervals, found.busy, rule):
        raise ValidationError(
            _(
                "%(name)s non è libero a quell'ora: scegli uno degli orari proposti (nel turno, "
                "in orario di apertura e lontano da altri appuntamenti)."
            )
            % {"name": _name(professional)}
        )
    try:
        # A savepoint: the loser of a race keeps its transaction usable to say why.
        with transaction.atomic():
            appointment = Appointment.objects.create(
                case=case,
                professional=professional,
                starts_at=slot.start,
                ends_at=slot.end,
                channel=channel,
                room=provider_from_settings().new_room()
                if channel == AppointmentChannel.VIDEO
                else "",
                messages_allowed=messages_allowed,
                booked_by=actor,
                booked_at=catalogue.now(),
            )
    except IntegrityError as error:
        if "appointment_no_overlap" not in str(error):
            raise
        raise ValidationError(
            _(
                "Questo orario è appena stato prenotato per %(name)s da qualcun altro: scegli un "
                "altro orario."
            )
            % {"name": _name(professional)}
        ) from None
    record_audit(
        actor,
        object_type="appointments.appointment",
        object_id=appointment.pk,
        action="book",
        case_id=case.pk,
        professional=professional.pk,
        channel=channel,
    )
    return appointment


@transaction.atomic
def cancel(actor: User, appointment: Appointment, *, reason: str) -> Appointment:
    """Staff cancel a booked appointment, saying why; the slot is free again at once."""
    appointment = (
        Appointment.objects.select_for_update().select_related("case").get(pk=appointment.pk)
    )
    if not policies.can_book(actor, appointment.case):
        raise PermissionDenied(_("Non puoi annullare gli appuntamenti di questa presa in carico."))
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Si annullano solo gli appuntamenti prenotati."))
    if not reason.strip():
        raise ValidationError({"reason": _("Scrivi il motivo dell'annullamento.")})
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = catalogue.now()
    appointment.cancelled_by = actor
    appointment.cancel_reason = reason.strip()
    appointment.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    record_audit(
        actor,
        object_type="appointments.appointment",
        object_id=appointment.pk,
        action="cancel",
        case_id=appointment.case_id,
    )
    return appointment
