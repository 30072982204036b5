"""Reading the access log for the DPO's page: newest first, filtered, a page at a time."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from sportello.accounts.models import User
from sportello.privacy import policies
from sportello.privacy.models import AccessLog
from sportello.services import queries as catalogue

PAGE_LENGTH = 50


@dataclass(frozen=True)
class AccessLogFilter:
    user: User | None = None
    case_id: int | None = None
    break_glass_only: bool = False
    # Whole days in the desk's time zone, both included.
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), catalogue.desk_zone())


def filtered_access_log(wanted: AccessLogFilter) -> QuerySet[AccessLog]:
    rows = AccessLog.objects.order_by("-seq")
    if wanted.user is not None:
        rows = rows.filter(user=wanted.user)
    if wanted.case_id is not None:
        rows = rows.filter(case_id=wanted.case_id)
    if wanted.break_glass_only:
        rows = rows.filter(break_glass=True)
    if wanted.date_from is not None:
        rows = rows.filter(at__gte=_start_of(wanted.date_from))
    if wanted.date_to is not None:
        rows = rows.filter(at__lt=_start_of(wanted.date_to + datetime.timedelta(days=1)))
    return rows


def access_log_page(user: User, wanted: AccessLogFilter, page_number: object = 1) -> Page:
    """One page of the access log (50 rows, newest first); a page past the end is the last."""
    if not policies.can_read_access_log(user):
        raise PermissionDenied
    return Paginator(filtered_access_log(wanted), PAGE_LENGTH).get_page(page_number)
