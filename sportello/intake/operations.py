"""Every change to a contact: one function per operation, in a transaction, with its audit row."""

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from sportello import yearly_reference
from sportello.accounts.models import User
from sportello.field_encryption import lookup_hash
from sportello.intake import lifecycle, phone_numbers, policies, queries
from sportello.intake.models import (
    QUEUE_STATUSES,
    CallAttempt,
    CallbackWindow,
    Channel,
    CloseReason,
    Contact,
    ContactEvent,
    DutyPresence,
    Outcome,
    ReferenceCounter,
    Status,
)
from sportello.privacy.chained_logs import append
from sportello.services import queries as catalogue
from sportello.services.models import EmergencyProgramme, Service
from sportello.services.queries import DeskStatus
from sportello.triage import safety

NUMBER_LOOKUP = "caller-number"
LIVE_CHANNELS = (Channel.SWITCHBOARD, Channel.TELEPHONY)


@dataclass(frozen=True)
class ContactRequest:
    """What a person or an integration asks for, already validated by its form or serializer."""

    channel: str
    service: Service
    received_at: datetime.datetime
    caller_number: str = ""  # E.164, or empty for an anonymous caller
    reason: str = ""
    danger_now: bool = False
    windows: tuple[tuple[datetime.datetime, datetime.datetime], ...] = ()
    safe_to_call: bool = True
    safe_to_leave_message: bool = False
    language: str = "it"
    email: str = ""
    caller_name: str = ""
    external_call_id: str = ""


@dataclass(frozen=True)
class Registration:
    contact: Contact
    desk: DeskStatus


def _audit(
    contact: Contact,
    action: str,
    *,
    from_status: str = "",
    actor: User | None = None,
    actor_label: str = "",
    at: datetime.datetime | None = None,
    **detail: object,
) -> None:
    # Appended to the contacts' hash chain, inside the operation's transaction.
    append(
        ContactEvent,
        contact=contact,
        at=at or catalogue.now(),
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor else ""),
        action=action,
        from_status=from_status,
        to_status=contact.status,
        detail=detail,
    )


def _next_reference(year: int) -> str:
    return yearly_reference.next_reference(ReferenceCounter, "SP", year)


def _programme_for(service: Service, day: datetime.date) -> EmergencyProgramme | None:
    return EmergencyProgramme.objects.running_on(day).filter(services=service).first()


def _first_due(request: ContactRequest, desk: DeskStatus) -> datetime.datetime | None:
    """When a request that cannot be answered live should be called back."""
    if request.windows:
        # A window already running when the request arrives is due from the arrival: the
        # wait the queue shows starts when the person asked, not when the window opened.
        return max(min(start for start, _end in request.windows), request.received_at)
    if desk.is_open:
        return request.received_at
    return desk.next_opening


@transaction.atomic
def register_contact(
    request: ContactRequest, *, actor: User | None = None, actor_label: str = ""
) -> Registration:
    """Store a contact and put it where it belongs: the live queue when the desk is open and the
    caller is on the line, a callback otherwise; an anonymous call out of hours cannot be called
    back, so it is recorded closed (it still counts in the statistics)."""
    if request.channel == Channel.WEB_CALLBACK and not request.caller_number:
        raise ValidationError(_("Per essere richiamati serve un numero di telefono."))
    if request.channel == Channel.WEB_VIDEO and not (request.email or request.caller_number):
        raise ValidationError(
            _("Per ricevere il link della videochiamata serve un'email o un numero di telefono.")
        )
    # Forms and serializers normalise already; once more here so that a caller who forgot
    # cannot break repeat-caller matching.
    number = phone_numbers.normalise(request.caller_number) if request.caller_number else ""
    desk = catalogue.desk_status(request.received_at)
    local_received = request.received_at.astimezone(desk.at.tzinfo)
    contact = Contact(
        # The real reference is taken last: its counter row stays locked until commit, and
        # every concurrent registration queues behind it, so the lock is held briefly.
        reference=f"pending-{uuid.uuid4().hex[:12]}",
        channel=request.channel,
        service=request.service,
        programme=_programme_for(request.service, local_received.date()),
        received_at=request.received_at,
        caller_number=number,
        caller_number_lookup=lookup_hash(number, NUMBER_LOOKUP) if number else "",
        email=request.email,
        caller_name=request.caller_name,
        reason=request.reason,
        danger_now=request.danger_now,
        safe_to_call=request.safe_to_call,
        safe_to_leave_message=request.safe_to_leave_message,
        language=request.language,
        external_call_id=request.external_call_id,
        handed_over_by=actor,
        status_changed_at=catalogue.now(),
    )
    if request.channel in LIVE_CHANNELS and desk.is_open:
        contact.status = Status.WAITING
    elif request.caller_number or request.email:
        contact.status = Status.CALLBACK_SCHEDULED
        contact.callback_due_at = _first_due(request, desk)
    else:
        contact.status = Status.CLOSED
        contact.close_reason = CloseReason.NO_CALLBACK_NUMBER
        contact.closed_at = contact.status_changed_at
    contact.save()
    CallbackWindow.objects.bulk_create(
        CallbackWindow(contact=contact, starts_at=start, ends_at=end)
        for start, end in request.windows
    )
    contact.reference = _next_reference(local_received.year)
    contact.save(update_fields=["reference"])
    # Last: the audit log's chain head, like the reference counter, stays locked until commit.
    _audit(
        contact,
        "registered",
        actor=actor,
        actor_label=actor_label,
        channel=request.channel,
        desk_open=desk.is_open,
    )
    return Registration(contact=contact, desk=desk)


def _require_queue_worker(user: User) -> None:
    if not policies.can_work_queue(user):
        raise PermissionDenied(_("Solo i professionisti e i coordinatori prendono contatti."))


def _claim(contact: Contact, user: User, at: datetime.datetime) -> Contact:
    """Move a locked (PostgreSQL) or not yet re-checked (SQLite) contact to the professional.

    The status condition in the UPDATE is what makes SQLite safe: of two claims that read the
    same row, the second updates nothing and the caller moves on."""
    from_status = contact.status
    claimed = Contact.objects.filter(pk=contact.pk, status__in=QUEUE_STATUSES).update(
        status=Status.TAKEN,
        taken_by=user,
        taken_at=at,
        status_changed_at=at,
        # The first answer stays: a release and a later take do not move it.
        first_answered_at=Coalesce("first_answered_at", Value(at)),
    )
    contact.refresh_from_db(
        fields=["status", "taken_by", "taken_at", "status_changed_at", "first_answered_at"]
    )
    if not claimed:
        return contact
    _audit(contact, "taken", from_status=from_status, actor=user, at=at)
    return contact


def take_next(user: User) -> Contact | None:
    """The first contact in the queue this professional can take, or None when there is none.

    One short transaction per try: SKIP LOCKED lets concurrent professionals pass each other's
    candidates instead of queueing behind them; a lost race on SQLite just tries again."""
    _require_queue_worker(user)
    taker = queries.taker_for(user)
    for _attempt in range(20):
        at = catalogue.now()
        with transaction.atomic():
            candidate = (
                queries.queue_head(taker, at)
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if candidate is None:
                return None
            contact = _claim(candidate, user, at)
            if contact.status == Status.TAKEN and contact.taken_by_id == user.pk:
                return contact
    return None


@transaction.atomic
def take_contact(user: User, contact_id: int) -> Contact:
    """ "Take this one": the chosen contact, unless someone else took it first."""
    _require_queue_worker(user)
    contact = Contact.objects.select_for_update().select_related("service").get(pk=contact_id)
    lifecycle.check("take", contact.reference, contact.status)
    taker = queries.taker_for(user)
    if not queries.can_take_service(taker, contact.service):
        raise ValidationError(
            _("Il contatto %(reference)s è per il servizio «%(service)s», che non è tra i tuoi."),
            params={"reference": contact.reference, "service": contact.service.name},
        )
    contact = _claim(contact, user, catalogue.now())
    if contact.taken_by_id != user.pk or contact.status != Status.TAKEN:
        # Another claim landed between our read and our write (SQLite takes no row locks).
        raise ValidationError(
            _("Il contatto %(reference)s è appena stato preso da un collega."),
            params={"reference": contact.reference},
        )
    return contact


def _held(user: User, contact_id: int, action: str) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    if not policies.can_act_on(user, contact) and not (
        action == "release" and policies.can_supervise(user)
    ):
        raise PermissionDenied(
            _("Il contatto %(reference)s è in carico a un altro collega.")
            % {"reference": contact.reference}
        )
    lifecycle.check(action, contact.reference, contact.status)
    return contact


@transaction.atomic
def release_contact(user: User, contact_id: int) -> Contact:
    """Give a contact back to the queue (a coordinator may do it for a colleague)."""
    contact = _held(user, contact_id, "release")
    from_status, at = contact.status, catalogue.now()
    if contact.callback_due_at is None:
        _back_to_queue(contact, Status.WAITING, None, at)
    else:
        _back_to_queue(contact, Status.CALLBACK_SCHEDULED, contact.callback_due_at, at)
    contact.save()
    _audit(contact, "released", from_status=from_status, actor=user, at=at)
    return contact


@transaction.atomic
def start_conversation(user: User, contact_id: int) -> Contact:
    contact = _held(user, contact_id, "start_conversation")
    from_status, at = contact.status, catalogue.now()
    contact.status = Status.IN_CONVERSATION
    contact.conversation_started_at = at
    contact.status_changed_at = at
    contact.save()
    _audit(contact, "conversation_started", from_status=from_status, actor=user, at=at)
    return contact


@transaction.atomic
def record_outcome(
    user: User,
    contact_id: int,
    outcome: str,
    *,
    note: str = "",
    call_back_at: datetime.datetime | None = None,
) -> Contact:
    """What came of the call: close it, or put it back in the queue for a later call.

    After SPORTELLO_MAX_CALLBACK_ATTEMPTS calls without an answer the contact is closed as
    unreachable; the coordinators see those on their queue page."""
    contact = _held(user, contact_id, "record_outcome")
    from_status, at = contact.status, catalogue.now()
    if outcome not in Outcome.values:
        raise ValidationError(_("Esito sconosciuto: %(outcome)s."), params={"outcome": outcome})
    calendar = catalogue.opening_calendar()
    if outcome == Outcome.CALL_BACK_LATER:
        if call_back_at is None:
            raise ValidationError(_("Indica quando richiamare."))
        if call_back_at <= at:
            raise ValidationError(_("L'orario della richiamata deve essere nel futuro."))
        if not calendar.is_open(call_back_at):
            raise ValidationError(
                _("A quell'ora lo sportello è chiuso: scegli un orario di apertura.")
            )
    if outcome in (Outcome.REACHED, Outcome.WRONG_NUMBER):
        # Invariant 3: a high-risk contact stays open until its safety protocol is documented.
        safety.require_protocol_complete([contact.pk])
    CallAttempt.objects.create(contact=contact, at=at, by=user, outcome=outcome, note=note)
    if contact.first_answered_at is None:
        contact.first_answered_at = at
    if outcome == Outcome.REACHED:
        _close(contact, CloseReason.COMPLETED, at)
    elif outcome == Outcome.WRONG_NUMBER:
        _close(contact, CloseReason.WRONG_NUMBER, at)
    elif outcome == Outcome.NO_ANSWER:
        contact.failed_attempts += 1
        if contact.failed_attempts >= settings.SPORTELLO_MAX_CALLBACK_ATTEMPTS and not (
            safety.protocol_incomplete(contact.pk)
        ):
            _close(contact, CloseReason.UNREACHABLE, at)
        else:
            retry = calendar.after_working_time(
                at, datetime.timedelta(minutes=settings.SPORTELLO_CALLBACK_RETRY_MINUTES)
            )
            _back_to_queue(contact, Status.NO_ANSWER, retry or at, at)
    else:
        assert call_back_at is not None
        _back_to_queue(contact, Status.CALLBACK_SCHEDULED, call_back_at, at)
    contact.save()
    _audit(
        contact,
        "outcome_recorded",
        from_status=from_status,
        actor=user,
        at=at,
        outcome=outcome,
        attempt=contact.attempts.count(),
    )
    return contact


def _close(contact: Contact, reason: str, at: datetime.datetime) -> None:
    contact.status = Status.CLOSED
    contact.close_reason = reason
    contact.closed_at = at
    contact.status_changed_at = at


def _back_to_queue(
    contact: Contact, status: str, due: datetime.datetime | None, at: datetime.datetime
) -> None:
    contact.status = status
    contact.callback_due_at = due
    contact.taken_by = None
    contact.taken_at = None
    contact.conversation_started_at = None
    contact.status_changed_at = at


@transaction.atomic
def go_on_duty(user: User) -> DutyPresence:
    _require_queue_worker(user)
    presence, _created = DutyPresence.objects.get_or_create(
        user=user, defaults={"since": catalogue.now()}
    )
    return presence


@transaction.atomic
def go_off_duty(user: User) -> None:
    DutyPresence.objects.filter(user=user).delete()
