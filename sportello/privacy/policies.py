"""Who may read the privacy registers: the access log is metadata about health data, for the DPO
and the coordinators who supervise the team."""

from django.contrib.auth.models import AnonymousUser

from sportello.accounts.models import User
from sportello.accounts.roles import Role


def can_read_access_log(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and (
        user.has_role(Role.DPO) or user.has_role(Role.COORDINATOR)  # type: ignore[union-attr]
    )


def is_data_protection_officer(user: User | AnonymousUser) -> bool:
    """The DPO's own work: records of processing, data-subject requests, retention."""
    return user.is_authenticated and user.has_role(Role.DPO)  # type: ignore[union-attr]
