"""What the coordinator's maintenance pages read: every entry with who verified it and when, and
the entries due for review (never verified, or not for SPORTELLO_DIRECTORY_REVIEW_MONTHS)."""

import calendar
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from sportello.directory.models import Organization, Service
from sportello.services import queries as catalogue


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time ``months`` earlier (the month's last day when it has fewer days)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def review_threshold(at: datetime.datetime | None = None) -> datetime.datetime:
    """Entries last verified before this instant are due for review."""
    return months_before(at or catalogue.now(), settings.SPORTELLO_DIRECTORY_REVIEW_MONTHS)


def _due(at: datetime.datetime | None) -> Q:
    return Q(verified_at__isnull=True) | Q(verified_at__lt=review_threshold(at))


def services_due_for_review(at: datetime.datetime | None = None) -> QuerySet[Service]:
    return Service.objects.filter(_due(at))


def organizations_due_for_review(at: datetime.datetime | None = None) -> QuerySet[Organization]:
    return Organization.objects.filter(_due(at))


@dataclass(frozen=True)
class MaintenanceList:
    organizations: list[Organization]
    due_only: bool
    due_services: int
    due_organizations: int
    threshold: datetime.datetime


def maintenance_list(*, due_only: bool = False) -> MaintenanceList:
    """Organizations with their services (each with who verified it); with ``due_only`` only
    what needs checking: a fresh organization is still listed when one of its services is due."""
    now = catalogue.now()
    services = Service.objects.select_related("verified_by").order_by("name")
    organizations = Organization.objects.select_related("verified_by").order_by("name")
    if due_only:
        services = services.filter(_due(now))
        organizations = organizations.filter(
            _due(now) | Q(services__in=services_due_for_review(now))
        ).distinct()
    organizations = organizations.prefetch_related(
        Prefetch("services", queryset=services, to_attr="listed_services")
    )
    return MaintenanceList(
        organizations=list(organizations),
        due_only=due_only,
        due_services=services_due_for_review(now).count(),
        due_organizations=organizations_due_for_review(now).count(),
        threshold=review_threshold(now),
    )


def is_due(entry: Organization | Service, at: datetime.datetime | None = None) -> bool:
    return entry.verified_at is None or entry.verified_at < review_threshold(at)
