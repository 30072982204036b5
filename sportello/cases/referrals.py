"""Referrals of a case to a territorial service (or, internally, to another of the department's
services), followed until the person is taken in: one function per step, in a transaction, with
its audit row. proposed → sent → accepted or refused → first appointment held → closed.

A refused step raises before it writes, so it leaves nothing behind. Audit rows carry codes and
dates only: never the reason, the summary or a note, which live encrypted on the referral.
"""

import datetime
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.cases import policies, queries, referral_letter
from sportello.cases.models import (
    Case,
    Referral,
    ReferralStatus,
    ReferralUrgency,
    SentHow,
    SharedItem,
    Status,
)
from sportello.cases.models import Status as CaseStatus
from sportello.cases.operations import require_unrestricted
from sportello.directory.models import Service as DirectoryService
from sportello.directory.models import ServiceStatus
from sportello.privacy.operations import record_audit
from sportello.services import queries as catalogue

MAX_REASON = 2000
MAX_SUMMARY = 5000
MAX_NOTE = 2000
# Used only when the desk has no weekly hours at all (a half-configured installation).
FALLBACK_WORKING_DAY = datetime.timedelta(hours=8)


def can_refer(user: User, case: Case) -> bool:
    """Propose and follow a referral: whoever writes the record, or a coordinator of the case's
    service."""
    return policies.can_write_record(user, case) or policies.coordinates(user, case.service_id)


def _audit(actor: User, referral: Referral, action: str, **detail: object) -> None:
    record_audit(
        actor,
        object_type="referral",
        object_id=referral.pk,
        action=action,
        case_id=referral.case_id,
        **detail,
    )


def _refuse_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Presa in carico non trovata."))


def _locked_case(actor: User, case_id: int) -> Case:
    case = (
        queries.visible_cases(actor)
        .select_related("service", "person")
        .select_for_update(of=("self",))
        .prefetch_related("team")
        .get(pk=case_id)
    )
    _refuse_unless(can_refer(actor, case))
    require_unrestricted(case)
    return case


def _locked_referral(actor: User, referral_id: int) -> Referral:
    """The referral locked for the change, if its case is one the actor may act on
    (Referral.DoesNotExist or PermissionDenied otherwise: a 404 in the views)."""
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "case__service", "case__person", "to_service")
        .filter(case__in=queries.visible_cases(actor))
        .get(pk=referral_id)
    )
    _refuse_unless(can_refer(actor, referral.case))
    require_unrestricted(referral.case)
    return referral


def _require_status(referral: Referral, allowed: Iterable[str], action: str) -> None:
    if referral.status not in tuple(allowed):
        raise ValidationError(
            _("L'invio è «%(status)s»: non si può %(action)s."),
            code="illegal_transition",
            params={"status": ReferralStatus(referral.status).label, "action": action},
        )


def _clean_text(value: str, limit: int, field: str, errors: dict[str, list[str]]) -> str:
    value = value.strip()
    if len(value) > limit:
        errors.setdefault(field, []).append(
            _("Il testo è troppo lungo (al massimo %(limit)d caratteri).") % {"limit": limit}
        )
    return value


def _clean_shared(shared: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    chosen = set(shared)
    unknown = chosen - set(SharedItem.values)
    if unknown:
        errors.setdefault("shared", []).append(
            _("Informazioni da condividere non riconosciute: %(items)s.")
            % {"items": ", ".join(sorted(unknown))}
        )
    # Kept in the catalogue's order, so that the letter and the page read the same way.
    return [item for item in SharedItem.values if item in chosen]


# --- Steps -----------------------------------------------------------------------------------


@transaction.atomic
def propose_referral(
    actor: User,
    case_id: int,
    *,
    to_service_id: object,
    reason: str,
    summary: str,
    urgency: str,
    shared: list[str],
    consent_given: bool,
) -> Referral:
    """Propose a referral the person agreed to: what they agreed to share is kept with it, and
    the letter prints nothing else."""
    case = _locked_case(actor, case_id)
    if case.status == Status.CLOSED:
        raise ValidationError(
            _("La presa in carico %(reference)s è chiusa: riaprila per proporre un invio."),
            code="closed",
            params={"reference": case.reference},
        )
    errors: dict[str, list[str]] = {}
    if not consent_given:
        errors["consent_given"] = [
            _("Serve il consenso della persona all'invio e a ciò che viene condiviso.")
        ]
    target = (
        DirectoryService.objects.filter(pk=to_service_id, status=ServiceStatus.ACTIVE).first()
        if to_service_id
        else None
    )
    if target is None:
        errors["to_service"] = [_("Scegli un servizio attivo dell'elenco.")]
    elif target.desk_service_id is not None and target.desk_service_id == case.service_id:
        errors["to_service"] = [_("La presa in carico è già di questo servizio.")]
    reason = _clean_text(reason, MAX_REASON, "reason", errors)
    if not reason:
        errors.setdefault("reason", []).append(_("Scrivi il motivo dell'invio."))
    summary = _clean_text(summary, MAX_SUMMARY, "summary", errors)
    if urgency not in ReferralUrgency.values:
        errors["urgency"] = [_("Scegli l'urgenza.")]
    shared_items = _clean_shared(shared, errors)
    if SharedItem.SUMMARY in shared_items and not summary:
        errors.setdefault("summary", []).append(
            _(
                "La persona ha acconsentito a condividere la sintesi: scrivila, oppure togli "
                "la scelta."
            )
        )
    if errors:
        raise ValidationError(errors)
    assert target is not None
    at = catalogue.now()
    referral = Referral.objects.create(
        case=case,
        to_service=target,
        reason=reason,
        summary=summary,
        urgency=urgency,
        shared=shared_items,
        consent_at=at,
        status=ReferralStatus.PROPOSED,
        created_by=actor,
        created_at=at,
    )
    referral_letter.freeze_letter(referral)
    referral.save(update_fields=["letter_body"])
    _audit(
        actor,
        referral,
        "referral_proposed",
        to_service=str(target.pk),
        internal=target.desk_service_id is not None,
        urgency=urgency,
        shared=shared_items,
    )
    return referral


def working_day() -> datetime.timedelta:
    """One working day: the longest day the desk is open (its weekly hours), so that "N working
    days" is that much open time and lands, across closed days, at about the same hour."""
    organisation = catalogue.current_organisation()
    per_day: dict[int, datetime.timedelta] = {}
    for hours in organisation.weekly_hours.all():
        day = datetime.date(2000, 1, 3)  # any date: only the difference of two times matters
        length = datetime.datetime.combine(day, hours.closes) - datetime.datetime.combine(
            day, hours.opens
        )
        per_day[hours.weekday] = per_day.get(hours.weekday, datetime.timedelta()) + length
    return max(per_day.values(), default=FALLBACK_WORKING_DAY)


def follow_up_due(sent_at: datetime.datetime) -> datetime.datetime:
    """SPORTELLO_REFERRAL_FOLLOW_UP_WORKING_DAYS of the desk's open time after sending (closed
    days, holidays and the patron's day do not count)."""
    days = int(settings.SPORTELLO_REFERRAL_FOLLOW_UP_WORKING_DAYS)
    due = catalogue.opening_calendar().after_working_time(sent_at, days * working_day())
    # A calendar that never opens again would leave the referral without a reminder at all.
    return due or sent_at + datetime.timedelta(days=days)


def _address(referral: Referral, how: str) -> str:
    service = referral.to_service
    if how == SentHow.EMAIL:
        if {SharedItem.RISK, SharedItem.SUMMARY} & set(referral.shared):
            # Ordinary e-mail may pass through mailboxes anyone at the service reads.
            raise ValidationError(
                {
                    "how": [
                        _(
                            "La lettera contiene dati sulla salute (valutazione del rischio o "
                            "sintesi del percorso): inviala per PEC o consegnala alla persona."
                        )
                    ]
                }
            )
        if not service.email:
            raise ValidationError(
                {"how": [_("Il servizio non ha un indirizzo email: scegli un altro modo.")]}
            )
        return service.email
    if how == SentHow.PEC:
        if not service.pec_email:
            raise ValidationError(
                {"how": [_("Il servizio non ha un indirizzo PEC: scegli un altro modo.")]}
            )
        return service.pec_email
    return ""


@transaction.atomic
def send_referral(actor: User, referral_id: int, *, how: str) -> Referral:
    """Send the letter by e-mail or PEC (after commit, by the worker), or record that it was
    handed to the person; the follow-up is due N working days later."""
    referral = _locked_referral(actor, referral_id)
    _require_status(referral, (ReferralStatus.PROPOSED,), _("inviarlo"))
    if referral.case.status == CaseStatus.CLOSED:
        raise ValidationError(
            _("La presa in carico è chiusa: riaprila per inviare la lettera, o chiudi l'invio.")
        )
    if how not in SentHow.values:
        raise ValidationError({"how": [_("Scegli come inviare la lettera.")]})
    sent_to = _address(referral, how)
    at = catalogue.now()
    referral.status = ReferralStatus.SENT
    referral.sent_at = at
    referral.sent_how = how
    referral.sent_to = sent_to
    referral.follow_up_due_at = follow_up_due(at)
    referral.save(update_fields=["status", "sent_at", "sent_how", "sent_to", "follow_up_due_at"])
    _audit(actor, referral, "referral_sent", how=how, sent_to=sent_to)
    if how in (SentHow.EMAIL, SentHow.PEC):
        # Imported here: the task module reads this one (the letter, the audit helper).
        from sportello.cases.referral_tasks import send_referral_email

        transaction.on_commit(partial(send_referral_email.delay, referral.pk))
    return referral


@transaction.atomic
def record_answer(
    actor: User, referral_id: int, *, accepted: bool, refusal_reason: str = ""
) -> Referral:
    """The service's answer: accepted, or refused with its reason."""
    referral = _locked_referral(actor, referral_id)
    _require_status(referral, (ReferralStatus.SENT,), _("registrare la risposta"))
    errors: dict[str, list[str]] = {}
    refusal_reason = _clean_text(refusal_reason, MAX_NOTE, "refusal_reason", errors)
    if not accepted and not refusal_reason:
        errors.setdefault("refusal_reason", []).append(
            _("Scrivi il motivo del rifiuto indicato dal servizio.")
        )
    if accepted and refusal_reason:
        errors.setdefault("refusal_reason", []).append(
            _("Un invio accettato non ha motivo di rifiuto: togli il testo.")
        )
    if errors:
        raise ValidationError(errors)
    referral.status = ReferralStatus.ACCEPTED if accepted else ReferralStatus.REFUSED
    referral.answered_at = catalogue.now()
    referral.refusal_reason = refusal_reason
    referral.save(update_fields=["status", "answered_at", "refusal_reason"])
    _audit(actor, referral, "referral_answered", accepted=accepted)
    return referral


@transaction.atomic
def record_first_appointment(
    actor: User, referral_id: int, *, held_at: datetime.datetime
) -> Referral:
    """The person had their first appointment at the service: they are taken in."""
    referral = _locked_referral(actor, referral_id)
    _require_status(referral, (ReferralStatus.ACCEPTED,), _("registrare il primo appuntamento"))
    now = catalogue.now()
    if held_at > now:
        raise ValidationError({"held_at": [_("Il primo appuntamento non può essere nel futuro.")]})
    if referral.sent_at is not None and held_at < referral.sent_at:
        raise ValidationError(
            {"held_at": [_("Il primo appuntamento non può essere prima dell'invio.")]}
        )
    referral.status = ReferralStatus.FIRST_APPOINTMENT
    referral.first_appointment_at = held_at
    referral.save(update_fields=["status", "first_appointment_at"])
    _audit(actor, referral, "referral_first_appointment", held_at=held_at.isoformat())
    return referral


# Closing is the end of every path: after the first appointment or a refusal, and also when a
# referral is abandoned midway (the person changed their mind, never went): the note says why.
CLOSABLE = (
    ReferralStatus.PROPOSED,
    ReferralStatus.SENT,
    ReferralStatus.ACCEPTED,
    ReferralStatus.REFUSED,
    ReferralStatus.FIRST_APPOINTMENT,
)


@transaction.atomic
def close_referral(actor: User, referral_id: int, *, note: str) -> Referral:
    referral = _locked_referral(actor, referral_id)
    _require_status(referral, CLOSABLE, _("chiuderlo"))
    errors: dict[str, list[str]] = {}
    note = _clean_text(note, MAX_NOTE, "note", errors)
    if not note:
        errors.setdefault("note", []).append(_("Scrivi una nota di chiusura."))
    if errors:
        raise ValidationError(errors)
    from_status = referral.status
    referral.status = ReferralStatus.CLOSED
    referral.closed_at = catalogue.now()
    referral.close_note = note
    referral.save(update_fields=["status", "closed_at", "close_note"])
    _audit(actor, referral, "referral_closed", from_status=from_status)
    return referral
