"""Who may do what with the directory: coordinators maintain it, the people who refer search it.

The directory holds no personal data, but an unverified entry can send a person in difficulty
to the wrong door: only coordinators change it."""

from django.contrib.auth.models import AnonymousUser

from sportello.accounts.models import User
from sportello.accounts.roles import Role


def _any(user: User | AnonymousUser, *roles: Role) -> bool:
    return user.is_authenticated and any(user.has_role(role) for role in roles)  # type: ignore[union-attr]


def maintains_directory(user: User | AnonymousUser) -> bool:
    return _any(user, Role.COORDINATOR)


def searches_directory(user: User | AnonymousUser) -> bool:
    return _any(user, Role.PROFESSIONAL, Role.COORDINATOR)
