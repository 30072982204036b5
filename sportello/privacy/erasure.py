"""What erasing or pseudonymising a person's records means, kind of record by kind of record.

Two outcomes, used by data-subject requests (Art. 17 GDPR) and by retention:

- **pseudonymised**: every direct identifier (names, telephone numbers, e-mail addresses, the
  lookup hashes that find them, the telephony call id) and every free text (notes, reasons,
  answers, summaries, letters) is blanked; what is left is the statistical skeleton of the
  record (channel, service, programme, times, statuses, risk levels, codes, durations). The
  person keeps their random pseudonym, their birth year, Municipio and language, which alone
  point at nobody and keep the figures by age and district possible.
- **erased**: as pseudonymised, and the birth year, Municipio and preferred language go too.

The statistics stay true either way: the rollups (sportello.reports, DailyFigure) are computed
from contacts, screenings, call attempts, cases, sessions and referrals, so those rows are kept
with every column a figure reads, and only the columns no figure reads are blanked. A row whose
only content is personal is deleted instead.

Per kind of record (``record_kind`` in ErasureRecord):

=================== ============================================================== ==========
kind                what happens                                                   rows
=================== ============================================================== ==========
person              full name, name lookup, phone, e-mail blanked; no longer       kept
                    "identified"; no messages may be sent (no_messages); erasure
                    also clears birth year, Municipio, preferred language
case                goals blanked                                                  kept
case_transfer       reason blanked                                                 kept
case_section        the service section's answers are nothing but personal data    deleted
session             other participants, notes, next steps blanked; date, mode,     kept
                    duration and the professionals present stay (sessions per case)
consent             holds no personal text: when, how, to whom, which text         kept as is
                    version, withdrawal; it proves that processing was lawful
                    (Art. 7(1)), so it is kept untouched and counted as "kept"
break_glass_grant   reason blanked; who opened which case and when stays           kept
referral            reason, summary, letter, refusal reason, closing note          kept
                    blanked; destination, urgency, statuses, times stay (referrals
                    by destination and outcome)
appointment         cancellation reason blanked; the citizen's link key cleared,   kept
                    so links sent before stop working
slot_offer          link key cleared (links stop working)                          kept
message             only an address and delivery metadata: nothing to keep         deleted
contact             caller's number, its lookup hash, e-mail, name, reason, the    kept
                    telephony call id blanked; channel, service, times, statuses,
                    close reason, attempts count stay (every contact figure)
callback_window     when the person said they could be called: personal only       deleted
call_attempt        note blanked; time, outcome, who called stay (callbacks        kept
                    reached at the 1st/2nd/3rd attempt)
screening           answers, findings, override justification, location, notes     kept
                    blanked; levels, target groups and reasons (codes) stay
follow_up           note blanked; due, done, assignee stay                         kept
protocol_action     note, incident number and "called by" (free text) blanked;     kept
                    the step, its times and the coordinator stay (invariant 3 can
                    still be shown to have been honoured)
=================== ============================================================== ==========

Never touched: the append-only chained logs (AccessLog, AuditEvent, intake.ContactEvent; they
hold metadata only, PostgreSQL refuses any change to them, and they are the evidence of what was
done), the escalations (metadata only), the staff alerts (a reference and a link, never what the
person said), and the privacy registers themselves (requests, legal holds, restrictions).

No row that another row protects (on_delete=PROTECT) is ever deleted: contacts, cases and
persons stay as skeletons, and the rows deleted (sections, messages, callback windows) are
pointed at by nothing, so the order of the updates cannot be refused by the database.

A person's contacts are those their cases were opened from or linked to. A contact linked to
the cases of two persons (one call about two people) is also the other person's record: it is
kept (ErasureRecord kind "contact", action "kept") while the other person's record needs it,
and is pseudonymised with the last of them (see pseudonymise_persons).

Each erasure writes ErasureRecord rows: the kind, how many rows, what was done, why, on whose
request and by whom, never the erased data. A person under an active legal hold is refused.
"""

import datetime
import operator
from collections import Counter
from collections.abc import Iterable
from functools import reduce

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.appointments.models import Appointment, Message, SlotOffer
from sportello.cases.models import (
    BreakGlassGrant,
    Case,
    CaseSection,
    CaseTransfer,
    Consent,
    Person,
    Referral,
    Session,
)
from sportello.intake.models import CallAttempt, CallbackWindow, Contact
from sportello.privacy.models import DataSubjectRequest, ErasureRecord, LegalHold
from sportello.privacy.operations import record_audit
from sportello.services import queries as catalogue
from sportello.triage.models import FollowUp, ProtocolAction, Screening

ERASED = "erased"
PSEUDONYMISED = "pseudonymised"
KEPT = "kept"

# (record_kind, action) -> how many rows.
Tally = Counter[tuple[str, str]]

# The personal columns of each kind: blanked (""), never read by a figure.
CONTACT_FIELDS = (
    "caller_number",
    "caller_number_lookup",
    "email",
    "caller_name",
    "reason",
    "external_call_id",
)
CALL_ATTEMPT_FIELDS = ("note",)
SCREENING_FIELDS = ("answers", "findings", "override_justification", "location", "notes")
FOLLOW_UP_FIELDS = ("note",)
PROTOCOL_ACTION_FIELDS = ("note", "incident_number", "called_by")
PERSON_FIELDS = ("full_name", "name_lookup", "phone", "email")
CASE_FIELDS = ("goals",)
CASE_TRANSFER_FIELDS = ("reason",)
SESSION_FIELDS = ("other_participants", "notes", "next_steps")
BREAK_GLASS_FIELDS = ("reason",)
REFERRAL_FIELDS = ("reason", "summary", "letter_body", "refusal_reason", "close_note")
APPOINTMENT_FIELDS = ("cancel_reason",)


class LegalHoldActive(ValidationError):
    """The person's data must be kept (a court order, a pending complaint): nothing is erased."""


def _action(erase: bool) -> str:
    return ERASED if erase else PSEUDONYMISED


def _any_filled(fields: Iterable[str], prefix: str = "") -> Q:
    """Rows where at least one of the columns still holds something (encryption keeps "" as
    "", so this is a plain comparison on the stored value)."""
    return reduce(operator.or_, (~Q(**{f"{prefix}{field}": ""}) for field in fields))


def _blank(queryset: QuerySet, fields: Iterable[str], **also: object) -> int:
    return queryset.update(**{field: "" for field in fields}, **also)


def _ids(rows: QuerySet | Iterable[int]) -> list[int]:
    if isinstance(rows, QuerySet):
        return list(rows.order_by().values_list("pk", flat=True).distinct())
    return list(rows)


# --- what still holds personal data (retention selects on it, so a run is never repeated) ---


def contact_holds_personal_data() -> Q:
    """A Contact (or anything of its screening, attempts, follow-ups, protocol) still holding a
    personal column. Callback windows are not asked about: they have their own retention rule,
    and a contact's rule must count the same before and after that rule has run."""
    return (
        _any_filled(CONTACT_FIELDS)
        | Exists(
            CallAttempt.objects.filter(_any_filled(CALL_ATTEMPT_FIELDS), contact=OuterRef("pk"))
        )
        | Exists(Screening.objects.filter(_any_filled(SCREENING_FIELDS), contact=OuterRef("pk")))
        | Exists(FollowUp.objects.filter(_any_filled(FOLLOW_UP_FIELDS), contact=OuterRef("pk")))
        | Exists(
            ProtocolAction.objects.filter(
                _any_filled(PROTOCOL_ACTION_FIELDS), contact=OuterRef("pk")
            )
        )
    )


def _linked_to_cases(cases: QuerySet[Case], contact: str = "pk") -> Exists:
    """A Contact (the outer query's ``contact``) that one of ``cases`` was opened from or
    gathered."""
    return Exists(cases.filter(Q(opened_from=OuterRef(contact)) | Q(contacts=OuterRef(contact))))


def case_holds_personal_data(others_needing: QuerySet[Person] | None = None) -> Q:
    """A Case whose own record, person or linked contacts still hold personal data. Messages
    are not asked about, for the same reason as callback windows above.

    A contact shared with a case of another person whose record still needs it (by default:
    any other person) does not count: it is kept when this case's person is processed, so
    counting it would make the case due again every time, and the other person's new notes on
    it would make it due again too."""
    other_cases = Case.objects.filter(~Q(person=OuterRef(OuterRef("person"))))
    if others_needing is not None:
        other_cases = other_cases.filter(person__in=others_needing)
    contacts_with_data = Contact.objects.filter(
        contact_holds_personal_data(), ~_linked_to_cases(other_cases)
    )
    return (
        _any_filled(CASE_FIELDS)
        | _any_filled(PERSON_FIELDS, prefix="person__")
        | Exists(CaseSection.objects.filter(case=OuterRef("pk")))
        | Exists(
            CaseTransfer.objects.filter(_any_filled(CASE_TRANSFER_FIELDS), case=OuterRef("pk"))
        )
        | Exists(Session.objects.filter(_any_filled(SESSION_FIELDS), case=OuterRef("pk")))
        | Exists(
            BreakGlassGrant.objects.filter(_any_filled(BREAK_GLASS_FIELDS), case=OuterRef("pk"))
        )
        | Exists(Referral.objects.filter(_any_filled(REFERRAL_FIELDS), case=OuterRef("pk")))
        | Exists(Appointment.objects.filter(_any_filled(APPOINTMENT_FIELDS), case=OuterRef("pk")))
        | Exists(contacts_with_data.filter(opened_cases=OuterRef("pk")))
        | Exists(contacts_with_data.filter(cases=OuterRef("pk")))
    )


def contacts_of_cases(cases: QuerySet[Case] | Iterable[int]) -> QuerySet[Contact]:
    """The contacts a case was opened from or linked to."""
    case_ids = _ids(cases)
    return Contact.objects.filter(Q(opened_cases__in=case_ids) | Q(cases__in=case_ids)).distinct()


def held_person_ids() -> QuerySet[LegalHold]:
    """The persons under an active legal hold (a subquery of person ids)."""
    return LegalHold.objects.filter(lifted_at__isnull=True).values("person_id")


# --- per kind: each returns what it did, the caller records it ---


def pseudonymise_contacts(
    contacts: QuerySet[Contact] | Iterable[int], *, erase: bool = False
) -> Tally:
    """Blank the contacts' personal columns and those of their screenings, call attempts,
    follow-ups and protocol actions; delete their callback windows."""
    ids = _ids(contacts)
    action = _action(erase)
    tally: Tally = Counter()
    if not ids:
        return tally
    tally["contact", action] = _blank(Contact.objects.filter(pk__in=ids), CONTACT_FIELDS)
    tally["callback_window", ERASED] = delete_callback_windows(
        CallbackWindow.objects.filter(contact__in=ids)
    )
    for kind, model, fields in (
        ("call_attempt", CallAttempt, CALL_ATTEMPT_FIELDS),
        ("screening", Screening, SCREENING_FIELDS),
        ("follow_up", FollowUp, FOLLOW_UP_FIELDS),
        ("protocol_action", ProtocolAction, PROTOCOL_ACTION_FIELDS),
    ):
        tally[kind, action] = _blank(model.objects.filter(contact__in=ids), fields)
    return +tally


def erase_contacts(contacts: QuerySet[Contact] | Iterable[int]) -> Tally:
    return pseudonymise_contacts(contacts, erase=True)


def pseudonymise_cases(cases: QuerySet[Case] | Iterable[int], *, erase: bool = False) -> Tally:
    """Blank the free texts of the cases and of what hangs from them (transfers, sessions,
    break-glass grants, referrals, appointments), clear the citizens' link keys, delete the
    service sections and the messages. Neither the person nor the contacts: see
    pseudonymise_persons."""
    ids = _ids(cases)
    action = _action(erase)
    tally: Tally = Counter()
    if not ids:
        return tally
    tally["case", action] = _blank(Case.objects.filter(pk__in=ids), CASE_FIELDS)
    tally["case_section", ERASED] = CaseSection.objects.filter(case__in=ids).delete()[0]
    for kind, model, fields in (
        ("case_transfer", CaseTransfer, CASE_TRANSFER_FIELDS),
        ("session", Session, SESSION_FIELDS),
        ("break_glass_grant", BreakGlassGrant, BREAK_GLASS_FIELDS),
        ("referral", Referral, REFERRAL_FIELDS),
    ):
        tally[kind, action] = _blank(model.objects.filter(case__in=ids), fields)
    tally["consent", KEPT] = Consent.objects.filter(case__in=ids).count()
    tally["message", ERASED] = delete_messages(
        Message.objects.filter(Q(appointment__case__in=ids) | Q(offer__case__in=ids))
    )
    tally["appointment", action] = _blank(
        Appointment.objects.filter(case__in=ids), APPOINTMENT_FIELDS, key=""
    )
    tally["slot_offer", action] = SlotOffer.objects.filter(case__in=ids).update(key="")
    return +tally


def shared_contacts(
    contacts: Iterable[int],
    person_ids: Iterable[int],
    others_needing: QuerySet[Person] | None = None,
) -> set[int]:
    """Of ``contacts``, those also linked to a case of a person outside ``person_ids`` whose
    record still needs them (by default: any other person)."""
    other_cases = Case.objects.exclude(person__in=list(person_ids))
    if others_needing is not None:
        other_cases = other_cases.filter(person__in=others_needing)
    return set(
        Contact.objects.filter(pk__in=list(contacts))
        .filter(_linked_to_cases(other_cases))
        .values_list("pk", flat=True)
    )


def pseudonymise_persons(
    persons: QuerySet[Person] | Iterable[int],
    *,
    erase: bool = False,
    others_needing: QuerySet[Person] | None = None,
) -> Tally:
    """Everything about the persons: their own columns, their cases (pseudonymise_cases) and
    the contacts linked to those cases (pseudonymise_contacts), except the contacts shared with
    another person whose record still needs them (``others_needing``; by default any other
    person: a legal hold, a restriction or an open case of theirs must not lose its contact),
    which are kept and counted as such."""
    ids = _ids(persons)
    tally: Tally = Counter()
    if not ids:
        return tally
    also: dict[str, object] = {"identified": False, "safe_to_message": False, "no_messages": True}
    if erase:
        also.update(birth_year=None, municipio=None, preferred_language=None)
    tally["person", _action(erase)] = _blank(
        Person.objects.filter(pk__in=ids), PERSON_FIELDS, **also
    )
    case_ids = _ids(Case.objects.filter(person__in=ids))
    contact_ids = _ids(contacts_of_cases(case_ids))
    kept = shared_contacts(contact_ids, ids, others_needing)
    tally["contact", KEPT] = len(kept)
    tally.update(pseudonymise_contacts([pk for pk in contact_ids if pk not in kept], erase=erase))
    tally.update(pseudonymise_cases(case_ids, erase=erase))
    return +tally


def delete_messages(messages: QuerySet[Message]) -> int:
    """Messages hold an address and delivery metadata only (their text is never stored)."""
    return Message.objects.filter(pk__in=_ids(messages)).delete()[0]


def delete_callback_windows(windows: QuerySet[CallbackWindow]) -> int:
    return CallbackWindow.objects.filter(pk__in=_ids(windows)).delete()[0]


# --- recording ---


def write_records(
    tally: Tally,
    *,
    reason: str,
    request: DataSubjectRequest | None = None,
    by: User | None = None,
    at: datetime.datetime | None = None,
) -> list[ErasureRecord]:
    """One ErasureRecord per kind and action done: counts only, never the data."""
    at = at or catalogue.now()
    return ErasureRecord.objects.bulk_create(
        ErasureRecord(
            request=request,
            at=at,
            by=by,
            record_kind=kind,
            count=count,
            action=action,
            reason=reason,
        )
        for (kind, action), count in sorted(tally.items())
        if count > 0
    )


def counts_by_kind(tally: Tally) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (kind, _action_done), count in sorted(tally.items()):
        counts[kind] = counts.get(kind, 0) + count
    return counts


# --- a person, on request ---


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Indica il motivo della cancellazione: resta scritto nel registro."),
            code="reason",
        )
    return reason


@transaction.atomic
def _remove_person(
    person: Person,
    *,
    erase: bool,
    reason: str,
    request: DataSubjectRequest | None,
    by: User | None,
) -> dict[str, int]:
    reason = _require_reason(reason)
    # Locked, so that a legal hold placed meanwhile waits for this to finish or refuses it.
    person = Person.objects.select_for_update().get(pk=person.pk)
    if LegalHold.objects.filter(person=person, lifted_at__isnull=True).exists():
        raise LegalHoldActive(
            _(
                "I dati della persona %(pseudonym)s sono sottoposti a un vincolo di "
                "conservazione: non si possono cancellare né pseudonimizzare finché il "
                "vincolo non è revocato."
            )
            % {"pseudonym": person.pseudonym},
            code="legal_hold",
        )
    tally = pseudonymise_persons([person.pk], erase=erase)
    write_records(tally, reason=reason, request=request, by=by)
    counts = counts_by_kind(tally)
    record_audit(
        by,
        object_type="person",
        object_id=person.pk,
        action="person_erased" if erase else "person_pseudonymised",
        actor_label="" if by else "privacy",
        request=request.reference if request else "",
        counts=counts,
    )
    return counts


def erase_person(
    person: Person,
    *,
    reason: str,
    request: DataSubjectRequest | None = None,
    by: User | None = None,
) -> dict[str, int]:
    """Erase everything held about a person (Art. 17), keeping the statistical skeleton; the
    counts by record kind. Raises LegalHoldActive (nothing written) under an active hold, and
    ValidationError without a reason."""
    return _remove_person(person, erase=True, reason=reason, request=request, by=by)


def pseudonymise_person(
    person: Person,
    *,
    reason: str,
    request: DataSubjectRequest | None = None,
    by: User | None = None,
) -> dict[str, int]:
    """As erase_person, keeping birth year, Municipio and language (see the module's table)."""
    return _remove_person(person, erase=False, reason=reason, request=request, by=by)
