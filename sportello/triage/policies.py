"""Who may screen a contact, read its screening and document the safety protocol."""

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.intake import policies as intake_policies
from sportello.intake.models import HELD_STATUSES, Contact


def can_screen(user: User, contact: Contact) -> bool:
    """The professional holding the contact screens it, during the conversation."""
    return intake_policies.can_act_on(user, contact) and contact.status in HELD_STATUSES


def can_read_risk(user: User, contact: Contact, screened_by_ids: set[int] | None = None) -> bool:
    """The holder, whoever screened it or owes it a follow-up, and the coordinators."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.COORDINATOR):
        return True
    if not user.has_role(Role.PROFESSIONAL):
        return False
    return contact.taken_by_id == user.pk or user.pk in (screened_by_ids or set())


def can_document_protocol(
    user: User, contact: Contact, screened_by_ids: set[int] | None = None
) -> bool:
    """The steps may be written by the holder, a screener (after the call was handed back) and
    the coordinators, so a high-risk contact is never stuck for want of its holder: the same
    people who read the risk page, which therefore always shows the protocol's forms."""
    return can_read_risk(user, contact, screened_by_ids)


def can_acknowledge(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.COORDINATOR)
