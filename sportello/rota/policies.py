"""Who may do what with the roster: coordinators plan it, operators see and swap their shifts."""

from sportello.accounts.models import User
from sportello.accounts.roles import Role


def plans_roster(user: User) -> bool:
    return user.has_role(Role.COORDINATOR)


def works_shifts(user: User) -> bool:
    """Professionals and coordinators are rostered; they see their shifts and ask for swaps."""
    return user.has_role(Role.PROFESSIONAL) or user.has_role(Role.COORDINATOR)


def sees_who_is_on_shift(user: User) -> bool:
    return any(
        user.has_role(role) for role in (Role.SWITCHBOARD, Role.PROFESSIONAL, Role.COORDINATOR)
    )


def may_record_absence_for(user: User, operator: User) -> bool:
    return plans_roster(user) or (user.pk == operator.pk and works_shifts(user))
