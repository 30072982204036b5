"""Reading the swaps: an operator's own requests and offers, what was recently decided, and what
waits for a coordinator or a colleague."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from sportello.accounts.models import User
from sportello.rota.models import SwapRequest, SwapStatus

PENDING = (SwapStatus.ASKED, SwapStatus.AGREED)


def _with_people(rows: QuerySet[SwapRequest]) -> QuerySet[SwapRequest]:
    return rows.select_related(
        "requester", "colleague", "shift_kind", "return_shift_kind", "decided_by"
    )


def swaps_asked_by(user: User) -> list[SwapRequest]:
    return list(_with_people(SwapRequest.objects.filter(requester=user, status__in=PENDING)))


def swaps_offered_to(user: User) -> list[SwapRequest]:
    return list(_with_people(SwapRequest.objects.filter(colleague=user, status__in=PENDING)))


def recent_outcomes_of(user: User, *, since: datetime.datetime) -> list[SwapRequest]:
    """Swaps of the user closed since ``since``: a refusal's reason must reach them."""
    return list(
        _with_people(
            SwapRequest.objects.filter(Q(requester=user) | Q(colleague=user))
            .exclude(status__in=PENDING)
            .filter(Q(decided_at__gte=since) | Q(answered_at__gte=since) | Q(asked_at__gte=since))
        )
    )


def swaps_awaiting_approval() -> list[SwapRequest]:
    return list(
        _with_people(SwapRequest.objects.filter(status=SwapStatus.AGREED)).order_by("day", "pk")
    )


def swaps_awaiting_colleague() -> list[SwapRequest]:
    return list(
        _with_people(SwapRequest.objects.filter(status=SwapStatus.ASKED)).order_by("day", "pk")
    )
