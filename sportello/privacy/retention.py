"""Retention: how long each kind of record is kept (RetentionRule rows, edited by the DPO), what
has expired (a dry run) and doing it (a real run, in batches).

Kinds of record (``RetentionRule.record_kind``), applied in this order:

- ``appointment_message``: the messages sent about appointments, deleted a few months after
  sending (they hold an address and delivery metadata only; a dispute about a reminder is
  raised within weeks).
- ``callback_window``: when a person said they could be called back, deleted soon after the
  contact closed (needed only to call back).
- ``contact``: contacts never linked to a case, pseudonymised a year after they closed. A
  contact linked to a case is part of the clinical record and follows the case.
- ``case``: closed cases, pseudonymised years after closure, with their person and their
  contacts (sportello.privacy.erasure.pseudonymise_persons). A person's record is kept whole
  while any of their cases is open or closed more recently: clinical continuity for a person
  who comes back.

A record is due when it has expired and still holds personal data (erasure's conditions), so a
run never repeats what an earlier run did, and a run interrupted half-way is finished by the
next. Records of a person under an active legal hold, or whose processing is restricted
(Art. 18(1)(c): kept for the person's legal claims), are held, not processed.

The kinds are disjoint and each kind's condition depends on nothing another kind changes
(messages and callback windows are not asked about by the contact and case conditions), so a
real run does exactly what the dry run with the same ``as_of`` reported.
"""

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sportello.accounts.models import User
from sportello.appointments.models import Message
from sportello.cases.models import Case, Person
from sportello.cases.models import Status as CaseStatus
from sportello.intake.models import CallbackWindow, Contact
from sportello.intake.models import Status as ContactStatus
from sportello.privacy import erasure, policies
from sportello.privacy.models import (
    AuditEvent,
    LegalHold,
    ProcessingRestriction,
    RetentionAction,
    RetentionRule,
    RetentionRun,
)
from sportello.privacy.operations import record_audit
from sportello.services import queries as catalogue

MIN_MONTHS = 1
MAX_MONTHS = 600  # fifty years: longer is keeping for ever under another name


@dataclass(frozen=True)
class RecordKind:
    code: str
    label: Promise
    default_months: int
    default_action: str
    # What the DPO may choose: deleting contacts or cases would falsify the statistics.
    actions: tuple[str, ...]
    basis: Promise


KINDS: tuple[RecordKind, ...] = (
    RecordKind(
        "appointment_message",
        gettext_lazy("messaggi sugli appuntamenti"),
        6,
        RetentionAction.DELETE,
        (RetentionAction.DELETE,),
        gettext_lazy(
            "Contengono solo l'indirizzo a cui sono stati inviati e l'esito della consegna: "
            "servono a rispondere di un promemoria non ricevuto, cosa che emerge nel giro di "
            "settimane. Sei mesi dall'invio bastano."
        ),
    ),
    RecordKind(
        "callback_window",
        gettext_lazy("fasce orarie per la richiamata"),
        1,
        RetentionAction.DELETE,
        (RetentionAction.DELETE,),
        gettext_lazy(
            "Dicono quando la persona è raggiungibile e servono solo a richiamarla: un mese "
            "dopo la chiusura del contatto non servono più."
        ),
    ),
    RecordKind(
        "contact",
        gettext_lazy("contatti mai collegati a una presa in carico"),
        12,
        RetentionAction.PSEUDONYMISE,
        (RetentionAction.PSEUDONYMISE,),
        gettext_lazy(
            "Un anno dalla chiusura permette di riconoscere chi richiama e di rispondere a "
            "reclami; poi numero, nome, email, motivo e note si tolgono e resta il contatto "
            "come dato statistico (canale, servizio, orari, livello di rischio)."
        ),
    ),
    RecordKind(
        "case",
        gettext_lazy("prese in carico chiuse (cartella clinica)"),
        60,
        RetentionAction.PSEUDONYMISE,
        (RetentionAction.PSEUDONYMISE,),
        gettext_lazy(
            "Il codice deontologico degli psicologi (art. 17) chiede di conservare la "
            "documentazione clinica per almeno cinque anni: cinque anni dopo la chiusura "
            "dell'ultima presa in carico della persona si tolgono identità, recapiti e testi "
            "clinici; restano i dati statistici (colloqui, invii, esiti)."
        ),
    ),
)
KIND_BY_CODE = {kind.code: kind for kind in KINDS}


def kind_label(code: str) -> str:
    kind = KIND_BY_CODE.get(code)
    return str(kind.label) if kind else code


def ensure_default_rules() -> list[RetentionRule]:
    """Create the rule of each kind that has none yet; rules the DPO edited are left alone."""
    created = []
    with translation.override("it"):
        for kind in KINDS:
            rule, was_created = RetentionRule.objects.get_or_create(
                record_kind=kind.code,
                defaults={
                    "months": kind.default_months,
                    "action": kind.default_action,
                    "basis": str(kind.basis),
                },
            )
            if was_created:
                created.append(rule)
    return created


def create_default_rules(user: User) -> list[RetentionRule]:
    """The DPO's "Crea le regole predefinite": ensure_default_rules, written in the audit log."""
    _require_dpo(user)
    with transaction.atomic():
        created = ensure_default_rules()
        for rule in created:
            record_audit(
                user,
                object_type="retention_rule",
                object_id=rule.pk,
                action="retention_rule_created",
                record_kind=rule.record_kind,
                months=rule.months,
                rule_action=rule.action,
            )
    return created


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same wall-clock time ``months`` calendar months earlier, in the desk's time zone (31
    March minus one month is 28 or 29 February)."""
    local = timezone.localtime(moment)
    year, month_index = divmod(local.year * 12 + local.month - 1 - months, 12)
    day = min(local.day, calendar.monthrange(year, month_index + 1)[1])
    naive = local.replace(tzinfo=None).replace(year=year, month=month_index + 1, day=day)
    return timezone.make_aware(naive, timezone.get_current_timezone())


# --- who is held, what is due ---


def _held_persons() -> Q:
    """Persons whose records must be kept: an active legal hold or restriction of processing."""
    return Q(pk__in=LegalHold.objects.filter(lifted_at__isnull=True).values("person_id")) | Q(
        pk__in=ProcessingRestriction.objects.filter(lifted_at__isnull=True).values("person_id")
    )


def _held_cases() -> QuerySet[Case]:
    return Case.objects.filter(person__in=Person.objects.filter(_held_persons()))


def _contact_of_held_case(contact: str) -> Exists:
    return Exists(
        _held_cases().filter(Q(opened_from=OuterRef(contact)) | Q(contacts=OuterRef(contact)))
    )


def _expired_messages(cutoff: datetime.datetime) -> QuerySet[Message]:
    return Message.objects.alias(sent=Coalesce("sent_at", "created_at")).filter(sent__lte=cutoff)


def _message_held() -> Q:
    held = _held_cases()
    return Q(Exists(held.filter(appointments=OuterRef("appointment")))) | Q(
        Exists(held.filter(slot_offers=OuterRef("offer")))
    )


def _expired_windows(cutoff: datetime.datetime) -> QuerySet[CallbackWindow]:
    return CallbackWindow.objects.filter(
        contact__status=ContactStatus.CLOSED, contact__closed_at__lte=cutoff
    )


def _expired_contacts(cutoff: datetime.datetime) -> QuerySet[Contact]:
    linked = Exists(Case.objects.filter(opened_from=OuterRef("pk"))) | Exists(
        Case.contacts.through.objects.filter(contact=OuterRef("pk"))
    )
    return Contact.objects.filter(
        ~linked,
        erasure.contact_holds_personal_data(),
        status=ContactStatus.CLOSED,
        closed_at__lte=cutoff,
    )


def _cases_still_needed(cutoff: datetime.datetime) -> QuerySet[Case]:
    return Case.objects.filter(~Q(status=CaseStatus.CLOSED) | Q(closed_at__gt=cutoff))


def _persons_needing_records(cutoff: datetime.datetime) -> QuerySet[Person]:
    """Persons whose record is kept at this cutoff: held, or with a case open or closed more
    recently. A contact shared with one of them is kept when another person's record expires
    (erasure.pseudonymise_persons), and pseudonymised with the last of them."""
    return Person.objects.filter(
        _held_persons() | Q(Exists(_cases_still_needed(cutoff).filter(person=OuterRef("pk"))))
    )


def _expired_cases(cutoff: datetime.datetime) -> QuerySet[Case]:
    # A person's record expires as a whole, when their last case has been closed long enough.
    still_needed = _cases_still_needed(cutoff).filter(person=OuterRef("person"))
    return Case.objects.filter(
        ~Exists(still_needed),
        erasure.case_holds_personal_data(_persons_needing_records(cutoff)),
        status=CaseStatus.CLOSED,
        closed_at__lte=cutoff,
    )


@dataclass(frozen=True)
class Selection:
    """What one kind's rule reaches at a cutoff: the due records, and those held back."""

    expired: QuerySet
    held: Q


def _selection(code: str, cutoff: datetime.datetime) -> Selection:
    if code == "appointment_message":
        return Selection(_expired_messages(cutoff), _message_held())
    if code == "callback_window":
        return Selection(_expired_windows(cutoff), Q(_contact_of_held_case("contact")))
    if code == "contact":
        # Never linked to a case, so never a held person's.
        return Selection(_expired_contacts(cutoff), Q(pk__in=[]))
    if code == "case":
        return Selection(_expired_cases(cutoff), Q(person__in=_held_person_ids()))
    raise KeyError(code)


def _held_person_ids() -> QuerySet:
    return Person.objects.filter(_held_persons()).values("pk")


# --- the plan (dry run) ---


def _active_rules() -> list[RetentionRule]:
    order = {kind.code: position for position, kind in enumerate(KINDS)}
    rules = RetentionRule.objects.filter(active=True, record_kind__in=order)
    return sorted(rules, key=lambda rule: order[rule.record_kind])


Report = dict[str, dict[str, object]]


def plan(as_of: datetime.datetime) -> Report:
    """Per kind of record with an active rule: what is due at ``as_of`` and what is held by a
    legal hold or a restriction; writes nothing."""
    return _plan(_active_rules(), as_of)


def _plan(rules: list[RetentionRule], as_of: datetime.datetime) -> Report:
    report: Report = {}
    for rule in rules:
        cutoff = months_before(as_of, rule.months)
        selection = _selection(rule.record_kind, cutoff)
        report[rule.record_kind] = {
            "action": rule.action,
            "months": rule.months,
            "cutoff": cutoff.isoformat(),
            "due": selection.expired.exclude(selection.held).count(),
            "held": selection.expired.filter(selection.held).count(),
            "done": 0,
        }
    return report


# --- the real run ---


def _lock(queryset: QuerySet) -> QuerySet:
    # An erasure working on the same rows: skip them, it does them.
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


# pg_advisory_xact_lock's key: "retention" in ASCII, any constant the desk uses nowhere else.
BATCH_LOCK_KEY = 0x726574656E74696F


def _one_batch_at_a_time() -> None:
    """Two runs at once (the nightly task and the DPO's, two workers) take turns batch by
    batch: each batch chooses its rows after the other's batch has committed, so no row is
    done twice and every row done is counted once. Released at the batch's commit; SQLite
    writes one transaction at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BATCH_LOCK_KEY])


@dataclass(frozen=True)
class Batch:
    done: list[int]  # the rows (cases, for the case rule) done
    after: int  # the last key seen: the next batch starts after it
    tally: erasure.Tally
    more: bool  # whether there may be more after ``after``


def _batch_of_rows(code: str, cutoff: datetime.datetime, after: int, size: int) -> Batch:
    """One batch of a row kind."""
    selection = _selection(code, cutoff)
    due = selection.expired.exclude(selection.held).filter(pk__gt=after).order_by("pk")
    # Skipped locked rows are being done by an erasure: an empty batch means nothing is left.
    ids = list(_lock(due).values_list("pk", flat=True)[:size])
    if not ids:
        return Batch([], after, erasure.Tally(), more=False)
    tally: erasure.Tally
    if code == "appointment_message":
        tally = erasure.Tally({("message", erasure.ERASED): erasure.delete_messages(ids)})
    elif code == "callback_window":
        tally = erasure.Tally(
            {("callback_window", erasure.ERASED): erasure.delete_callback_windows(ids)}
        )
    else:
        tally = erasure.pseudonymise_contacts(ids)
    return Batch(ids, ids[-1], tally, more=True)


def _batch_of_persons(cutoff: datetime.datetime, after: int, size: int) -> Batch:
    """One batch of cases, whole persons at a time (a person's cases expire together)."""
    selection = _selection("case", cutoff)
    due = selection.expired.exclude(selection.held)
    candidates = list(
        due.filter(person_id__gt=after)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()[:size]
    )
    if not candidates:
        return Batch([], after, erasure.Tally(), more=False)
    # Locked, the holds and restrictions asked again: one placed since the candidates were
    # chosen is respected (placing one locks the person, so it waits for this batch or is
    # skipped here). Only the persons still due once locked are done: another run may have
    # done some meanwhile.
    locked = _lock(Person.objects.filter(pk__in=candidates).exclude(_held_persons()))
    still_due = list(
        due.filter(person_id__in=list(locked.values_list("pk", flat=True))).values_list(
            "pk", "person_id"
        )
    )
    case_ids = [case_id for case_id, _person in still_due]
    persons = sorted({person_id for _case, person_id in still_due})
    tally = erasure.pseudonymise_persons(persons, others_needing=_persons_needing_records(cutoff))
    return Batch(case_ids, max(candidates), tally, more=True)


def _reason(rule: RetentionRule, run: RetentionRun) -> str:
    with translation.override("it"):
        return _(
            "Conservazione scaduta: %(kind)s, oltre %(months)d mesi (esecuzione n. %(run)d)"
        ) % {
            "kind": kind_label(rule.record_kind),
            "months": rule.months,
            "run": run.pk,
        }


def _run_rule(
    run: RetentionRun,
    rule: RetentionRule,
    report: Report,
    batch_size: int,
    by: User | None,
    on_batch: Callable[[str, int], None] | None,
) -> None:
    code = rule.record_kind
    cutoff = months_before(run.as_of, rule.months)
    after = 0
    while True:
        # Each batch commits on its own: a long run holds no lock for long, and a crash
        # leaves the batches before it done (the next run does the rest).
        with transaction.atomic():
            _one_batch_at_a_time()
            if code == "case":
                batch = _batch_of_persons(cutoff, after, batch_size)
            else:
                batch = _batch_of_rows(code, cutoff, after, batch_size)
            if not batch.more:
                return
            done, after, tally = batch.done, batch.after, batch.tally
            if not done:
                # Every candidate was held or taken meanwhile: on to the next ones.
                continue
            erasure.write_records(tally, reason=_reason(rule, run), by=by)
            report[code]["done"] = int(report[code]["done"]) + len(done)  # type: ignore[call-overload]
            RetentionRun.objects.filter(pk=run.pk).update(report=report)
            record_audit(
                by,
                object_type="retention_run",
                object_id=run.pk,
                action="retention_batch",
                actor_label="" if by else "retention",
                record_kind=code,
                done=len(done),
                counts=erasure.counts_by_kind(tally),
            )
        if on_batch is not None:
            on_batch(code, len(done))


def _require_valid(as_of: datetime.datetime, batch_size: int) -> None:
    if batch_size < 1:
        raise ValidationError(
            _("Il numero di record per lotto deve essere almeno 1."), code="batch_size"
        )
    if as_of > catalogue.now():
        raise ValidationError(
            _(
                "La data di riferimento non può essere nel futuro: si cancellerebbero dati "
                "prima della scadenza."
            ),
            code="as_of",
        )


def _rules_in(report: Report) -> dict[str, tuple[object, object]]:
    return {
        code: (line.get("months"), line.get("action"))
        for code, line in report.items()
        if code in KIND_BY_CODE
    }


def _rules_now(rules: list[RetentionRule]) -> dict[str, tuple[object, object]]:
    return {rule.record_kind: (rule.months, rule.action) for rule in rules}


def rules_changed_since(dry: RetentionRun) -> bool:
    """Whether a rule was changed, suspended or resumed since the dry run: its report would
    no longer say what a real run does."""
    return _rules_now(_active_rules()) != _rules_in(dry.report)


def _rules_changed_error() -> ValidationError:
    return ValidationError(
        _(
            "Le regole di conservazione sono cambiate dopo questa prova: il resoconto non dice "
            "più cosa farebbe l'esecuzione. Fai una nuova prova e leggila."
        ),
        code="rules_changed",
    )


def apply(
    as_of: datetime.datetime,
    *,
    batch_size: int = 500,
    dry_run: bool = False,
    by: User | None = None,
    on_batch: Callable[[str, int], None] | None = None,
    repeats: RetentionRun | None = None,
) -> RetentionRun:
    """A dry run (the plan, stored) or a real run (the plan, then each kind in batches, each
    batch its own transaction). Records of held persons are skipped. Bad input (a future
    ``as_of``, a batch size below 1, rules changed since the dry run a real run ``repeats``)
    raises ValidationError and writes nothing."""
    _require_valid(as_of, batch_size)
    rules = _active_rules()
    if repeats is not None and _rules_now(rules) != _rules_in(repeats.report):
        raise _rules_changed_error()
    report = _plan(rules, as_of)
    run = RetentionRun.objects.create(
        started_at=catalogue.now(),
        dry_run=dry_run,
        as_of=as_of,
        report=report,
        started_by=by,
    )
    if not dry_run:
        for rule in rules:
            _run_rule(run, rule, report, batch_size, by, on_batch)
    run.report = report
    run.finished_at = catalogue.now()
    run.save(update_fields=["report", "finished_at"])
    return run


# --- the DPO's operations (sportello.privacy.retention_views) ---


def _require_dpo(user: User) -> None:
    if not policies.is_data_protection_officer(user):
        raise PermissionDenied


@transaction.atomic
def update_rule(
    user: User, rule_id: int, *, months: int, action: str, active: bool, basis: str
) -> RetentionRule:
    """Change how long one kind of record is kept; bad values raise ValidationError (Italian)
    and change nothing."""
    _require_dpo(user)
    rule = RetentionRule.objects.select_for_update().get(pk=rule_id)
    kind = KIND_BY_CODE.get(rule.record_kind)
    errors: dict[str, str] = {}
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        errors["months"] = _("I mesi di conservazione vanno da %(min)d a %(max)d.") % {
            "min": MIN_MONTHS,
            "max": MAX_MONTHS,
        }
    if kind is not None and action not in kind.actions:
        errors["action"] = _("Per questo tipo di dato l'azione non è ammessa.")
    if not basis.strip():
        errors["basis"] = _("Scrivi perché i dati si conservano per questo periodo.")
    if errors:
        raise ValidationError(errors)
    rule.months, rule.action, rule.active, rule.basis = months, action, active, basis.strip()
    rule.save(update_fields=["months", "action", "active", "basis"])
    record_audit(
        user,
        object_type="retention_rule",
        object_id=rule.pk,
        action="retention_rule_changed",
        record_kind=rule.record_kind,
        months=months,
        rule_action=action,
        active=active,
    )
    return rule


def dry_run(user: User) -> RetentionRun:
    """The DPO's "Prova": what is due now, stored, nothing changed."""
    _require_dpo(user)
    ensure_default_rules()
    return apply(catalogue.now(), dry_run=True, by=user)


# The audit row that marks a dry run as executed: a dry run is executed once only.
REAL_RUN_STARTED = "retention_real_run_started"


def _already_executed(dry: RetentionRun) -> bool:
    return AuditEvent.objects.filter(
        object_type="retention_run", object_id=str(dry.pk), action=REAL_RUN_STARTED
    ).exists()


def require_runnable(dry: RetentionRun) -> None:
    """A real run repeats a dry run of today, once, with the rules it was made with, so the
    DPO has read what it will do."""
    today = timezone.localdate(catalogue.now())
    if not dry.dry_run or timezone.localdate(dry.as_of) != today:
        raise ValidationError(
            _(
                "Prima fai una prova di oggi e leggine il resoconto: l'esecuzione ripete "
                "esattamente la prova."
            ),
            code="needs_dry_run",
        )
    if _already_executed(dry):
        raise ValidationError(
            _(
                "Questa prova è già stata eseguita: per un'altra esecuzione fai una nuova prova "
                "e leggine il resoconto."
            ),
            code="already_executed",
        )
    if rules_changed_since(dry):
        raise _rules_changed_error()


@transaction.atomic
def start_real_run(user: User, dry_run_id: int) -> RetentionRun:
    """Queue the real run of a dry run of today (after commit; the worker runs it in batches).
    Returns the dry run it repeats. Refused (ValidationError, nothing written) for a dry run
    of another day, one already executed, or one made with rules changed since."""
    _require_dpo(user)
    # Locked: two clicks at once execute it once.
    dry = RetentionRun.objects.select_for_update().get(pk=dry_run_id)
    require_runnable(dry)
    record_audit(
        user,
        object_type="retention_run",
        object_id=dry.pk,
        action=REAL_RUN_STARTED,
        as_of=dry.as_of.isoformat(),
    )
    from sportello.privacy.retention_tasks import apply_retention_as_of

    as_of, user_id, dry_id = dry.as_of.isoformat(), user.pk, dry.pk
    transaction.on_commit(lambda: apply_retention_as_of.delay(as_of, user_id, dry_id))
    return dry
