"""What every roster page does before its own work: the policy check (the staff-wide
``allowed_if``), and how refusals reach the person who asked."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from sportello.accounts.models import User
from sportello.accounts.view_guards import View, allowed_if

__all__ = ["View", "acting_user", "allowed_if", "say_refused"]


def acting_user(request: HttpRequest) -> User:
    """The signed-in user (``allowed_if`` has made sure there is one)."""
    return request.user  # type: ignore[return-value]


def say_refused(request: HttpRequest, error: ValidationError) -> None:
    """An operation's refusal, every reason of it, as messages on the next page."""
    for message in error.messages:
        messages.error(request, message)
