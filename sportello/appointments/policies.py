"""Who may book: those who follow the case, and the coordinators of its service."""

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.cases import policies as cases
from sportello.cases.models import Case


def can_book(user: User, case: Case) -> bool:
    return cases.can_write_record(user, case) or cases.coordinates(user, case.service_id)


def can_hold_sessions(user: User) -> bool:
    return user.has_role(Role.PROFESSIONAL)
