"""Every change to a screening, the safety protocol, follow-ups and escalations: one function
per operation, in a transaction, with its audit row (metadata only, never the answers)."""

import datetime
import json
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.alerts import operations as alerts
from sportello.alerts import queries as alert_queries
from sportello.cases.models import Case
from sportello.cases.operations import require_unrestricted
from sportello.intake.models import Contact
from sportello.privacy.operations import record_audit
from sportello.services import queries as catalogue
from sportello.services.models import TargetGroup
from sportello.triage import policies, queries
from sportello.triage.models import (
    ContactReason,
    Escalation,
    EscalationKind,
    FollowUp,
    ProtocolAction,
    RiskLevel,
    Screening,
)
from sportello.triage.risk_rules import (
    Action,
    Answers,
    Level,
    OverrideError,
    assess,
    final_level,
    needs_location,
)


@dataclass(frozen=True)
class ScreeningInput:
    """What the professional recorded, already validated by the screening form."""

    answers: Answers
    target_groups: tuple[TargetGroup, ...] = ()
    reasons: tuple[ContactReason, ...] = ()
    speaks_for_someone_else: bool = False
    location: str = ""
    location_not_disclosed: bool = False
    chosen_level: Level | None = None
    justification: str = ""
    notes: str = ""


@dataclass(frozen=True)
class EscalationReport:
    raised: list[Escalation] = field(default_factory=list)
    acknowledged: list[Escalation] = field(default_factory=list)
    notified: int = 0


def _audit(actor: User | None, contact: Contact, action: str, **detail: object) -> None:
    record_audit(
        actor,
        object_type="contact",
        object_id=contact.pk,
        contact_id=contact.pk,
        action=action,
        **detail,
    )


def _contact_for_protocol(user: User, contact_id: int) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    if not policies.can_document_protocol(user, contact, queries.screened_by_ids(contact.pk)):
        raise PermissionDenied(
            _("Non puoi documentare il protocollo di sicurezza del contatto %(reference)s.")
            % {"reference": contact.reference}
        )
    return contact


def _require_unrestricted(contact: Contact) -> None:
    """A contact linked to a case is part of that person's record: restricted (Art. 18), it
    is read, not written. The 112 call and the coordinator informed are still recorded: they
    document what was done to protect the person's life."""
    for case in Case.objects.filter(Q(opened_from=contact) | Q(contacts=contact)).distinct():
        require_unrestricted(case)


def _screening_in_force(contact: Contact) -> Screening:
    screening = Screening.objects.filter(contact=contact).first()
    if screening is None:
        raise ValidationError(
            _("Il contatto %(reference)s non ha ancora una valutazione del rischio."),
            params={"reference": contact.reference},
        )
    return screening


@transaction.atomic
def record_screening(user: User, contact_id: int, data: ScreeningInput) -> Screening:
    """Compute the level, keep the professional's own beside it, and start the protocol."""
    contact = Contact.objects.select_for_update().select_related("service").get(pk=contact_id)
    if not policies.can_screen(user, contact):
        raise PermissionDenied(
            _("Solo chi ha in carico il contatto %(reference)s può valutarne il rischio.")
            % {"reference": contact.reference}
        )
    _require_unrestricted(contact)
    assessment = assess(data.answers)
    try:
        level = final_level(assessment.level, data.chosen_level, data.justification)
    except OverrideError:
        raise ValidationError(
            _(
                "Per cambiare il livello calcolato (%(computed)s) scrivi una motivazione di "
                "almeno 10 caratteri."
            ),
            code="override_needs_justification",
            params={"computed": RiskLevel(assessment.level).label},
        ) from None
    if needs_location(level) and not (data.location.strip() or data.location_not_disclosed):
        raise ValidationError(
            _(
                "Con un rischio alto o imminente indica dove si trova la persona, oppure che "
                "non l'ha comunicato."
            ),
            code="location_required",
        )
    now = catalogue.now()
    screening = Screening.objects.create(
        contact=contact,
        at=now,
        by=user,
        instrument_version=assessment.instrument_version,
        answers=json.dumps(data.answers.as_mapping(), sort_keys=True),
        findings=json.dumps([finding.code for finding in assessment.findings]),
        computed_level=assessment.level,
        level=level,
        override_justification=data.justification.strip() if level != assessment.level else "",
        speaks_for_someone_else=data.speaks_for_someone_else,
        location=data.location.strip(),
        location_not_disclosed=data.location_not_disclosed and not data.location.strip(),
        notes=data.notes.strip(),
    )
    screening.target_groups.set(data.target_groups)
    screening.reasons.set(data.reasons)
    _audit(
        user,
        contact,
        "screened",
        screening=screening.pk,
        instrument=assessment.instrument_version,
        computed_level=int(assessment.level),
        level=int(level),
        overridden=level != assessment.level,
    )
    if level >= Level.HIGH:
        _raise_escalation(
            Escalation(
                kind=EscalationKind.HIGH_RISK,
                contact=contact,
                screening=screening,
                raised_at=now,
            ),
            now,
        )
    return screening


@transaction.atomic
def record_emergency_call(
    user: User,
    contact_id: int,
    *,
    called_at: datetime.datetime,
    called_by: str,
    incident_number: str = "",
    reach_confirmed: bool | None = None,
    note: str = "",
) -> ProtocolAction:
    contact = _contact_for_protocol(user, contact_id)
    screening = _screening_in_force(contact)
    now = catalogue.now()
    if called_at > now + datetime.timedelta(minutes=1):
        raise ValidationError(_("L'orario della chiamata al 112 non può essere nel futuro."))
    if called_at < screening.at - datetime.timedelta(hours=12):
        raise ValidationError(
            _("L'orario della chiamata al 112 è troppo lontano dalla valutazione del rischio.")
        )
    if not called_by.strip():
        raise ValidationError(_("Indica chi ha chiamato il 112."))
    return _record_action(
        user,
        contact,
        screening,
        Action.EMERGENCY_SERVICES,
        called_at=called_at,
        called_by=called_by.strip(),
        incident_number=incident_number.strip(),
        reach_confirmed=reach_confirmed,
        note=note.strip(),
    )


@transaction.atomic
def record_supervisor_informed(
    user: User, contact_id: int, *, supervisor_id: int, note: str = ""
) -> ProtocolAction:
    contact = _contact_for_protocol(user, contact_id)
    screening = _screening_in_force(contact)
    supervisor = User.objects.filter(pk=supervisor_id, is_active=True).first()
    if supervisor is None or not supervisor.has_role(Role.COORDINATOR):
        raise ValidationError(_("Scegli il coordinatore che hai informato."))
    action = _record_action(
        user, contact, screening, Action.SUPERVISOR_INFORMED, supervisor=supervisor, note=note
    )
    # The coordinator knows: the high-risk alerts about this contact stop repeating.
    for escalation in Escalation.objects.select_for_update().filter(
        contact=contact, kind=EscalationKind.HIGH_RISK, acknowledged_at=None
    ):
        _acknowledge(escalation, supervisor, catalogue.now())
    return action


@transaction.atomic
def schedule_follow_up(
    user: User, contact_id: int, *, due_at: datetime.datetime, note: str = ""
) -> FollowUp:
    """A call back the person is owed, by whoever schedules it; one due today documents the
    same-day follow-up."""
    contact = _contact_for_protocol(user, contact_id)
    _require_unrestricted(contact)
    now = catalogue.now()
    if due_at <= now:
        raise ValidationError(_("Il ricontatto deve essere programmato nel futuro."))
    follow_up = FollowUp.objects.create(
        contact=contact,
        due_at=due_at,
        assigned_to=user,
        created_at=now,
        created_by=user,
        note=note.strip(),
    )
    _audit(user, contact, "follow_up_scheduled", follow_up=follow_up.pk)
    screening = Screening.objects.filter(contact=contact).first()
    zone = catalogue.desk_zone()
    same_day = timezone.localtime(due_at, zone).date() == timezone.localtime(now, zone).date()
    if screening is not None and same_day:
        _record_action(
            user, contact, screening, Action.SAME_DAY_FOLLOW_UP, follow_up=follow_up, note=""
        )
    return follow_up


@transaction.atomic
def record_safety_plan(user: User, contact_id: int, *, note: str) -> ProtocolAction:
    contact = _contact_for_protocol(user, contact_id)
    _require_unrestricted(contact)
    screening = _screening_in_force(contact)
    if len(note.strip()) < 10:
        raise ValidationError(
            _("Descrivi in breve il piano di sicurezza concordato (almeno 10 caratteri).")
        )
    return _record_action(user, contact, screening, Action.SAFETY_PLAN, note=note.strip())


def _record_action(
    user: User, contact: Contact, screening: Screening, action: Action, **fields: object
) -> ProtocolAction:
    recorded = ProtocolAction.objects.create(
        contact=contact,
        screening=screening,
        kind=action,
        recorded_at=catalogue.now(),
        recorded_by=user,
        **fields,
    )
    _audit(user, contact, "protocol_action", kind=str(action), protocol_action=recorded.pk)
    return recorded


@transaction.atomic
def complete_follow_up(user: User, follow_up_id: int, *, note: str = "") -> FollowUp:
    follow_up = FollowUp.objects.select_for_update().select_related("contact").get(pk=follow_up_id)
    if follow_up.assigned_to_id != user.pk and not user.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Questo ricontatto è affidato a un collega."))
    _require_unrestricted(follow_up.contact)
    if follow_up.done_at is not None:
        raise ValidationError(_("Questo ricontatto è già stato svolto."))
    now = catalogue.now()
    follow_up.done_at = now
    follow_up.done_by = user
    if note.strip():
        follow_up.note = "\n".join(filter(None, [follow_up.note, note.strip()]))
    follow_up.save(update_fields=["done_at", "done_by", "note"])
    _audit(user, follow_up.contact, "follow_up_done", follow_up=follow_up.pk)
    for escalation in Escalation.objects.select_for_update().filter(
        follow_up=follow_up, acknowledged_at=None
    ):
        _acknowledge(escalation, user, now)
    return follow_up


@transaction.atomic
def acknowledge_escalation(user: User, escalation_id: int) -> Escalation:
    """A coordinator has seen it: the alerts stop, and a high-risk acknowledgement documents
    that the supervisor was informed."""
    if not policies.can_acknowledge(user):
        raise PermissionDenied(_("Solo i coordinatori prendono visione delle segnalazioni."))
    escalation = (
        Escalation.objects.select_for_update().select_related("contact").get(pk=escalation_id)
    )
    if escalation.acknowledged_at is not None:
        raise ValidationError(
            _("%(who)s ha già preso visione di questa segnalazione."),
            params={"who": _who(escalation.acknowledged_by)},
        )
    now = catalogue.now()
    _acknowledge(escalation, user, now)
    if escalation.kind == EscalationKind.HIGH_RISK and escalation.screening_id is not None:
        already = ProtocolAction.objects.filter(
            contact=escalation.contact, kind=Action.SUPERVISOR_INFORMED
        ).exists()
        if not already:
            _record_action(
                user,
                escalation.contact,
                escalation.screening,  # type: ignore[arg-type]
                Action.SUPERVISOR_INFORMED,
                supervisor=user,
                note="",
            )
    return escalation


def _who(user: User | None) -> str:
    if user is None:
        return _("Un collega")
    return user.display_name


def _acknowledge(escalation: Escalation, by: User, at: datetime.datetime) -> None:
    escalation.acknowledged_at = at
    escalation.acknowledged_by = by
    escalation.save(update_fields=["acknowledged_at", "acknowledged_by"])
    alerts.acknowledge_group(escalation.group_key, by)
    _audit(by, escalation.contact, "escalation_acknowledged", escalation=escalation.pk)


def _alert_text(escalation: Escalation) -> tuple[str, str]:
    # The e-mail leaves the system: a reference and a link, never what the person said.
    reference = escalation.contact.reference
    if escalation.kind == EscalationKind.HIGH_RISK:
        level = RiskLevel(escalation.screening.level).label if escalation.screening else ""
        return (
            _("Contatto %(reference)s: %(level)s") % {"reference": reference, "level": level},
            _(
                "Il contatto %(reference)s è stato valutato a %(level)s. Serve la presa "
                "visione di un coordinatore: apri la segnalazione dal link."
            )
            % {"reference": reference, "level": level},
        )
    return (
        _("Ricontatto scaduto: %(reference)s") % {"reference": reference},
        _(
            "Il ricontatto del contatto %(reference)s doveva essere svolto entro le %(due)s e "
            "non risulta fatto. Apri la segnalazione dal link."
        )
        % {
            "reference": reference,
            "due": timezone.localtime(escalation.follow_up.due_at, catalogue.desk_zone()).strftime(  # type: ignore[union-attr]
                "%d/%m/%Y %H:%M"
            ),
        },
    )


def _notify(escalation: Escalation, now: datetime.datetime) -> int:
    title, body = _alert_text(escalation)
    sent = alerts.raise_alert(
        queries.coordinators_to_alert(),
        kind=escalation.kind,
        title=title,
        body=body,
        link=reverse("intake:contact", args=[escalation.contact_id]),
        group_key=escalation.group_key,
        about_type="escalation",
        about_id=escalation.pk,
    )
    if sent:
        escalation.last_notified_at = now
        escalation.notify_count += 1
        escalation.save(update_fields=["last_notified_at", "notify_count"])
    return len(sent)


def _raise_escalation(escalation: Escalation, now: datetime.datetime) -> Escalation:
    escalation.save()
    _audit(
        None,
        escalation.contact,
        "escalation_raised",
        escalation=escalation.pk,
        kind=escalation.kind,
    )
    _notify(escalation, now)
    return escalation


@transaction.atomic
def escalate(now: datetime.datetime | None = None) -> EscalationReport:
    """The periodic sweep: raise escalations for overdue follow-ups and unescalated high-risk
    screenings, take over acknowledgements given on the alerts page, and make sure every
    coordinator on duty has the alert of every open escalation (alerts repeat by themselves
    until acknowledged)."""
    now = now or catalogue.now()
    report = EscalationReport()
    for follow_up in (
        queries.overdue_follow_ups(now).select_related("contact").select_for_update(of=("self",))
    ):
        report.raised.append(
            _raise_escalation(
                Escalation(
                    kind=EscalationKind.FOLLOW_UP_OVERDUE,
                    contact=follow_up.contact,
                    follow_up=follow_up,
                    raised_at=now,
                ),
                now,
            )
        )
    for screening in queries.unescalated_high_risk():
        report.raised.append(
            _raise_escalation(
                Escalation(
                    kind=EscalationKind.HIGH_RISK,
                    contact=screening.contact,
                    screening=screening,
                    raised_at=now,
                ),
                now,
            )
        )
    raised = {escalation.pk for escalation in report.raised}
    notified = 0
    still_open = list(
        Escalation.objects.select_for_update(of=("self",))
        .filter(acknowledged_at=None)
        .select_related("contact", "screening", "follow_up")
    )
    seen_by = alert_queries.acknowledgers(escalation.group_key for escalation in still_open)
    for escalation in still_open:
        acknowledger = seen_by.get(escalation.group_key)
        if acknowledger is not None:
            _acknowledge(escalation, acknowledger, now)
            report.acknowledged.append(escalation)
        elif escalation.pk not in raised:
            notified += _notify(escalation, now)
    return EscalationReport(report.raised, report.acknowledged, notified)
