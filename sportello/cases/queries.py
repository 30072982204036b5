"""Reading cases: every read goes through the policy's filter, so a case a user may not see
is simply not found (Case.DoesNotExist, a 404 in the views)."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from sportello.accounts.models import ProfessionalProfile, User
from sportello.accounts.roles import Role
from sportello.cases import policies, section_forms
from sportello.cases.models import (
    BreakGlassGrant,
    Case,
    CaseSection,
    Consent,
    SectionField,
    Session,
    Status,
    name_lookup_of,
)
from sportello.intake.models import Contact
from sportello.services import queries as catalogue
from sportello.services.models import Service
from sportello.triage import queries as triage
from sportello.triage.queries import RiskStatus

# Lists show the reference, the pseudonym and the status: nothing encrypted is read for them.
ENCRYPTED_CASE_FIELDS = ("goals",)
ENCRYPTED_PERSON_FIELDS = ("person__full_name", "person__phone", "person__email")


def visible_cases(user: User) -> QuerySet[Case]:
    allowed = policies.visible(user, catalogue.now())
    if allowed is None:
        return Case.objects.none()
    return Case.objects.filter(allowed)


def _listing(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.defer(*ENCRYPTED_CASE_FIELDS, *ENCRYPTED_PERSON_FIELDS).select_related(
        "person", "service", "primary_professional"
    )


def case_for(user: User, pk: int) -> Case:
    """The case if the user may read it; Case.DoesNotExist otherwise, whether it exists or not."""
    return (
        visible_cases(user)
        .select_related(
            "person",
            "person__preferred_language",
            "service",
            "programme",
            "opened_from",
            "opened_by",
            "primary_professional",
        )
        .prefetch_related("team")
        .get(pk=pk)
    )


def contact_ids_of(cases: list[Case]) -> dict[int, list[int]]:
    """Each case's contacts, in one query."""
    by_case: dict[int, list[int]] = {case.pk: [] for case in cases}
    for case_id, contact_id in Case.contacts.through.objects.filter(
        case_id__in=list(by_case)
    ).values_list("case_id", "contact_id"):
        by_case[case_id].append(contact_id)
    return by_case


def risk_by_case(cases: list[Case]) -> dict[int, RiskStatus]:
    """The most serious risk in force among each case's contacts (absent: never screened).

    Of two contacts at the same level, the one whose protocol is incomplete speaks for the case."""
    contacts = contact_ids_of(cases)
    risks = triage.risk_by_contact(
        contact_id for contact_ids in contacts.values() for contact_id in contact_ids
    )
    result: dict[int, RiskStatus] = {}
    for case_id, contact_ids in contacts.items():
        found = [risks[contact_id] for contact_id in contact_ids if contact_id in risks]
        if found:
            result[case_id] = max(found, key=lambda risk: (risk.level, len(risk.missing_actions)))
    return result


@dataclass(frozen=True)
class CaseRow:
    case: Case
    risk: RiskStatus | None


def _rows(cases: list[Case]) -> list[CaseRow]:
    risks = risk_by_case(cases)
    return [CaseRow(case, risks.get(case.pk)) for case in cases]


def _is_high(row: CaseRow) -> bool:
    return row.risk is not None and row.risk.high


def _high_first(rows: list[CaseRow]) -> list[CaseRow]:
    """Imminent, then high risk, then the rest; the sort is stable, so rows keep their order
    (newest first, as listed) within each group."""
    return sorted(rows, key=lambda row: -row.risk.level if row.risk and row.risk.high else 0)


def _today(at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    start = at.astimezone(catalogue.desk_zone()).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + datetime.timedelta(days=1)


def followed_cases(user: User) -> QuerySet[Case]:
    """The cases a user follows (primary or team), which is not every case they may read."""
    return Case.objects.filter(
        Q(primary_professional=user)
        | Q(pk__in=Case.team.through.objects.filter(user=user).values("case_id"))
    )


@dataclass(frozen=True)
class ProfessionalHome:
    at: datetime.datetime
    cases: list[CaseRow]
    follow_ups: list[object]
    sessions_today: list[Session]


def professional_home(user: User) -> ProfessionalHome:
    """Open cases the professional follows (high and imminent risk first), the follow-ups they
    owe by the end of today, and the sessions held today in their cases."""
    at = catalogue.now()
    start, end = _today(at)
    cases = list(_listing(followed_cases(user).filter(status=Status.OPEN)).order_by("-opened_at"))
    sessions = list(
        Session.objects.filter(case__in=followed_cases(user), held_at__gte=start, held_at__lt=end)
        .only("id", "held_at", "mode", "duration_minutes", "case__id", "case__reference")
        .select_related("case")
        .order_by("held_at")
    )
    return ProfessionalHome(
        at=at,
        cases=_high_first(_rows(cases)),
        follow_ups=triage.follow_ups_for(user, until=end),
        sessions_today=sessions,
    )


@dataclass(frozen=True)
class CoordinationHome:
    at: datetime.datetime
    high_risk: list[CaseRow]
    unassigned: list[Case]
    suspended: list[Case]
    professionals: dict[int, list[User]]


def professionals_by_service(service_ids: list[int]) -> dict[int, list[User]]:
    """Active professionals who may be assigned to each service's cases, in two queries."""
    links = list(
        ProfessionalProfile.services.through.objects.filter(
            service_id__in=service_ids,
            professionalprofile__user__is_active=True,
            professionalprofile__user__groups__name=Role.PROFESSIONAL.value,
        ).values_list("service_id", "professionalprofile__user_id")
    )
    users = User.objects.in_bulk({user_id for _service, user_id in links})
    by_service: dict[int, list[User]] = {}
    for service_id, user_id in links:
        by_service.setdefault(service_id, []).append(users[user_id])
    for members in by_service.values():
        members.sort(key=lambda user: (user.last_name, user.first_name, user.username))
    return by_service


def coordination_home(user: User) -> CoordinationHome:
    """For a coordinator's services: cases at high or imminent risk with what their protocol
    still lacks, cases without a primary professional, suspended cases."""
    at = catalogue.now()
    ids = policies.coordinated_service_ids(user)
    cases = Case.objects.exclude(status=Status.CLOSED)
    if ids is not None:
        cases = cases.filter(service_id__in=ids)
    active = list(_listing(cases).order_by("-opened_at"))
    rows = [row for row in _rows(active) if _is_high(row)]
    unassigned = [case for case in active if case.primary_professional_id is None]
    return CoordinationHome(
        at=at,
        high_risk=_high_first(rows),
        unassigned=unassigned,
        suspended=[case for case in active if case.status == Status.SUSPENDED],
        professionals=professionals_by_service(sorted({case.service_id for case in unassigned})),
    )


@dataclass(frozen=True)
class HiddenMatch:
    """A case the search found that the user may not read: its reference and service only,
    so that they can ask for exceptional access."""

    pk: int
    reference: str
    service: Service


@dataclass(frozen=True)
class SearchResult:
    query: str
    cases: list[Case] = field(default_factory=list)
    hidden: list[HiddenMatch] = field(default_factory=list)


MAX_RESULTS = 50


def search(user: User, text: str) -> SearchResult:
    """Exact matches on the case reference, the pseudonym or the person's full name (through its
    keyed hash): nothing is decrypted, and cases the user may not read show only reference and
    service."""
    text = " ".join(text.split())[:200]
    if not text or not policies.works_on_cases(user):
        return SearchResult(query=text)
    matching = Q(reference__iexact=text) | Q(person__pseudonym__iexact=text)
    lookup = name_lookup_of(text)
    if lookup:
        matching |= Q(person__name_lookup=lookup)
    found = Case.objects.filter(matching)
    visible = list(
        _listing(found.filter(pk__in=visible_cases(user).values("pk"))).order_by("-opened_at")[
            :MAX_RESULTS
        ]
    )
    hidden: list[HiddenMatch] = []
    if policies.can_break_glass(user):
        hidden = [
            HiddenMatch(pk=case.pk, reference=case.reference, service=case.service)
            for case in found.exclude(pk__in=[case.pk for case in visible])
            .only("pk", "reference", "service")
            .select_related("service")
            .order_by("-opened_at")[:MAX_RESULTS]
        ]
    return SearchResult(query=text, cases=visible, hidden=hidden)


@dataclass(frozen=True)
class SectionView:
    fields: list[SectionField]
    section: CaseSection | None
    rows: list[tuple[str, str]]


def _stored_section(case: Case) -> CaseSection | None:
    return CaseSection.objects.filter(case=case, service_id=case.service_id).first()


def section_of(case: Case) -> SectionView:
    """The questions of the case's service and the answers, as the case page shows them."""
    fields = section_forms.fields_of(case.service_id)
    section = _stored_section(case)
    values = section.values if section else {}
    return SectionView(
        fields=fields, section=section, rows=section_forms.display_rows(fields, values)
    )


def section_answers(case: Case) -> dict[str, Any]:
    """The stored answers to the case's service section (empty when never filled in)."""
    section = _stored_section(case)
    return section.values if section else {}


@dataclass(frozen=True)
class ContactRisk:
    contact: Contact
    risk: RiskStatus | None


@dataclass(frozen=True)
class CasePage:
    case: Case
    sessions: list[Session]
    consents: list[Consent]
    transfers: list[object]
    section: SectionView
    contacts: list[ContactRisk]
    grant: BreakGlassGrant | None
    can_write: bool
    can_manage: bool
    can_assign: bool


def case_page(user: User, pk: int) -> CasePage:
    """Everything the case page shows, for someone the policy lets read it."""
    case = case_for(user, pk)
    contacts = list(
        case.contacts.defer("caller_number", "email", "caller_name", "reason")
        .select_related("service")
        .order_by("received_at")
    )
    sessions = list(
        case.sessions.defer("notes", "next_steps", "other_participants")
        .select_related("recorded_by")
        .prefetch_related("participants")
    )
    risks = triage.risk_by_contact(contact.pk for contact in contacts)
    follows = policies.follows(user, case)
    grant = None
    if not follows and not policies.coordinates(user, case.service_id):
        grant = (
            BreakGlassGrant.objects.filter(user=user, case=case, expires_at__gt=catalogue.now())
            .defer("reason")
            .first()
        )
    return CasePage(
        case=case,
        sessions=sessions,
        consents=list(case.consents.select_related("given_to", "withdrawal_recorded_by")),
        transfers=list(
            case.transfers.defer("reason").select_related("from_service", "to_service", "by")
        ),
        section=section_of(case),
        contacts=[ContactRisk(contact, risks.get(contact.pk)) for contact in contacts],
        grant=grant,
        can_write=policies.can_write_record(user, case),
        can_manage=policies.can_manage(user, case),
        can_assign=policies.can_assign(user, case),
    )


def session_for(user: User, case_pk: int, session_pk: int) -> Session:
    """A session with its notes, in a case the user may read (Session.DoesNotExist otherwise)."""
    case = case_for(user, case_pk)
    session = (
        Session.objects.select_related("recorded_by")
        .prefetch_related("participants")
        .get(case=case, pk=session_pk)
    )
    session.case = case
    return session


def contact_for_new_case(user: User, contact_id: int) -> Contact:
    """The contact a case is opened from, if this user may open one from it (404 otherwise)."""
    contact = (
        Contact.objects.defer("caller_number", "email", "reason")
        .select_related("service", "programme")
        .get(pk=contact_id)
    )
    if not policies.can_open_from(user, contact):
        raise Contact.DoesNotExist
    return contact


def open_case_of(contact_id: int) -> Case | None:
    """The case (open or suspended) a contact already belongs to, if any."""
    return (
        Case.objects.filter(contacts__pk=contact_id)
        .exclude(status=Status.CLOSED)
        .only("pk", "reference")
        .first()
    )
