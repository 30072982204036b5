"""Writing the access log and the audit log: each call appends one chained row inside the caller's
transaction, so a read that fails leaves no trace and a trace never goes missing for a read
that succeeded."""

import ipaddress

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.privacy.chained_logs import append
from sportello.privacy.models import AccessAction, AccessLog, AuditEvent
from sportello.services import queries as catalogue


def _staff(user: User | AnonymousUser | None) -> User | None:
    return user if user is not None and user.is_authenticated else None  # type: ignore[return-value]


def _ip_address(request: HttpRequest) -> str | None:
    # REMOTE_ADDR is the proxy's address unless the proxy rewrites it; never a forgeable header.
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def record_access(
    request: HttpRequest | None,
    user: User | AnonymousUser | None,
    *,
    object_type: str,
    object_id: object,
    case_id: int | None = None,
    purpose: str = "",
    action: str = AccessAction.READ,
    break_glass: bool = False,
) -> AccessLog:
    """Write down one read of health data (or one refused read: action "denied").

    A break-glass access, outside the usual role and assignment, must say why."""
    if action not in AccessAction.values:
        raise ValueError(f"unknown access action: {action!r}")
    break_glass = break_glass or action == AccessAction.BREAK_GLASS
    if break_glass and not purpose.strip():
        raise ValidationError(_("Per un accesso in emergenza scrivi il motivo."))
    staff = _staff(user)
    return append(
        AccessLog,
        at=catalogue.now(),
        user=staff,
        username=staff.get_username() if staff else "",
        roles=",".join(sorted(role.value for role in staff.roles)) if staff else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        case_id=case_id,
        purpose=purpose.strip(),
        break_glass=break_glass,
        ip_address=_ip_address(request) if request is not None else None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200] if request is not None else "",
        # The path without its query string: a search may carry a name or a number.
        path=request.path[:300] if request is not None else "",
    )


def record_audit(
    actor: User | AnonymousUser | None,
    *,
    object_type: str,
    object_id: object,
    action: str,
    case_id: int | None = None,
    contact_id: int | None = None,
    actor_label: str = "",
    **detail: object,
) -> AuditEvent:
    """Write down one change to health data; ``detail`` is metadata (statuses, codes, counts),
    never clinical text, which lives encrypted in its own record."""
    staff = _staff(actor)
    return append(
        AuditEvent,
        at=catalogue.now(),
        actor=staff,
        actor_label=actor_label or (staff.get_username() if staff else ""),
        object_type=object_type,
        object_id=str(object_id),
        case_id=case_id,
        contact_id=contact_id,
        action=action,
        detail=detail,
    )
