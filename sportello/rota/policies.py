"""Who may do what with the roster: coordinators plan it, operators see and swap their shifts."""

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.rota.models import SwapRequest

# The roles whose people are rostered: the shift-working staff.
SHIFT_ROLES = (Role.PROFESSIONAL, Role.COORDINATOR)


def plans_roster(user: User) -> bool:
    return user.has_role(Role.COORDINATOR)


def works_shifts(user: User) -> bool:
    """Professionals and coordinators are rostered; they see their shifts and ask for swaps."""
    return any(user.has_role(role) for role in SHIFT_ROLES)


def sees_who_is_on_shift(user: User) -> bool:
    return works_shifts(user) or user.has_role(Role.SWITCHBOARD)


def answers_swap(user: User, swap: SwapRequest) -> bool:
    """Only the colleague a shift is offered to accepts or declines it."""
    return swap.colleague_id == user.pk and works_shifts(user)


def withdraws_swap(user: User, swap: SwapRequest) -> bool:
    """Only whoever asked for a swap takes it back."""
    return swap.requester_id == user.pk and works_shifts(user)
