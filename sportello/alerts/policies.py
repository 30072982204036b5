"""Who may do what with alerts: staff receive them; only the recipient acknowledges one."""

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.alerts.models import Alert


def can_receive_alerts(user: User) -> bool:
    """Any member of staff with a role has an alerts page (empty for most of them)."""
    return user.is_authenticated and any(user.has_role(role) for role in Role)


def can_acknowledge(user: User, alert: Alert) -> bool:
    """An acknowledgement says "I have seen it and I am on it": nobody says it for someone else."""
    return can_receive_alerts(user) and alert.recipient_id == user.pk
