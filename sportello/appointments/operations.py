"""Booking, moving, cancelling and closing appointments, and proposing slots to the person:
each in a transaction with its audit row and the messages it gives rise to."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.alerts import operations as alerts
from sportello.alerts.models import Kind as AlertKind
from sportello.appointments import links, messaging, policies, queries, slots
from sportello.appointments.models import (
    Appointment,
    AppointmentChannel,
    AppointmentStatus,
    MessageKind,
    OfferedSlot,
    SlotOffer,
)
from sportello.appointments.video_settings import provider_from_settings
from sportello.cases.models import Case
from sportello.cases.models import Status as CaseStatus
from sportello.cases.operations import require_unrestricted
from sportello.privacy.operations import record_audit
from sportello.rota import queries as rota
from sportello.services import queries as catalogue

MAX_OFFERED_SLOTS = 6
MAX_REASON = 1000
# How far ahead a citizen may move their own appointment, with the same professional.
CITIZEN_RESCHEDULE_DAYS = 14


def _audit(actor: User | None, appointment: Appointment, action: str, **detail: object) -> None:
    record_audit(
        actor,
        object_type="appointments.appointment",
        object_id=appointment.pk,
        action=action,
        case_id=appointment.case_id,
        actor_label="" if actor else "cittadino (link firmato)",
        **detail,
    )


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Scrivi il motivo.")})
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {
                "reason": _("Il motivo è troppo lungo: al massimo %(n)d caratteri.")
                % {"n": MAX_REASON}
            }
        )
    return reason


def _require_open_case(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("Si prenotano appuntamenti solo per una presa in carico aperta."))


def _check_professional(professional: User, case: Case) -> None:
    if not policies.can_hold_sessions(professional):
        raise ValidationError(
            _("%(name)s non tiene colloqui: scegli un professionista.")
            % {"name": professional.display_name}
        )
    if not policies.suits_case(professional, case):
        raise ValidationError(
            _(
                "%(name)s non lavora per il servizio di questa presa in carico né ha una "
                "competenza che richiede: scegli un altro professionista."
            )
            % {"name": professional.display_name}
        )


def _check_channel(channel: str) -> None:
    if channel not in AppointmentChannel.values:
        raise ValidationError(
            {"channel": _("Scegli se il colloquio è al telefono o in videochiamata.")}
        )


def _free_slot(
    professional: User, starts_at: datetime.datetime, *, exclude: Appointment | None = None
) -> slots.Slot:
    """The slot starting then, if the professional can take it: on shift, open, clear."""
    if starts_at.tzinfo is None:
        raise ValidationError(_("L'orario dell'appuntamento deve indicare il fuso orario."))
    # One booking at a time per professional: the database refuses overlaps by itself, but the
    # gap after a session is only this check's, so two bookings must not check at once.
    User.objects.select_for_update().filter(pk=professional.pk).exists()
    rule = queries.slot_rule()
    slot = slots.Slot(starts_at, starts_at + rule.length)
    day = rota.desk_day(starts_at)
    found = queries.availability(professional, day, day, exclude=exclude)
    if not slots.fits(slot, found.shifts, found.open_intervals, found.busy, rule):
        raise ValidationError(
            _(
                "%(name)s non è libero a quell'ora: scegli uno degli orari proposti (nel turno, "
                "in orario di apertura e lontano da altri appuntamenti)."
            )
            % {"name": professional.display_name}
        )
    return slot


def _create(
    *,
    case: Case,
    professional: User,
    slot: slots.Slot,
    channel: str,
    booked_by: User | None,
    rescheduled_from: Appointment | None = None,
) -> Appointment:
    try:
        # A savepoint: the loser of a race keeps its transaction usable to say why.
        with transaction.atomic():
            return Appointment.objects.create(
                case=case,
                professional=professional,
                starts_at=slot.start,
                ends_at=slot.end,
                channel=channel,
                room=provider_from_settings().new_room()
                if channel == AppointmentChannel.VIDEO
                else "",
                messages_allowed=messaging.may_message(case.person),
                booked_by=booked_by,
                booked_at=catalogue.now(),
                rescheduled_from=rescheduled_from,
                key=links.new_key(),
            )
    except IntegrityError as error:
        if "appointment_no_overlap" not in str(error):
            raise
        raise ValidationError(
            _(
                "Questo orario è appena stato prenotato per %(name)s da qualcun altro: scegli un "
                "altro orario."
            )
            % {"name": professional.display_name}
        ) from None


def _locked(appointment: Appointment | int) -> Appointment:
    pk = appointment if isinstance(appointment, int) else appointment.pk
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("case__person", "professional")
        .get(pk=pk)
    )


def _require_booked(appointment: Appointment, now: datetime.datetime) -> None:
    if appointment.changeable_at(now):
        return
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Questo appuntamento non è più prenotato: non si può cambiare."))
    raise ValidationError(
        _("Questo appuntamento è già cominciato: non si può più spostare né annullare.")
    )


@transaction.atomic
def book(
    actor: User,
    *,
    case: Case,
    professional: User,
    starts_at: datetime.datetime,
    channel: str,
    rescheduled_from: Appointment | None = None,
) -> Appointment:
    """A follow-up session in a free slot of the professional. Two people choosing the same
    slot at once: the database lets exactly one through, the other reads why.

    ``rescheduled_from``: the no-show this appointment makes up for."""
    case = Case.objects.select_related("person", "opened_from").get(pk=case.pk)
    if not policies.can_book(actor, case):
        raise PermissionDenied(_("Non puoi prenotare appuntamenti per questa presa in carico."))
    _require_open_case(case)
    require_unrestricted(case)
    _check_professional(professional, case)
    _check_channel(channel)
    if rescheduled_from is not None:
        rescheduled_from = _missed(rescheduled_from, case)
    slot = _free_slot(professional, starts_at)
    appointment = _create(
        case=case,
        professional=professional,
        slot=slot,
        channel=channel,
        booked_by=actor,
        rescheduled_from=rescheduled_from,
    )
    _audit(actor, appointment, "book", professional=professional.pk, channel=channel)
    if rescheduled_from is not None:
        _withdraw_offers_replacing(rescheduled_from)
    messaging.announce(appointment, MessageKind.CONFIRMATION)
    return appointment


def _missed(appointment: Appointment, case: Case) -> Appointment:
    """The no-show a new appointment makes up for, locked: once only, so that two colleagues,
    or a colleague and the person through a proposal, cannot both make up for it."""
    missed = _locked(appointment)
    if missed.case_id != case.pk or missed.status != AppointmentStatus.NO_SHOW:
        raise ValidationError(_("Si offre un nuovo orario solo per un appuntamento mancato."))
    if Appointment.objects.filter(rescheduled_from=missed).exists():
        raise ValidationError(
            _("Per questo appuntamento mancato è già stato fissato un nuovo orario.")
        )
    return missed


def _withdraw_offers_replacing(missed: Appointment) -> None:
    now = catalogue.now()
    for offer in SlotOffer.objects.select_for_update().filter(
        replaces=missed, chosen__isnull=True, withdrawn_at__isnull=True
    ):
        offer.withdrawn_at = now
        offer.key = links.new_key()
        offer.save(update_fields=["withdrawn_at", "key"])


@transaction.atomic
def cancel(actor: User, appointment: Appointment | int, *, reason: str) -> Appointment:
    """Staff cancel a booked appointment, saying why; the slot is free again at once. The
    person's link keeps working to show that it was cancelled, with no action left."""
    appointment = _locked(appointment)
    if not policies.can_book(actor, appointment.case):
        raise PermissionDenied(_("Non puoi annullare gli appuntamenti di questa presa in carico."))
    require_unrestricted(appointment.case)
    _require_booked(appointment, catalogue.now())
    reason = _reason(reason)
    _close_as_cancelled(appointment, reason, by=actor)
    _audit(actor, appointment, "cancel")
    messaging.announce(appointment, MessageKind.CANCELLED)
    return appointment


def _close_as_cancelled(appointment: Appointment, reason: str, *, by: User | None) -> None:
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = catalogue.now()
    appointment.cancelled_by = by
    appointment.cancelled_by_citizen = by is None
    appointment.cancel_reason = reason
    appointment.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancelled_by",
            "cancelled_by_citizen",
            "cancel_reason",
        ]
    )


def _move(
    appointment: Appointment,
    *,
    professional: User,
    starts_at: datetime.datetime,
    channel: str,
    reason: str,
    by: User | None,
) -> Appointment:
    """The old appointment cancelled and a new one booked in its place, in one step: if the
    new slot is taken, the old one stays as it was."""
    slot = _free_slot(professional, starts_at, exclude=appointment)
    _close_as_cancelled(appointment, reason, by=by)
    appointment.key = ""  # the move's message carries the new appointment's link
    appointment.save(update_fields=["key"])
    moved = _create(
        case=appointment.case,
        professional=professional,
        slot=slot,
        channel=channel,
        booked_by=by,
        rescheduled_from=appointment,
    )
    moved.messages_allowed = appointment.messages_allowed and moved.messages_allowed
    moved.save(update_fields=["messages_allowed"])
    messaging.announce(moved, MessageKind.RESCHEDULED)
    return moved


@transaction.atomic
def reschedule(
    actor: User,
    appointment: Appointment | int,
    *,
    professional: User,
    starts_at: datetime.datetime,
    channel: str,
    reason: str,
) -> Appointment:
    """Staff move an appointment to another slot (or professional, or channel), saying why."""
    appointment = _locked(appointment)
    case = appointment.case
    if not policies.can_book(actor, case):
        raise PermissionDenied(_("Non puoi spostare gli appuntamenti di questa presa in carico."))
    require_unrestricted(case)
    _require_booked(appointment, catalogue.now())
    _require_open_case(case)
    _check_professional(professional, case)
    _check_channel(channel)
    moved = _move(
        appointment,
        professional=professional,
        starts_at=starts_at,
        channel=channel,
        reason=_reason(reason),
        by=actor,
    )
    _audit(actor, moved, "reschedule", moved_from=appointment.pk, professional=professional.pk)
    return moved


@transaction.atomic
def record_outcome(actor: User, appointment: Appointment | int, *, held: bool) -> Appointment:
    """After its start, a session was held or the person did not come (a no-show, which the
    page follows with the offer of a new slot)."""
    appointment = _locked(appointment)
    if not policies.can_record_outcome(actor, appointment):
        raise PermissionDenied(_("Non puoi registrare l'esito di questo appuntamento."))
    require_unrestricted(appointment.case)
    now = catalogue.now()
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("L'esito di questo appuntamento è già stato registrato."))
    if appointment.starts_at > now:
        raise ValidationError(
            _("L'esito si registra dall'ora dell'appuntamento: non è ancora cominciato.")
        )
    appointment.status = AppointmentStatus.HELD if held else AppointmentStatus.NO_SHOW
    appointment.outcome_recorded_at = now
    appointment.outcome_recorded_by = actor
    appointment.save(update_fields=["status", "outcome_recorded_at", "outcome_recorded_by"])
    _audit(actor, appointment, "held" if held else "no_show")
    return appointment


# --- Slots proposed to the person ------------------------------------------------------------


@transaction.atomic
def offer_slots(
    actor: User,
    *,
    case: Case,
    channel: str,
    choices: Sequence[tuple[User, datetime.datetime]],
    replaces: Appointment | None = None,
) -> SlotOffer:
    """Propose up to six free slots; the person picks one through the link sent by message.
    A person who gets no messages cannot receive the link: book with them on the phone."""
    case = Case.objects.select_related("person", "opened_from").get(pk=case.pk)
    if not policies.can_book(actor, case):
        raise PermissionDenied(_("Non puoi proporre orari per questa presa in carico."))
    _require_open_case(case)
    require_unrestricted(case)
    _check_channel(channel)
    if not messaging.may_message(case.person):
        raise ValidationError(
            _(
                "La persona non riceve messaggi (non è sicuro, non li vuole o non ha un recapito): "
                "concorda l'orario al telefono e prenotalo tu."
            )
        )
    if not choices:
        raise ValidationError({"slots": _("Scegli almeno un orario da proporre.")})
    if len(choices) > MAX_OFFERED_SLOTS:
        raise ValidationError(
            {"slots": _("Proponi al massimo %(n)d orari.") % {"n": MAX_OFFERED_SLOTS}}
        )
    if replaces is not None:
        replaces = _missed(replaces, case)
        if SlotOffer.objects.filter(
            replaces=replaces, chosen__isnull=True, withdrawn_at__isnull=True
        ).exists():
            raise ValidationError(
                _(
                    "Per questo appuntamento mancato c'è già una proposta aperta: ritirala prima "
                    "di farne un'altra."
                )
            )
    checked = []
    for professional, starts_at in choices:
        _check_professional(professional, case)
        checked.append((professional, _free_slot(professional, starts_at)))
    if len({(p.pk, s.start) for p, s in checked}) != len(checked):
        raise ValidationError({"slots": _("Lo stesso orario è proposto due volte.")})
    now = catalogue.now()
    offer = SlotOffer.objects.create(
        case=case,
        channel=channel,
        created_by=actor,
        created_at=now,
        # The last moment the latest slot can still be booked (the notice before it).
        expires_at=max(slot.start for _p, slot in checked)
        - datetime.timedelta(minutes=settings.SPORTELLO_APPOINTMENT_NOTICE_MINUTES),
        key=links.new_key(),
        replaces=replaces,
    )
    OfferedSlot.objects.bulk_create(
        OfferedSlot(offer=offer, professional=p, starts_at=s.start, ends_at=s.end)
        for p, s in checked
    )
    record_audit(
        actor,
        object_type="appointments.slotoffer",
        object_id=offer.pk,
        action="offer",
        case_id=case.pk,
        slots=len(checked),
        channel=channel,
    )
    messaging.announce_offer(offer)
    return offer


@transaction.atomic
def withdraw_offer(actor: User, offer: SlotOffer | int) -> SlotOffer:
    pk = offer if isinstance(offer, int) else offer.pk
    offer = SlotOffer.objects.select_for_update(of=("self",)).select_related("case").get(pk=pk)
    if not policies.can_book(actor, offer.case):
        raise PermissionDenied(_("Non puoi ritirare questa proposta."))
    if offer.chosen_id or offer.withdrawn_at:
        raise ValidationError(_("Questa proposta è già stata scelta o ritirata."))
    offer.withdrawn_at = catalogue.now()
    offer.key = links.new_key()
    offer.save(update_fields=["withdrawn_at", "key"])
    record_audit(
        actor,
        object_type="appointments.slotoffer",
        object_id=offer.pk,
        action="withdraw",
        case_id=offer.case_id,
    )
    return offer


def offer_state(offer: SlotOffer, now: datetime.datetime) -> str:
    """open, chosen, withdrawn or expired: what the citizen's page says."""
    if offer.chosen_id:
        return "chosen"
    if offer.withdrawn_at:
        return "withdrawn"
    if now >= offer.expires_at:
        return "expired"
    return "open"


def _tell_professional(appointment: Appointment, title: str) -> None:
    """The professional learns at once what the person did through their link."""
    alerts.raise_alert(
        [appointment.professional],
        kind=AlertKind.APPOINTMENT,
        title=title,
        body="",
        link=reverse("appointments:detail", args=[appointment.pk]),
        group_key=f"appointment:{appointment.pk}:{appointment.status}",
        about_type="appointments.appointment",
        about_id=appointment.pk,
    )


@transaction.atomic
def choose_offered_slot(offer: SlotOffer | int, slot_id: int) -> Appointment:
    """The citizen picks one of the proposed slots (no account: the signed link let them in)."""
    pk = offer if isinstance(offer, int) else offer.pk
    offer = (
        SlotOffer.objects.select_for_update(of=("self",))
        .select_related("case__person", "case__opened_from", "replaces")
        .get(pk=pk)
    )
    now = catalogue.now()
    state = offer_state(offer, now)
    if state != "open":
        raise ValidationError(
            {
                "chosen": _("Hai già scelto un orario da questa proposta."),
                "withdrawn": _("Questa proposta è stata ritirata."),
                "expired": _("Questa proposta è scaduta."),
            }[state]
        )
    _require_open_case(offer.case)
    chosen = offer.slots.select_related("professional").filter(pk=slot_id).first()
    if chosen is None:
        raise ValidationError({"slot": _("Scegli uno degli orari proposti.")})
    _check_professional(chosen.professional, offer.case)
    slot = _free_slot(chosen.professional, chosen.starts_at)
    replaces = _missed(offer.replaces, offer.case) if offer.replaces is not None else None
    appointment = _create(
        case=offer.case,
        professional=chosen.professional,
        slot=slot,
        channel=offer.channel,
        booked_by=None,
        rescheduled_from=replaces,
    )
    offer.chosen = appointment
    offer.key = links.new_key()
    offer.save(update_fields=["chosen", "key"])
    _audit(None, appointment, "book", professional=chosen.professional_id, offer=offer.pk)
    messaging.announce(appointment, MessageKind.CONFIRMATION)
    _tell_professional(appointment, _("Una persona ha scelto un orario per un colloquio"))
    return appointment


@transaction.atomic
def citizen_cancel(appointment: Appointment | int, *, reason: str) -> Appointment:
    appointment = _locked(appointment)
    _require_booked(appointment, catalogue.now())
    _close_as_cancelled(appointment, _reason(reason), by=None)
    _audit(None, appointment, "cancel")
    messaging.announce(appointment, MessageKind.CANCELLED)
    _tell_professional(appointment, _("Una persona ha annullato un appuntamento"))
    return appointment


def citizen_reschedule_slots(appointment: Appointment) -> list[slots.Slot]:
    """The professional's free slots the person may move to (the same channel and person)."""
    first = rota.desk_today()
    last = first + datetime.timedelta(days=CITIZEN_RESCHEDULE_DAYS)
    found = queries.availability(appointment.professional, first, last, exclude=appointment)
    return slots.free_slots(found.shifts, found.open_intervals, found.busy, queries.slot_rule())


@transaction.atomic
def citizen_reschedule(
    appointment: Appointment | int, *, starts_at: datetime.datetime, reason: str = ""
) -> Appointment:
    appointment = _locked(appointment)
    _require_booked(appointment, catalogue.now())
    _require_open_case(appointment.case)
    if not any(slot.start == starts_at for slot in citizen_reschedule_slots(appointment)):
        raise ValidationError(
            {"starts_at": _("Questo orario non è più libero: scegline un altro dall'elenco.")}
        )
    moved = _move(
        appointment,
        professional=appointment.professional,
        starts_at=starts_at,
        channel=appointment.channel,
        reason=reason.strip()[:MAX_REASON] or _("spostato dalla persona"),
        by=None,
    )
    _audit(None, moved, "reschedule", moved_from=appointment.pk)
    _tell_professional(moved, _("Una persona ha spostato un appuntamento"))
    return moved
