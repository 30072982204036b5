from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest

from sportello.alerts import policies, queries


def alerts(request: HttpRequest) -> dict[str, Any]:
    """The staff header's badge (alerts_badge) and how many alerts wait for the signed-in person.

    A callable, counted only when a template shows it: the queue's partial refreshes every
    few seconds and never does."""
    user = getattr(request, "user", None)
    if user is None or not policies.can_receive_alerts(user):  # type: ignore[arg-type]
        return {}
    count: Callable[[], int] = cache(lambda: queries.count_unacknowledged(user))  # type: ignore[arg-type]
    return {"alerts_badge": True, "unacknowledged_alerts": count}
