"""Reading the access log for the DPO's page: break-glass accesses first, then the others, each
newest first; filtered by person, staff member, case and days; a page at a time."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from sportello.accounts.models import User
from sportello.cases.models import Case, Person
from sportello.privacy import policies
from sportello.privacy.models import AccessLog
from sportello.services import queries as catalogue
from sportello.triage.models import Screening

PAGE_LENGTH = 50

# What the log says was read about a contact rather than a case (intake and triage pages).
CONTACT_OBJECT_TYPE = "contact"
SCREENING_OBJECT_TYPE = "screening"
PERSON_OBJECT_TYPE = "person"


@dataclass(frozen=True)
class AccessLogFilter:
    user: User | None = None
    case_id: int | None = None
    person: Person | None = None
    break_glass_only: bool = False
    # Whole days in the desk's time zone, both included.
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), catalogue.desk_zone())


def about_person(person: Person) -> Q:
    """The log rows about a person: every read of their cases (case pages, sessions, notes,
    appointments, referrals carry the case's number), of the person's own record (the access
    export, the rectification form), and the reads of the contacts those cases came from or
    gathered, with their risk screenings, which the log knows by contact only. A contact shared
    with another person's case: the reads naming that case are theirs, not this person's."""
    case_ids = list(Case.objects.filter(person=person).values_list("pk", flat=True))
    contact_ids = set(
        Case.contacts.through.objects.filter(case_id__in=case_ids).values_list(
            "contact_id", flat=True
        )
    ) | set(
        Case.objects.filter(pk__in=case_ids, opened_from__isnull=False).values_list(
            "opened_from_id", flat=True
        )
    )
    screening_ids = Screening.objects.filter(contact_id__in=contact_ids).values_list(
        "pk", flat=True
    )
    not_another_case = Q(case_id__isnull=True) | Q(case_id__in=case_ids)
    # object_id is text: the writers store str(pk).
    return (
        Q(case_id__in=case_ids)
        | Q(object_type=PERSON_OBJECT_TYPE, object_id=str(person.pk))
        | not_another_case
        & (
            Q(object_type=CONTACT_OBJECT_TYPE, object_id__in=[str(pk) for pk in contact_ids])
            | Q(
                object_type=SCREENING_OBJECT_TYPE,
                object_id__in=[str(pk) for pk in screening_ids],
            )
        )
    )


def filtered_access_log(wanted: AccessLogFilter) -> QuerySet[AccessLog]:
    """Break-glass accesses first (they are the ones to answer for), each group newest first."""
    rows = AccessLog.objects.order_by("-break_glass", "-seq")
    if wanted.user is not None:
        rows = rows.filter(user=wanted.user)
    if wanted.case_id is not None:
        rows = rows.filter(case_id=wanted.case_id)
    if wanted.person is not None:
        rows = rows.filter(about_person(wanted.person))
    if wanted.break_glass_only:
        rows = rows.filter(break_glass=True)
    if wanted.date_from is not None:
        rows = rows.filter(at__gte=_start_of(wanted.date_from))
    if wanted.date_to is not None:
        rows = rows.filter(at__lt=_start_of(wanted.date_to + datetime.timedelta(days=1)))
    return rows


def access_log_page(user: User, wanted: AccessLogFilter, page_number: object = 1) -> Page:
    """One page of the access log (50 rows); a page past the end is the last."""
    if not policies.can_read_access_log(user):
        raise PermissionDenied
    return Paginator(filtered_access_log(wanted), PAGE_LENGTH).get_page(page_number)


def case_by_reference(reference: str) -> Case | None:
    return Case.objects.filter(reference=reference.strip().upper()).only("pk", "reference").first()


def person_by_pseudonym(pseudonym: str) -> Person | None:
    return Person.objects.filter(pseudonym=pseudonym.strip().upper()).first()
