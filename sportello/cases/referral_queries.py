"""Reading referrals: always through the cases the user may read (cases.queries), so a referral
of a case they may not see is simply not found."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from sportello.accounts.models import User
from sportello.cases import policies, queries
from sportello.cases.models import (
    OPEN_REFERRAL_STATUSES,
    Case,
    Referral,
    ReferralStatus,
    Status,
)
from sportello.cases.referrals import can_refer
from sportello.directory import queries as directory_queries
from sportello.directory.models import Service as DirectoryService
from sportello.directory.models import TaxonomyTerm
from sportello.services import queries as catalogue

# Lists show the service, the status and the dates: nothing encrypted is read for them.
ENCRYPTED_REFERRAL_FIELDS = ("reason", "summary", "refusal_reason", "close_note")


def overdue_at(at: datetime.datetime) -> Q:
    """Sent, still unanswered, and past its follow-up time: the rule for querysets; is_overdue
    is the same rule on a referral already loaded."""
    return Q(status=ReferralStatus.SENT, follow_up_due_at__lte=at)


def is_overdue(referral: Referral, at: datetime.datetime) -> bool:
    return (
        referral.status == ReferralStatus.SENT
        and referral.follow_up_due_at is not None
        and referral.follow_up_due_at <= at
    )


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    overdue: bool


@dataclass(frozen=True)
class CaseReferrals:
    """The case page's section: always shown (an empty list still offers to propose one)."""

    rows: list[ReferralRow]
    can_propose: bool

    def __bool__(self) -> bool:
        return True


def _listing(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.defer(*ENCRYPTED_REFERRAL_FIELDS).select_related(
        "to_service", "to_service__organization", "case", "case__person", "case__service"
    )


def case_referrals(user: User, case: Case) -> CaseReferrals:
    """The referrals of a case the caller already read through the policy."""
    at = catalogue.now()
    referrals = _listing(Referral.objects.filter(case=case)).order_by("-created_at", "-pk")
    return CaseReferrals(
        rows=[ReferralRow(referral, is_overdue(referral, at)) for referral in referrals],
        can_propose=can_refer(user, case) and case.status != Status.CLOSED,
    )


def referral_for(user: User, case_pk: int, referral_pk: int) -> Referral:
    """The referral of a case the user may read; Case/Referral.DoesNotExist otherwise."""
    case = queries.case_for(user, case_pk)
    referral = Referral.objects.select_related(
        "to_service", "to_service__organization", "created_by"
    ).get(case=case, pk=referral_pk)
    referral.case = case
    return referral


def open_referrals(user: User) -> list[ReferralRow]:
    """Every open referral the user answers for, overdue first (longest overdue first), then by
    follow-up time and age. Coordinators: their services' cases; professionals: the cases they
    follow."""
    at = catalogue.now()
    if policies.is_coordinator(user):
        ids = policies.coordinated_service_ids(user)
        cases = Case.objects.all() if ids is None else Case.objects.filter(service_id__in=ids)
        cases = cases | queries.followed_cases(user)
    elif policies.works_on_cases(user):
        cases = queries.followed_cases(user)
    else:
        return []
    referrals = _listing(
        Referral.objects.filter(status__in=OPEN_REFERRAL_STATUSES, case_id__in=cases.values("pk"))
    )
    rows = [ReferralRow(referral, is_overdue(referral, at)) for referral in referrals]
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    rows.sort(
        key=lambda row: (
            not row.overdue,
            row.referral.follow_up_due_at or far,
            row.referral.created_at,
            row.referral.pk,
        )
    )
    return rows


def needs() -> list[TaxonomyTerm]:
    return list(TaxonomyTerm.objects.order_by("name_it"))


def services_for(need: str = "", municipio: int | None = None) -> QuerySet[DirectoryService]:
    """Active services of the directory for a need and a municipio, as the directory's search
    finds them. The department's own services are listed like any other: a referral there is
    an internal transfer."""
    return directory_queries.matching(need=need or None, municipio=municipio).select_related(
        "organization"
    )
