"""The DPO's work on data-subject requests (Articles 15–18 GDPR): register, find the person,
answer (access export, rectification, restriction, erasure), extend the deadline once, close;
and the legal holds that keep a person's data despite an erasure request.

Each operation runs in one transaction and writes an audit row (sportello.privacy.operations)
with metadata only: the request's reference, kinds, field names, counts; never a value."""

import calendar
import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.cases.models import Person
from sportello.cases.operations import PersonData, clean_person
from sportello.privacy import policies
from sportello.privacy.models import (
    DataSubjectRequest,
    LegalHold,
    ProcessingRestriction,
    RequestKind,
    RequestStatus,
)
from sportello.privacy.operations import record_audit
from sportello.privacy.subject_export import SubjectExport, export_person
from sportello.privacy.subject_request_queries import active_legal_holds, active_restrictions
from sportello.services import queries as catalogue

REFERENCE_PREFIX = "DSR"
ANSWER_MONTHS = 1  # Art. 12(3): within one month of receipt
MAX_EXTENSION_MONTHS = 2  # …extendable by two further months, once, with the reasons
MAX_REQUESTER = 2000
MAX_DETAILS = 10000
MAX_ANSWER = 10000
MIN_REASON = 10
# The person's identifying fields a rectification may correct.
RECTIFIABLE = (
    "full_name",
    "birth_year",
    "municipio",
    "preferred_language_id",
    "phone",
    "email",
)


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day ``months`` later in the desk's time zone, on the month's last day when it
    has no such day (31 January + 1 month = 28 or 29 February)."""
    local = moment.astimezone(catalogue.desk_zone())
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    # Rebuilt in the zone, not shifted: a deadline across a DST change keeps its wall time.
    return datetime.datetime.combine(
        datetime.date(year, month, day), local.time(), catalogue.desk_zone()
    )


def _require_dpo(user: User) -> None:
    if not policies.is_data_protection_officer(user):
        raise PermissionDenied(_("Solo il responsabile della protezione dei dati può farlo."))


def _audit(by: User, request: DataSubjectRequest, action: str, **detail: object) -> None:
    record_audit(
        by,
        object_type="data_subject_request",
        object_id=request.pk,
        action=action,
        reference=request.reference,
        kind=request.kind,
        **detail,
    )


def _locked(request: DataSubjectRequest | int) -> DataSubjectRequest:
    pk = request if isinstance(request, int) else request.pk
    return (
        DataSubjectRequest.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=pk)
    )


def _require_open(request: DataSubjectRequest) -> None:
    if request.status != RequestStatus.OPEN:
        raise ValidationError(
            _("La richiesta %(reference)s è già chiusa."),
            code="closed",
            params={"reference": request.reference},
        )


def _require_kind(request: DataSubjectRequest, kind: str) -> None:
    if request.kind != kind:
        raise ValidationError(
            _("La richiesta %(reference)s è di %(kind)s, non di %(wanted)s."),
            code="wrong_kind",
            params={
                "reference": request.reference,
                "kind": RequestKind(request.kind).label,
                "wanted": RequestKind(kind).label,
            },
        )


def _require_person(request: DataSubjectRequest) -> Person:
    if request.person is None:
        raise ValidationError(
            _("Collega prima la richiesta %(reference)s alla persona che riguarda."),
            code="no_person",
            params={"reference": request.reference},
        )
    return request.person


def _clean_text(
    value: str, field: str, limit: int, errors: dict[str, list[str]], *, required: str = ""
) -> str:
    value = value.strip()
    if required and not value:
        errors[field] = [required]
    elif len(value) > limit:
        errors[field] = [_("Testo troppo lungo (al massimo %(n)d caratteri).") % {"n": limit}]
    return value


def _next_reference(year: int) -> str:
    prefix = f"{REFERENCE_PREFIX}-{year}-"
    last = (
        DataSubjectRequest.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _insert(values: dict[str, Any], year: int) -> DataSubjectRequest:
    # Few requests a year: the next number is read from the last one, and two DPOs registering
    # at once meet on the unique reference; the loser draws again in a savepoint.
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return DataSubjectRequest.objects.create(reference=_next_reference(year), **values)
        except IntegrityError:
            continue
    raise RuntimeError("No free data-subject request reference after 10 tries")


@transaction.atomic
def register_request(
    by: User,
    kind: str,
    requester: str,
    details: str,
    received_at: datetime.datetime | None = None,
    person: Person | None = None,
) -> DataSubjectRequest:
    """A request as received (by post, e-mail, at the desk), with its deadline: one calendar
    month from receipt."""
    _require_dpo(by)
    now = catalogue.now()
    errors: dict[str, list[str]] = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("Scegli il tipo di richiesta.")]
    requester = _clean_text(
        requester,
        "requester",
        MAX_REQUESTER,
        errors,
        required=_("Scrivi chi ha fatto la richiesta e come si è identificato."),
    )
    details = _clean_text(details, "details", MAX_DETAILS, errors)
    received_at = received_at or now
    if received_at > now:
        errors["received_at"] = [_("La data di ricezione non può essere futura.")]
    if errors:
        raise ValidationError(errors)
    request = _insert(
        {
            "kind": kind,
            "requester": requester,
            "details": details,
            "received_at": received_at,
            "due_at": add_months(received_at, ANSWER_MONTHS),
            "person": person,
            "person_pseudonym": person.pseudonym if person else "",
            "created_by": by,
        },
        received_at.astimezone(catalogue.desk_zone()).year,
    )
    _audit(by, request, "registered", person_id=person.pk if person else None)
    return request


@transaction.atomic
def link_person(request: DataSubjectRequest, person: Person, by: User) -> DataSubjectRequest:
    """The person the request is about, once the DPO has found them."""
    _require_dpo(by)
    request = _locked(request)
    _require_open(request)
    previous = request.person_id
    request.person = person
    request.person_pseudonym = person.pseudonym
    request.save(update_fields=["person", "person_pseudonym"])
    _audit(by, request, "person_linked", person_id=person.pk, previous_person_id=previous)
    return request


@transaction.atomic
def extend_deadline(
    request: DataSubjectRequest, reason: str, by: User, *, months: int = MAX_EXTENSION_MONTHS
) -> DataSubjectRequest:
    """Art. 12(3): up to two more months, once, with the reasons, decided within the first
    month (the person must be told before the first deadline)."""
    _require_dpo(by)
    request = _locked(request)
    _require_open(request)
    if request.extension_reason:
        raise ValidationError(
            _("Il termine della richiesta %(reference)s è già stato prorogato una volta."),
            code="already_extended",
            params={"reference": request.reference},
        )
    if catalogue.now() > request.due_at:
        raise ValidationError(
            _("Il termine è già scaduto: la proroga va decisa e comunicata entro il primo mese."),
            code="too_late",
        )
    errors: dict[str, list[str]] = {}
    if months not in range(1, MAX_EXTENSION_MONTHS + 1):
        errors["months"] = [_("La proroga è di uno o due mesi.")]
    reason = _clean_text(
        reason,
        "reason",
        MAX_ANSWER,
        errors,
        required=_("Scrivi il motivo della proroga (va comunicato alla persona)."),
    )
    if reason and len(reason) < MIN_REASON and "reason" not in errors:
        errors["reason"] = [
            _("Spiega il motivo della proroga (almeno %(n)d caratteri).") % {"n": MIN_REASON}
        ]
    if errors:
        raise ValidationError(errors)
    request.due_at = add_months(request.received_at, ANSWER_MONTHS + months)
    request.extension_reason = reason
    request.save(update_fields=["due_at", "extension_reason"])
    _audit(by, request, "deadline_extended", months=months)
    return request


@transaction.atomic
def answer_access(
    request: DataSubjectRequest, by: User, *, http_request: HttpRequest | None = None
) -> SubjectExport:
    """The export of everything held on the person (JSON and PDF), decrypted for this purpose
    only, each case's read logged with the request's reference."""
    _require_dpo(by)
    request = _locked(request)
    _require_kind(request, RequestKind.ACCESS)
    _require_open(request)
    person = _require_person(request)
    export = export_person(person, by=by, reference=request.reference, http_request=http_request)
    _audit(by, request, "access_exported", cases=len(export.records.cases))
    return export


@transaction.atomic
def rectify(request: DataSubjectRequest, by: User, changes: Mapping[str, Any]) -> list[str]:
    """Correct the person's identifying fields (Art. 16) with the case record's own rules; the
    names of the fields changed, which is all the audit keeps. Allowed while processing is
    restricted: a restriction often waits for exactly this correction (Art. 18(1)(a))."""
    _require_dpo(by)
    request = _locked(request)
    _require_kind(request, RequestKind.RECTIFICATION)
    _require_open(request)
    person = Person.objects.select_for_update().get(pk=_require_person(request).pk)
    unknown = sorted(set(changes) - set(RECTIFIABLE))
    if unknown:
        raise ValidationError(
            _("Si possono rettificare solo i dati identificativi, non: %(fields)s."),
            code="not_rectifiable",
            params={"fields": ", ".join(unknown)},
        )
    current = {
        "full_name": person.full_name,
        "birth_year": person.birth_year,
        "municipio": person.municipio,
        "preferred_language_id": person.preferred_language_id,
        "phone": person.phone,
        "email": person.email,
    }
    wanted = {**current, **changes}
    full_name = str(wanted["full_name"] or "")
    values = clean_person(
        PersonData(
            full_name=full_name,
            birth_year=wanted["birth_year"],
            municipio=wanted["municipio"],
            preferred_language_id=wanted["preferred_language_id"],
            phone=str(wanted["phone"] or ""),
            email=str(wanted["email"] or ""),
            safe_to_message=person.safe_to_message,
            no_messages=person.no_messages,
        ),
        anonymous=not full_name.strip(),
    )
    values["preferred_language_id"] = (
        values.pop("preferred_language").pk if values["preferred_language"] else None
    )
    changed = sorted(
        name
        for name, value in values.items()
        if name != "name_lookup" and getattr(person, name) != value
    )
    if not changed:
        raise ValidationError(
            _("I dati indicati sono uguali a quelli registrati: non c'è nulla da rettificare."),
            code="unchanged",
        )
    for name, value in values.items():
        setattr(person, name, value)
    person.save()
    record_audit(
        by,
        object_type="person",
        object_id=person.pk,
        action="rectified",
        request=request.reference,
        fields=changed,
    )
    _audit(by, request, "rectified", fields=changed)
    return changed


@transaction.atomic
def restrict(request: DataSubjectRequest, by: User) -> ProcessingRestriction:
    """Art. 18: the person's records are kept and may be read, not changed, until lifted."""
    _require_dpo(by)
    request = _locked(request)
    _require_kind(request, RequestKind.RESTRICTION)
    _require_open(request)
    person = Person.objects.select_for_update().get(pk=_require_person(request).pk)
    if active_restrictions(person).exists():
        raise ValidationError(
            _("Il trattamento dei dati di %(pseudonym)s è già limitato."),
            code="already_restricted",
            params={"pseudonym": person.pseudonym},
        )
    restriction = ProcessingRestriction.objects.create(
        person=person, request=request, since=catalogue.now()
    )
    _audit(by, request, "restricted", person_id=person.pk, restriction=restriction.pk)
    return restriction


@transaction.atomic
def lift_restriction(person: Person, by: User) -> int:
    """End the person's restriction (the accuracy was verified, the objection decided); how
    many restrictions were lifted."""
    _require_dpo(by)
    person = Person.objects.select_for_update().get(pk=person.pk)
    restrictions = list(active_restrictions(person).select_for_update())
    if not restrictions:
        raise ValidationError(
            _("Il trattamento dei dati di %(pseudonym)s non è limitato."),
            code="not_restricted",
            params={"pseudonym": person.pseudonym},
        )
    now = catalogue.now()
    for restriction in restrictions:
        restriction.lifted_at = now
        restriction.save(update_fields=["lifted_at"])
        record_audit(
            by,
            object_type="person",
            object_id=person.pk,
            action="restriction_lifted",
            restriction=restriction.pk,
            request=restriction.request.reference if restriction.request else "",
        )
    return len(restrictions)


def _require_no_legal_hold(person: Person) -> None:
    if active_legal_holds(person).exists():
        raise ValidationError(
            _(
                "I dati di %(pseudonym)s sono sotto un vincolo di conservazione: non si possono "
                "cancellare finché il vincolo non è revocato."
            ),
            code="legal_hold",
            params={"pseudonym": person.pseudonym},
        )


@transaction.atomic
def erase(request: DataSubjectRequest, by: User) -> dict[str, int]:
    """Art. 17: erase what is held on the person (sportello.privacy.erasure keeps the
    statistical skeleton and records kinds and counts only); refused, writing nothing, while a
    legal hold is active. The counts by record kind."""
    from sportello.privacy import erasure

    _require_dpo(by)
    request = _locked(request)
    _require_kind(request, RequestKind.ERASURE)
    _require_open(request)
    # Locked first: a hold placed meanwhile waits for this erasure, or this waits for it.
    person = Person.objects.select_for_update().get(pk=_require_person(request).pk)
    _require_no_legal_hold(person)
    counts = erasure.erase_person(
        person,
        reason=_("richiesta di cancellazione %(reference)s") % {"reference": request.reference},
        request=request,
        by=by,
    )
    _audit(by, request, "erased", person_id=person.pk, counts=dict(sorted(counts.items())))
    return counts


@transaction.atomic
def close_request(
    request: DataSubjectRequest, by: User, status: str, answer: str
) -> DataSubjectRequest:
    """Done or refused, with the answer given to the person (a refusal says why, Art. 12(4))."""
    _require_dpo(by)
    request = _locked(request)
    _require_open(request)
    errors: dict[str, list[str]] = {}
    if status not in (RequestStatus.DONE, RequestStatus.REFUSED):
        errors["status"] = [_("Scegli se la richiesta è evasa o respinta.")]
    answer = _clean_text(
        answer,
        "answer",
        MAX_ANSWER,
        errors,
        required=_("Scrivi la risposta data alla persona (per un rifiuto, il motivo)."),
    )
    if errors:
        raise ValidationError(errors)
    request.status = status
    request.answer = answer
    request.closed_at = catalogue.now()
    request.closed_by = by
    request.save(update_fields=["status", "answer", "closed_at", "closed_by"])
    _audit(by, request, "closed", status=status)
    return request


@transaction.atomic
def place_legal_hold(person: Person, reason: str, by: User) -> LegalHold:
    """Keep the person's data despite erasure requests and retention (a court order, a report
    to the judicial authority, a pending complaint) until the hold is lifted."""
    _require_dpo(by)
    person = Person.objects.select_for_update().get(pk=person.pk)
    errors: dict[str, list[str]] = {}
    reason = _clean_text(
        reason, "reason", MAX_ANSWER, errors, required=_("Scrivi il motivo del vincolo.")
    )
    if reason and len(reason) < MIN_REASON and "reason" not in errors:
        errors["reason"] = [
            _("Spiega il motivo del vincolo (almeno %(n)d caratteri).") % {"n": MIN_REASON}
        ]
    if errors:
        raise ValidationError(errors)
    hold = LegalHold.objects.create(
        person=person, reason=reason, placed_at=catalogue.now(), placed_by=by
    )
    record_audit(
        by, object_type="person", object_id=person.pk, action="legal_hold_placed", hold=hold.pk
    )
    return hold


@transaction.atomic
def lift_legal_hold(hold: LegalHold, by: User) -> LegalHold:
    _require_dpo(by)
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.lifted_at is not None:
        raise ValidationError(
            _("Questo vincolo è già stato revocato il %(when)s."),
            code="already_lifted",
            params={"when": f"{hold.lifted_at.astimezone(catalogue.desk_zone()):%d/%m/%Y}"},
        )
    hold.lifted_at = catalogue.now()
    hold.lifted_by = by
    hold.save(update_fields=["lifted_at", "lifted_by"])
    record_audit(
        by, object_type="person", object_id=hold.person_id, action="legal_hold_lifted", hold=hold.pk
    )
    return hold
