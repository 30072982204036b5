"""Who may see and change a case: the one place that decides, called by queries and operations.

A professional sees the cases they follow (primary professional or team) and, for a few hours,
one they opened by break-glass; a coordinator sees every case of the services they coordinate;
the switchboard, the DPO and management see no case at all.
"""

import datetime

from django.db.models import Q

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.cases.models import BreakGlassGrant, Case
from sportello.intake.models import Contact
from sportello.services.models import Service

MIN_BREAK_GLASS_REASON = 15
BREAK_GLASS_HOURS = 8


def _any(user: User, *roles: Role) -> bool:
    return user.is_authenticated and any(user.has_role(role) for role in roles)


def is_professional(user: User) -> bool:
    return _any(user, Role.PROFESSIONAL)


def is_coordinator(user: User) -> bool:
    return _any(user, Role.COORDINATOR)


def works_on_cases(user: User) -> bool:
    """The roles that have a case home and search at all."""
    return _any(user, Role.PROFESSIONAL, Role.COORDINATOR)


def can_break_glass(user: User) -> bool:
    return works_on_cases(user)


def coordinated_service_ids(user: User) -> frozenset[int] | None:
    """The services a coordinator answers for: their profile's, or every one (None) when they
    have no profile with services. Read once per user object: every check of a request asks."""
    if not is_coordinator(user):
        return frozenset()
    cached: frozenset[int] | bool | None = user.__dict__.get("_coordinated_service_ids", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    profile = getattr(user, "professional_profile", None)
    ids = frozenset(profile.services.values_list("pk", flat=True)) if profile else frozenset()
    result = ids or None
    user.__dict__["_coordinated_service_ids"] = result
    return result


def coordinates(user: User, service_id: int) -> bool:
    ids = coordinated_service_ids(user)
    return is_coordinator(user) and (ids is None or service_id in ids)


def visible(user: User, at: datetime.datetime) -> Q | None:
    """The cases a user may read, as a filter; None when they may read none."""
    if not works_on_cases(user):
        return None
    allowed = (
        Q(primary_professional=user)
        | Q(pk__in=Case.team.through.objects.filter(user=user).values("case_id"))
        | Q(pk__in=BreakGlassGrant.objects.filter(user=user, expires_at__gt=at).values("case_id"))
    )
    if is_coordinator(user):
        ids = coordinated_service_ids(user)
        allowed |= Q(pk__isnull=False) if ids is None else Q(service_id__in=ids)
    return allowed


def follows(user: User, case: Case) -> bool:
    """Primary professional or in the team (the team is read from a prefetch when there is one)."""
    if not user.is_authenticated:
        return False
    return case.primary_professional_id == user.pk or any(
        member.pk == user.pk for member in case.team.all()
    )


def can_write_record(user: User, case: Case) -> bool:
    """Sessions, the service section, consent, goals, the person: those who follow the case."""
    return works_on_cases(user) and follows(user, case)


def can_manage(user: User, case: Case) -> bool:
    """Suspend, reopen, transfer, close: the primary professional or a coordinator."""
    return (works_on_cases(user) and case.primary_professional_id == user.pk) or coordinates(
        user, case.service_id
    )


def can_assign(user: User, case: Case) -> bool:
    """Choose the primary professional and the team: coordinators only."""
    return coordinates(user, case.service_id)


def can_open_from(user: User, contact: Contact) -> bool:
    """Whoever holds or held the contact, or a coordinator of its service."""
    if not works_on_cases(user):
        return False
    return contact.taken_by_id == user.pk or coordinates(user, contact.service_id)


def can_serve(user: User, service: Service) -> bool:
    """A professional whose profile lists the service (who may be assigned to its cases)."""
    profile = getattr(user, "professional_profile", None)
    return (
        is_professional(user)
        and profile is not None
        and profile.services.filter(pk=service.pk).exists()
    )
