"""Every change to a case: one function per operation, in a transaction, with its audit row.

Audit rows carry metadata only (who, what, which case, which codes): never a name, a goal or
a note. A refused operation raises before it writes, so it leaves nothing behind.
"""

import datetime
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from sportello import yearly_reference
from sportello.accounts.models import Language, User
from sportello.accounts.roles import Role
from sportello.alerts.models import Kind as AlertKind
from sportello.alerts.operations import raise_alert
from sportello.cases import policies, queries, section_forms
from sportello.cases.models import (
    MAX_SESSION_MINUTES,
    MUNICIPI,
    BreakGlassGrant,
    Case,
    CaseReferenceCounter,
    CaseSection,
    CaseTransfer,
    Consent,
    ConsentHow,
    Outcome,
    Person,
    Session,
    SessionMode,
    Status,
    name_lookup_of,
    new_pseudonym,
    validate_birth_year,
)
from sportello.intake import phone_numbers
from sportello.intake.models import Contact
from sportello.privacy.operations import record_access, record_audit
from sportello.privacy.subject_request_queries import is_restricted
from sportello.services import queries as catalogue
from sportello.services.models import Service
from sportello.triage.safety import require_protocol_complete

MAX_FULL_NAME = 200
MAX_GOALS = 5000
MAX_NOTES = 20000
MAX_OTHER_PARTICIPANTS = 500
MIN_TRANSFER_REASON = 10


@dataclass(frozen=True)
class PersonData:
    """What is known of the person, already cleaned by a form (checked again here)."""

    full_name: str = ""
    birth_year: int | None = None
    municipio: int | None = None
    preferred_language_id: int | None = None
    phone: str = ""
    email: str = ""
    safe_to_message: bool = False
    no_messages: bool = False


def _audit(actor: User, case: Case, action: str, **detail: object) -> None:
    record_audit(
        actor, object_type="case", object_id=case.pk, action=action, case_id=case.pk, **detail
    )


def _refuse_unless(allowed: bool) -> None:
    """Someone who may not act on a case learns nothing about it, not even that it exists."""
    if not allowed:
        raise PermissionDenied(_("Presa in carico non trovata."))


def _case(user: User, case_id: int) -> Case:
    """The case locked for the change, if the user may read it (Case.DoesNotExist otherwise)
    and its person's data are not restricted (Art. 18: kept and read, not changed)."""
    case = (
        queries.visible_cases(user)
        .select_related("service", "person")
        .select_for_update(of=("self",))
        .get(pk=case_id)
    )
    require_unrestricted(case)
    return case


def require_unrestricted(case: Case) -> None:
    """Art. 18: a restricted person's data are kept and read, not changed, shared or used to
    book: every operation that does so on a case asks here first."""
    if is_restricted(case.person_id):
        raise ValidationError(
            _(
                "Il trattamento dei dati della persona della presa in carico %(reference)s è "
                "limitato su sua richiesta: la presa in carico si può consultare ma non "
                "modificare finché la limitazione non è revocata."
            ),
            code="restricted",
            params={"reference": case.reference},
        )


def _require_not_closed(case: Case, what: str) -> None:
    if case.status == Status.CLOSED:
        raise ValidationError(
            _("La presa in carico %(reference)s è chiusa: riaprila per %(what)s."),
            code="closed",
            params={"reference": case.reference, "what": what},
        )


def clean_person(data: PersonData, *, anonymous: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    full_name = " ".join(data.full_name.split())
    if anonymous and full_name:
        errors["full_name"] = [
            _("Una persona anonima non ha nome: togli il nome oppure togli «anonima».")
        ]
    if not anonymous and not full_name:
        errors["full_name"] = [_("Scrivi nome e cognome, oppure indica che la persona è anonima.")]
    if len(full_name) > MAX_FULL_NAME:
        errors["full_name"] = [_("Il nome è troppo lungo (al massimo 200 caratteri).")]
    if data.birth_year is not None:
        try:
            validate_birth_year(data.birth_year)
        except ValidationError as error:
            errors["birth_year"] = error.messages
    if data.municipio is not None and not 1 <= data.municipio <= MUNICIPI:
        errors["municipio"] = [_("Il municipio è un numero da 1 a %(last)d.") % {"last": MUNICIPI}]
    language = None
    if data.preferred_language_id is not None:
        language = Language.objects.filter(pk=data.preferred_language_id).first()
        if language is None:
            errors["preferred_language"] = [_("Lingua sconosciuta.")]
    phone = ""
    if data.phone.strip():
        try:
            phone = phone_numbers.normalise(data.phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    email = data.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Scrivi un indirizzo email valido.")]
    if data.safe_to_message and data.no_messages:
        errors["safe_to_message"] = [
            _("La persona non vuole ricevere messaggi: non possono essere anche sicuri.")
        ]
    elif data.safe_to_message and not (phone or email) and "phone" not in errors:
        errors["safe_to_message"] = [
            _("Per inviare messaggi serve un telefono o un'email della persona.")
        ]
    if errors:
        raise ValidationError(errors)
    return {
        "identified": not anonymous,
        "full_name": full_name,
        "name_lookup": name_lookup_of(full_name),
        "birth_year": data.birth_year,
        "municipio": data.municipio,
        "preferred_language": language,
        "phone": phone,
        "email": email,
        "safe_to_message": data.safe_to_message,
        "no_messages": data.no_messages,
    }


def _new_person(values: dict[str, Any], at: datetime.datetime) -> Person:
    # A pseudonym is random: on the rare clash, draw again (a savepoint keeps the transaction).
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return Person.objects.create(pseudonym=new_pseudonym(), created_at=at, **values)
        except IntegrityError:
            continue
    raise RuntimeError("No free pseudonym after 10 draws")


def _clean_goals(goals: str) -> str:
    goals = goals.strip()
    if len(goals) > MAX_GOALS:
        raise ValidationError(
            {
                "goals": [
                    _("Gli obiettivi sono troppo lunghi (al massimo %(n)d caratteri).")
                    % {"n": MAX_GOALS}
                ]
            }
        )
    return goals


def _require_in_no_open_case(contact: Contact, *, field: str | None = None) -> None:
    """A contact belongs to one open (or suspended) case at most: name the one it is in."""
    existing = queries.open_case_of(contact.pk)
    if existing is None:
        return
    error = ValidationError(
        _("Il contatto %(contact)s fa già parte della presa in carico %(case)s."),
        code="already_in_case",
        params={"contact": contact.reference, "case": existing.reference},
    )
    raise ValidationError({field: error}) if field else error


@transaction.atomic
def open_case(
    user: User,
    contact_id: int,
    *,
    person_data: PersonData,
    goals: str = "",
    anonymous: bool = True,
) -> Case:
    """Open a case for the person of a contact the user holds or held (or, for a coordinator,
    any contact of their services). The case takes the contact's service and programme."""
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    if not policies.can_open_from(user, contact):
        raise PermissionDenied(_("Puoi aprire una presa in carico solo da un contatto tuo."))
    _require_in_no_open_case(contact)
    values = clean_person(person_data, anonymous=anonymous)
    goals = _clean_goals(goals)
    at = catalogue.now()
    person = _new_person(values, at)
    case = Case.objects.create(
        # The real reference is taken last (below), so its counter row is locked briefly.
        reference=f"pending-{uuid.uuid4().hex[:11]}",
        person=person,
        service_id=contact.service_id,
        programme_id=contact.programme_id,
        opened_from=contact,
        primary_professional=user if policies.is_professional(user) else None,
        goals=goals,
        opened_at=at,
        opened_by=user,
    )
    case.contacts.add(contact)
    case.reference = yearly_reference.next_reference(CaseReferenceCounter, "PC", _local(at).year)
    case.save(update_fields=["reference"])
    _audit(
        user,
        case,
        "opened",
        contact_id=contact.pk,
        service=contact.service.code,
        anonymous=anonymous,
    )
    return case


def _local(at: datetime.datetime) -> datetime.datetime:
    return at.astimezone(catalogue.desk_zone())


@transaction.atomic
def update_person(user: User, case_id: int, person_data: PersonData, *, anonymous: bool) -> Person:
    case = _case(user, case_id)
    _refuse_unless(policies.can_write_record(user, case))
    values = clean_person(person_data, anonymous=anonymous)
    person = Person.objects.select_for_update().get(pk=case.person_id)
    changed = sorted(
        name
        for name, value in values.items()
        if name != "name_lookup" and getattr(person, name) != value
    )
    for name, value in values.items():
        setattr(person, name, value)
    person.save()
    _audit(user, case, "person_updated", fields=changed)
    return person


@transaction.atomic
def set_goals(user: User, case_id: int, goals: str) -> Case:
    case = _case(user, case_id)
    _refuse_unless(policies.can_write_record(user, case))
    _require_not_closed(case, _("cambiare gli obiettivi"))
    case.goals = _clean_goals(goals)
    case.save(update_fields=["goals"])
    _audit(user, case, "goals_set")
    return case


@transaction.atomic
def save_section(user: User, case_id: int, cleaned_answers: Mapping[str, Any]) -> CaseSection:
    """Store the answers to the case's service section (validated again against its fields)."""
    case = _case(user, case_id)
    _refuse_unless(policies.can_write_record(user, case))
    _require_not_closed(case, _("aggiornare la sezione del servizio"))
    fields = section_forms.fields_of(case.service_id)
    document = section_forms.validate_answers(fields, cleaned_answers)

    section, _created = CaseSection.objects.update_or_create(
        case=case,
        service_id=case.service_id,
        defaults={
            "answers": json.dumps(document, ensure_ascii=False, sort_keys=True),
            "updated_at": catalogue.now(),
            "updated_by": user,
        },
    )
    _audit(user, case, "section_saved", service=case.service.code, questions=sorted(document))
    return section


def _participants(case: Case, ids: Iterable[int]) -> list[User]:
    wanted = set(ids)
    allowed = {member.pk: member for member in case.team.all()}
    if case.primary_professional_id:
        allowed[case.primary_professional_id] = case.primary_professional  # type: ignore[assignment]
    unknown = wanted - set(allowed)
    if unknown:
        raise ValidationError(
            {"participants": [_("Tra i presenti scegli solo chi segue la presa in carico.")]}
        )
    return [allowed[pk] for pk in sorted(wanted)]


@transaction.atomic
def record_session(
    user: User,
    case_id: int,
    *,
    held_at: datetime.datetime,
    mode: str,
    duration_minutes: int,
    participant_ids: Iterable[int] = (),
    other_participants: str = "",
    notes: str = "",
    next_steps: str = "",
) -> Session:
    """A colloquio held by phone or video, with its notes (encrypted at rest)."""
    case = _case(user, case_id)
    _refuse_unless(policies.can_write_record(user, case))
    _require_not_closed(case, _("registrare un colloquio"))
    at = catalogue.now()
    errors: dict[str, list[str]] = {}
    if mode not in SessionMode.values:
        errors["mode"] = [_("Scegli se il colloquio è stato al telefono o in videochiamata.")]
    if not 1 <= duration_minutes <= MAX_SESSION_MINUTES:
        errors["duration_minutes"] = [
            _("La durata è in minuti, da 1 a %(max)d.") % {"max": MAX_SESSION_MINUTES}
        ]
    if held_at > at:
        errors["held_at"] = [_("Un colloquio si registra dopo averlo svolto: la data è futura.")]
    for name, text, limit in (
        ("notes", notes, MAX_NOTES),
        ("next_steps", next_steps, MAX_NOTES),
        ("other_participants", other_participants, MAX_OTHER_PARTICIPANTS),
    ):
        if len(text) > limit:
            errors[name] = [_("Testo troppo lungo (al massimo %(n)d caratteri).") % {"n": limit}]
    if errors:
        raise ValidationError(errors)
    participants = _participants(case, participant_ids)
    session = Session.objects.create(
        case=case,
        held_at=held_at,
        mode=mode,
        duration_minutes=duration_minutes,
        other_participants=other_participants.strip(),
        notes=notes.strip(),
        next_steps=next_steps.strip(),
        recorded_by=user,
        recorded_at=at,
    )
    session.participants.set(participants)
    record_audit(
        user,
        object_type="session",
        object_id=session.pk,
        action="recorded",
        case_id=case.pk,
        mode=mode,
        duration_minutes=duration_minutes,
    )
    return session


@transaction.atomic
def record_consent(
    user: User, case_id: int, *, given_how: str, given_at: datetime.datetime
) -> Consent:
    """The person's informed consent, on the text version in force, collected by this user."""
    case = _case(user, case_id)
    _refuse_unless(policies.can_write_record(user, case))
    _require_not_closed(case, _("registrare il consenso"))
    errors: dict[str, list[str]] = {}
    if given_how not in ConsentHow.values:
        errors["given_how"] = [_("Scegli come è stato dato il consenso.")]
    if given_at > catalogue.now():
        errors["given_at"] = [_("La data del consenso non può essere futura.")]
    if errors:
        raise ValidationError(errors)
    version = settings.SPORTELLO_CONSENT_TEXT_VERSION
    if case.consents.filter(text_version=version, withdrawn_at__isnull=True).exists():
        raise ValidationError(
            _("Il consenso sul testo %(version)s è già registrato e in vigore."),
            code="already_given",
            params={"version": version},
        )
    consent = Consent.objects.create(
        case=case, given_how=given_how, given_at=given_at, given_to=user, text_version=version
    )
    record_audit(
        user,
        object_type="consent",
        object_id=consent.pk,
        action="given",
        case_id=case.pk,
        given_how=given_how,
        text_version=version,
    )
    return consent


@transaction.atomic
def withdraw_consent(user: User, case_id: int, consent_id: int) -> Consent:
    case = _case(user, case_id)
    _refuse_unless(policies.can_write_record(user, case))
    consent = Consent.objects.select_for_update().get(pk=consent_id, case=case)
    if consent.withdrawn_at is not None:
        raise ValidationError(
            _("Questo consenso è già stato revocato il %(when)s."),
            code="already_withdrawn",
            params={"when": f"{consent.withdrawn_at:%d/%m/%Y}"},
        )
    consent.withdrawn_at = catalogue.now()
    consent.withdrawal_recorded_by = user
    consent.save(update_fields=["withdrawn_at", "withdrawal_recorded_by"])
    record_audit(
        user, object_type="consent", object_id=consent.pk, action="withdrawn", case_id=case.pk
    )
    return consent


def _assignable(service: Service, professional_id: int) -> User:
    professional = (
        User.objects.filter(pk=professional_id, is_active=True)
        .select_related("professional_profile")
        .first()
    )
    if professional is None or not policies.can_serve(professional, service):
        raise ValidationError(
            {
                "professional": [
                    _("Scegli un professionista del servizio «%(service)s».")
                    % {"service": service.name}
                ]
            }
        )
    return professional


@transaction.atomic
def assign(coordinator: User, case_id: int, professional_id: int) -> Case:
    """Give the case a (new) primary professional, who must serve the case's service."""
    case = _case(coordinator, case_id)
    _refuse_unless(policies.can_assign(coordinator, case))
    _require_not_closed(case, _("assegnarla"))
    professional = _assignable(case.service, professional_id)
    previous = case.primary_professional_id
    case.primary_professional = professional
    case.save(update_fields=["primary_professional"])
    _audit(coordinator, case, "assigned", professional_id=professional.pk, previous_id=previous)
    return case


@transaction.atomic
def set_team(coordinator: User, case_id: int, member_ids: Iterable[int]) -> Case:
    """The professionals who follow the case beside the primary one (any service: the team is
    multidisciplinary)."""
    case = _case(coordinator, case_id)
    _refuse_unless(policies.can_assign(coordinator, case))
    wanted = set(member_ids) - {case.primary_professional_id}
    members = list(
        User.objects.filter(
            pk__in=wanted, is_active=True, groups__name=Role.PROFESSIONAL.value
        ).distinct()
    )
    if len(members) != len(wanted):
        raise ValidationError({"members": [_("Nell'équipe possono entrare solo professionisti.")]})
    case.team.set(members)
    _audit(coordinator, case, "team_set", member_ids=sorted(member.pk for member in members))
    return case


@transaction.atomic
def transfer(user: User, case_id: int, to_service_code: str, reason: str) -> Case:
    """Move the case to another service; the transfer row keeps where it came from and why. A
    primary professional who does not serve the new service leaves it to be assigned there."""
    case = _case(user, case_id)
    _refuse_unless(policies.can_manage(user, case))
    _require_not_closed(case, _("trasferirla"))
    errors: dict[str, list[str]] = {}
    target = Service.objects.filter(code=to_service_code, is_active=True).first()
    if target is None:
        errors["to_service"] = [_("Scegli un servizio attivo.")]
    elif target.pk == case.service_id:
        errors["to_service"] = [_("La presa in carico è già di questo servizio.")]
    reason = reason.strip()
    if len(reason) < MIN_TRANSFER_REASON:
        errors["reason"] = [
            _("Spiega il motivo del trasferimento (almeno %(n)d caratteri).")
            % {"n": MIN_TRANSFER_REASON}
        ]
    if errors:
        raise ValidationError(errors)
    assert target is not None
    at = catalogue.now()
    CaseTransfer.objects.create(
        case=case, from_service=case.service, to_service=target, at=at, by=user, reason=reason
    )
    from_code = case.service.code
    case.service = target
    if case.primary_professional is not None and not policies.can_serve(
        case.primary_professional, target
    ):
        case.primary_professional = None
    case.save(update_fields=["service", "primary_professional"])
    _audit(user, case, "transferred", from_service=from_code, to_service=target.code)
    return case


def _change_status(user: User, case_id: int, action: str, allowed_from: tuple[str, ...]) -> Case:
    case = _case(user, case_id)
    _refuse_unless(policies.can_manage(user, case))
    if case.status not in allowed_from:
        raise ValidationError(
            _("La presa in carico %(reference)s è %(status)s: non si può %(action)s."),
            code="illegal_transition",
            params={
                "reference": case.reference,
                "status": Status(case.status).label,
                "action": {
                    "suspend": _("sospendere"),
                    "reopen": _("riaprire"),
                    "close": _("chiudere"),
                }[action],
            },
        )
    return case


@transaction.atomic
def suspend(user: User, case_id: int) -> Case:
    case = _change_status(user, case_id, "suspend", (Status.OPEN,))
    case.status = Status.SUSPENDED
    case.save(update_fields=["status"])
    _audit(user, case, "suspended")
    return case


@transaction.atomic
def reopen(user: User, case_id: int) -> Case:
    case = _change_status(user, case_id, "reopen", (Status.SUSPENDED, Status.CLOSED))
    from_status = case.status
    case.status, case.outcome, case.closed_at = Status.OPEN, "", None
    case.save(update_fields=["status", "outcome", "closed_at"])
    _audit(user, case, "reopened", from_status=from_status)
    return case


@transaction.atomic
def close_case(user: User, case_id: int, outcome: str) -> Case:
    """Close with an outcome; refused while a contact of the case at high or imminent risk
    lacks its documented safety action (invariant 3)."""
    case = _change_status(user, case_id, "close", (Status.OPEN, Status.SUSPENDED))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [_("Scegli l'esito della presa in carico.")]})
    require_protocol_complete(case.contacts.values_list("pk", flat=True))
    case.status, case.outcome, case.closed_at = Status.CLOSED, outcome, catalogue.now()
    case.save(update_fields=["status", "outcome", "closed_at"])
    _audit(user, case, "closed", outcome=outcome)
    return case


@transaction.atomic
def link_contact(user: User, case_id: int, contact_id: int) -> Case:
    """Add a later contact of the same person to the case."""
    case = _case(user, case_id)
    _refuse_unless(policies.can_write_record(user, case))
    _require_not_closed(case, _("collegare un contatto"))
    contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None or not policies.can_open_from(user, contact):
        raise ValidationError(
            {"contact": [_("Puoi collegare solo un contatto che hai gestito tu.")]}
        )
    if case.contacts.filter(pk=contact.pk).exists():
        raise ValidationError(
            {"contact": [_("Il contatto %(contact)s è già collegato.") % {"contact": contact}]}
        )
    _require_in_no_open_case(contact, field="contact")
    case.contacts.add(contact)
    _audit(user, case, "contact_linked", contact_id=contact.pk)
    return case


@transaction.atomic
def break_glass(
    user: User, case_id: int, reason: str, request: HttpRequest | None
) -> BreakGlassGrant:
    """Exceptional access for someone not assigned: a written reason, a grant that expires,
    a break-glass row in the access log, and an alert to the coordinators of the case's service
    and to every DPO (reference, who and when only: nothing clinical)."""
    if not policies.can_break_glass(user):
        raise PermissionDenied(_("Presa in carico non trovata."))
    case = Case.objects.select_related("service").prefetch_related("team").get(pk=case_id)
    if policies.follows(user, case) or policies.coordinates(user, case.service_id):
        raise ValidationError(
            _("Hai già accesso alla presa in carico %(reference)s."),
            code="already_allowed",
            params={"reference": case.reference},
        )
    reason = " ".join(reason.split())
    if len(reason) < policies.MIN_BREAK_GLASS_REASON:
        raise ValidationError(
            {
                "reason": [
                    _("Spiega perché ti serve l'accesso (almeno %(n)d caratteri).")
                    % {"n": policies.MIN_BREAK_GLASS_REASON}
                ]
            }
        )
    at = catalogue.now()
    grant = BreakGlassGrant.objects.create(
        user=user,
        case=case,
        reason=reason,
        at=at,
        expires_at=at + datetime.timedelta(hours=policies.BREAK_GLASS_HOURS),
    )
    record_access(
        request,
        user,
        object_type="case",
        object_id=case.pk,
        case_id=case.pk,
        purpose=_("accesso eccezionale"),
        action="break_glass",
    )
    who = user.display_name
    raise_alert(
        _break_glass_recipients(case.service_id),
        kind=AlertKind.BREAK_GLASS,
        title=_("Accesso eccezionale alla presa in carico %(reference)s")
        % {"reference": case.reference},
        body=_("%(who)s ha aperto la presa in carico %(reference)s il %(when)s.")
        % {"who": who, "reference": case.reference, "when": f"{_local(at):%d/%m/%Y %H:%M}"},
        link=reverse("cases:case", args=[case.pk]),
        group_key=f"break_glass:{case.pk}:{user.pk}",
        about_type="case",
        about_id=case.pk,
    )
    return grant


def _break_glass_recipients(service_id: int) -> list[User]:
    """Every active DPO and every active coordinator of the service, in one query: as in
    policies.coordinated_service_ids, a coordinator whose profile lists no service (or who has
    no profile) coordinates them all."""
    coordinates_service = (
        Q(professional_profile__services=service_id)
        | Q(professional_profile__isnull=True)
        | Q(professional_profile__services__isnull=True)
    )
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(groups__name=Role.DPO.value)
            | (Q(groups__name=Role.COORDINATOR.value) & coordinates_service)
        )
        .distinct()
        .order_by("pk")
    )
