"""Reading data-subject requests, restrictions and legal holds for the DPO."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from sportello.accounts.models import User
from sportello.cases.models import Case, Person, name_lookup_of
from sportello.privacy import policies
from sportello.privacy.models import (
    DataSubjectRequest,
    LegalHold,
    ProcessingRestriction,
    RequestStatus,
)
from sportello.services import queries as catalogue

# Days before the deadline from which a request is flagged as close to it.
NEAR_DEADLINE_DAYS = 7


def _person_id(person: Person | int) -> int:
    return person if isinstance(person, int) else person.pk


def is_restricted(person: Person | int) -> bool:
    """Whether processing of the person's data is restricted (Art. 18): their cases are kept
    and may be read, not changed."""
    return ProcessingRestriction.objects.filter(
        person_id=_person_id(person), lifted_at__isnull=True
    ).exists()


def active_restrictions(person: Person | int) -> QuerySet[ProcessingRestriction]:
    return ProcessingRestriction.objects.filter(
        person_id=_person_id(person), lifted_at__isnull=True
    ).order_by("since", "pk")


def active_legal_holds(person: Person | int) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(person_id=_person_id(person), lifted_at__isnull=True).order_by(
        "placed_at", "pk"
    )


def _require_dpo(user: User) -> None:
    if not policies.is_data_protection_officer(user):
        raise PermissionDenied


def _local_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(catalogue.desk_zone()).date()


@dataclass(frozen=True)
class RequestRow:
    request: DataSubjectRequest
    days_left: int  # calendar days in the desk's time zone; negative once overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def near_deadline(self) -> bool:
        return 0 <= self.days_left <= NEAR_DEADLINE_DAYS

    @property
    def days_overdue(self) -> int:
        return -self.days_left


def row_of(request: DataSubjectRequest, now: datetime.datetime | None = None) -> RequestRow:
    today = _local_day(now or catalogue.now())
    return RequestRow(request, (_local_day(request.due_at) - today).days)


def open_requests(user: User) -> list[RequestRow]:
    """Open requests, the nearest deadline first (the overdue ones before them all)."""
    _require_dpo(user)
    now = catalogue.now()
    return [
        row_of(request, now)
        for request in DataSubjectRequest.objects.filter(status=RequestStatus.OPEN)
        .select_related("person")
        .order_by("due_at", "pk")
    ]


def recently_closed(user: User, limit: int = 20) -> list[DataSubjectRequest]:
    _require_dpo(user)
    return list(
        DataSubjectRequest.objects.exclude(status=RequestStatus.OPEN)
        .select_related("person", "closed_by")
        .order_by("-closed_at", "-pk")[:limit]
    )


def request_for(user: User, pk: int) -> DataSubjectRequest:
    """DataSubjectRequest.DoesNotExist when it does not exist."""
    _require_dpo(user)
    return DataSubjectRequest.objects.select_related("person", "created_by", "closed_by").get(pk=pk)


@dataclass(frozen=True)
class PersonSummary:
    person: Person
    case_references: list[str]
    restricted: bool
    legal_holds: list[LegalHold]


def person_summary(user: User, person: Person) -> PersonSummary:
    """What the request page shows of the person: no health data, only references."""
    _require_dpo(user)
    return PersonSummary(
        person=person,
        case_references=list(
            Case.objects.filter(person=person)
            .order_by("opened_at")
            .values_list("reference", flat=True)
        ),
        restricted=is_restricted(person),
        legal_holds=list(active_legal_holds(person)),
    )


def find_people(text: str) -> list[Person]:
    """The person a pseudonym, a case reference or an exact full name names (a name can name
    several people); nothing is decrypted to search."""
    text = " ".join(text.split())[:200]
    if not text:
        return []
    by_pseudonym = Person.objects.filter(pseudonym__iexact=text)
    if by_pseudonym.exists():
        return list(by_pseudonym)
    by_case = Person.objects.filter(cases__reference__iexact=text).distinct()
    if by_case.exists():
        return list(by_case)
    return list(Person.objects.filter(name_lookup=name_lookup_of(text)).order_by("pk"))
