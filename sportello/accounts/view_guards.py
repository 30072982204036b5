"""What every staff page does before its own work: sign-in, the policy check, no caching."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from sportello.accounts.models import User

View = Callable[..., HttpResponse]


def allowed_if(
    policy: Callable[[User], bool], *, refused: type[Exception] = PermissionDenied
) -> Callable[[View], View]:
    """Signed-in staff whose role the policy accepts; anyone else gets ``refused`` (403, or 404
    where staff who may not use a page should not learn that it exists), and visitors who are
    not signed in are sent to sign in. Staff pages are never kept in a cache."""

    def decorate(view: View) -> View:
        @never_cache
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not policy(request.user):  # type: ignore[arg-type]
                raise refused
            return view(request, *args, **kwargs)

        return guarded

    return decorate
