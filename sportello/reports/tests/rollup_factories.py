"""Raw records for the statistics' tests, written straight to the tables (fast enough for
hypothesis): contacts in any state, screenings, call attempts, cases, sessions and referrals."""

import datetime
import itertools

from sportello.accounts.models import User
from sportello.cases.models import Case, Person, Referral, Session
from sportello.directory.models import Organization, TaxonomyTerm
from sportello.directory.models import Service as DirectoryService
from sportello.intake.models import CallAttempt, Contact
from sportello.services.models import EmergencyProgramme, Service, TargetGroup
from sportello.triage.models import ContactReason, Screening

_numbers = itertools.count(1)


def contact(
    received_at: datetime.datetime,
    *,
    service: str = "emergency",
    channel: str = "switchboard",
    programme: EmergencyProgramme | None = None,
    taken_by: User | None = None,
    taken_at: datetime.datetime | None = None,
    first_answered_at: datetime.datetime | None = None,
    closed_at: datetime.datetime | None = None,
    close_reason: str = "",
    changed_at: datetime.datetime | None = None,
    caller_name: str = "",
    reason: str = "",
) -> Contact:
    status = "waiting"
    if taken_at is not None:
        status = "taken"
    if closed_at is not None:
        status = "closed"
    return Contact.objects.create(
        reference=f"SP-T-{next(_numbers):07d}",
        channel=channel,
        service=Service.objects.get(code=service),
        programme=programme,
        received_at=received_at,
        status=status,
        status_changed_at=changed_at or closed_at or taken_at or received_at,
        taken_by=taken_by if taken_at is not None else None,
        taken_at=taken_at,
        # Taken once, as the operations record it; a release and a later take pass both.
        first_answered_at=first_answered_at or taken_at,
        closed_at=closed_at,
        close_reason=close_reason,
        caller_name=caller_name,
        reason=reason,
    )


def screening(
    target: Contact,
    by: User,
    at: datetime.datetime,
    *,
    level: int = 0,
    groups: tuple[str, ...] = (),
    reasons: tuple[str, ...] = (),
) -> Screening:
    made = Screening.objects.create(
        contact=target,
        at=at,
        by=by,
        instrument_version="test",
        answers="{}",
        computed_level=level,
        level=level,
    )
    made.target_groups.set(TargetGroup.objects.filter(code__in=groups))
    made.reasons.set(ContactReason.objects.filter(code__in=reasons))
    return made


def attempt(target: Contact, by: User, at: datetime.datetime, outcome: str) -> CallAttempt:
    return CallAttempt.objects.create(contact=target, at=at, by=by, outcome=outcome)


def case(
    opened_at: datetime.datetime,
    by: User,
    *,
    service: str = "emergency",
    programme: EmergencyProgramme | None = None,
) -> Case:
    number = next(_numbers)
    person = Person.objects.create(pseudonym=f"P-T{number:06d}", created_at=opened_at)
    return Case.objects.create(
        reference=f"PC-T-{number:07d}",
        person=person,
        service=Service.objects.get(code=service),
        programme=programme,
        opened_at=opened_at,
        opened_by=by,
    )


def session(of: Case, by: User, held_at: datetime.datetime) -> Session:
    return Session.objects.create(
        case=of,
        held_at=held_at,
        mode="phone",
        duration_minutes=45,
        recorded_by=by,
        recorded_at=held_at,
    )


def directory_entry(need: str | None = None, *, internal: str | None = None) -> DirectoryService:
    organization = Organization.objects.create(name=f"Ente {next(_numbers)}")
    entry = DirectoryService.objects.create(
        organization=organization,
        name=f"Servizio {next(_numbers)}",
        desk_service=Service.objects.get(code=internal) if internal else None,
        last_modified=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    if need is not None:
        entry.taxonomy_terms.set(TaxonomyTerm.objects.filter(code=need))
    return entry


def referral(
    of: Case,
    to: DirectoryService,
    by: User,
    created_at: datetime.datetime,
    *,
    status: str = "proposed",
    reason: str = "",
) -> Referral:
    return Referral.objects.create(
        case=of,
        to_service=to,
        reason=reason or "motivo",
        consent_at=created_at,
        created_by=by,
        created_at=created_at,
        status=status,
    )
