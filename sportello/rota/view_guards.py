"""What every roster page does before its own work: the policy check, and how refusals reach
the person who asked."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from sportello.accounts.models import User

View = Callable[..., HttpResponse]


def allowed_if(policy: Callable[[User], bool]) -> Callable[[View], View]:
    """Signed-in staff whose role the policy accepts; anyone else gets 403, and visitors who
    are not signed in are sent to sign in. Nothing of the roster is kept in a cache."""

    def decorate(view: View) -> View:
        @never_cache
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not policy(request.user):  # type: ignore[arg-type]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def acting_user(request: HttpRequest) -> User:
    """The signed-in user (``allowed_if`` has made sure there is one)."""
    return request.user  # type: ignore[return-value]


def say_refused(request: HttpRequest, error: ValidationError) -> None:
    """An operation's refusal, every reason of it, as messages on the next page."""
    for message in error.messages:
        messages.error(request, message)
