"""Reading alerts: a person's open ones (the header badge, their page) and whether a group of
alerts has been seen by someone."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.alerts import policies
from sportello.alerts.models import Alert

# The alerts page lists this many alerts already seen, below the open ones.
SEEN_LENGTH = 50


@dataclass(frozen=True)
class AlertsPage:
    open: list[Alert]
    seen: list[Alert]


def unacknowledged_for(user: User) -> QuerySet[Alert]:
    return Alert.objects.filter(recipient=user, acknowledged_at__isnull=True).order_by(
        "-created_at", "-pk"
    )


def count_unacknowledged(user: User) -> int:
    return unacknowledged_for(user).count()


def is_acknowledged(group_key: str) -> bool:
    """Someone has seen the alerts about this and no newer one waits: sweeps that run every
    minute ask this before raising the same alert again."""
    group = Alert.objects.filter(group_key=group_key)
    return (
        group.filter(acknowledged_at__isnull=False).exists()
        and not group.filter(acknowledged_at__isnull=True).exists()
    )


def alerts_page(user: User) -> AlertsPage:
    """A person's alerts: the open ones first, then the latest they have seen."""
    if not policies.can_receive_alerts(user):
        raise PermissionDenied
    mine = Alert.objects.filter(recipient=user).select_related("acknowledged_by")
    return AlertsPage(
        open=list(mine.filter(acknowledged_at__isnull=True).order_by("-created_at", "-pk")),
        seen=list(
            mine.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at", "-pk")[
                :SEEN_LENGTH
            ]
        ),
    )


def staff_with_role(role: Role) -> QuerySet[User]:
    """Active staff holding a role: whom an escalation alerts (e.g. every coordinator)."""
    return User.objects.filter(is_active=True, groups__name=role.value).order_by("pk").distinct()


def acknowledgers(group_keys: Iterable[str]) -> dict[str, User]:
    """For each group already acknowledged (see is_acknowledged), who saw it first: one query
    for a whole sweep, whatever the number of groups."""
    keys = list(group_keys)
    open_groups = set(
        Alert.objects.filter(group_key__in=keys, acknowledged_at__isnull=True).values_list(
            "group_key", flat=True
        )
    )
    first: dict[str, User] = {}
    for alert in (
        Alert.objects.filter(group_key__in=keys, acknowledged_at__isnull=False)
        .exclude(group_key__in=open_groups)
        .select_related("acknowledged_by")
        .order_by("acknowledged_at", "pk")
    ):
        if alert.acknowledged_by is not None:
            first.setdefault(alert.group_key, alert.acknowledged_by)
    return first


def acknowledged_by(group_key: str) -> User | None:
    """Who acknowledged the group, once it has been acknowledged (see is_acknowledged)."""
    return acknowledgers([group_key]).get(group_key)
