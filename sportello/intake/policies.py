"""Who may do what with contacts: role decides, and holding the contact decides the rest."""

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.intake.models import Contact


def _any(user: User, *roles: Role) -> bool:
    return user.is_authenticated and any(user.has_role(role) for role in roles)


def can_hand_over(user: User) -> bool:
    return _any(user, Role.SWITCHBOARD, Role.COORDINATOR)


def can_work_queue(user: User) -> bool:
    return _any(user, Role.PROFESSIONAL, Role.COORDINATOR)


def can_supervise(user: User) -> bool:
    return _any(user, Role.COORDINATOR)


def can_see_contact(user: User, contact: Contact) -> bool:
    """The contact sheet (number, reason, attempts): its holder and the coordinators."""
    if can_supervise(user):
        return True
    return can_work_queue(user) and contact.taken_by_id == user.pk


def can_act_on(user: User, contact: Contact) -> bool:
    """Only the professional holding a contact records its outcome (coordinators included)."""
    return contact.taken_by_id == user.pk and can_work_queue(user)


def can_read_earlier_reason(user: User, earlier: Contact) -> bool:
    """Earlier contacts of a repeat caller are listed to whoever holds the new one; what was said
    before is shown only to whoever heard it and to the coordinators."""
    return can_supervise(user) or earlier.taken_by_id == user.pk
