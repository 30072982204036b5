"""Who may see the statistics: the coordinators who run the desk and the department's
management. Both see aggregates only; nothing in this app names a person."""

from django.contrib.auth.models import AnonymousUser

from sportello.accounts.models import User
from sportello.accounts.roles import Role


def can_see_statistics(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and (
        user.has_role(Role.COORDINATOR) or user.has_role(Role.MANAGEMENT)  # type: ignore[union-attr]
    )


def can_refresh_statistics(user: User | AnonymousUser) -> bool:
    """Recomputing the rollups on demand is the coordinators' call; management only reads."""
    return user.is_authenticated and user.has_role(Role.COORDINATOR)  # type: ignore[union-attr]
