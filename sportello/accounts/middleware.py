"""Guards of the staff area: the second factor before any staff page, no copies in caches."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from sportello.accounts import mfa

# Pages a user who still owes the second factor may open: signing in and out, and the second
# factor's own pages.
OPEN_WITHOUT_SECOND_FACTOR = {
    "staff-login",
    "staff-logout",
    "admin:logout",
    "mfa-enrol",
    "mfa-verify",
}


def staff_area_prefixes() -> tuple[str, ...]:
    """The staff area in every language (Italian unprefixed), and the admin."""
    languages = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    return ("/personale/", *(f"/{code}/personale/" for code in languages), "/admin/")


def in_staff_area(request: HttpRequest) -> bool:
    return request.path_info.startswith(staff_area_prefixes())


class SecondFactorRequired:
    """Staff who must use a second factor see no staff page before they have given it in this
    session: without an authenticator they are sent to activate one, otherwise to verify.

    Placed after django-otp's OTPMiddleware, which tells whether the session is verified.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not in_staff_area(request) or _open_without_second_factor(request):
            return None
        user = request.user
        if not mfa.must_use_second_factor(user) or user.is_verified():  # type: ignore[union-attr]
            return None
        name = "mfa-verify" if mfa.has_authenticator(user) else "mfa-enrol"  # type: ignore[arg-type]
        target = reverse(name)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            # A fragment polled by htmx would otherwise swap the whole page into itself.
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)


def _open_without_second_factor(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and match.view_name in OPEN_WITHOUT_SECOND_FACTOR


class NoStoreForStaffPages:
    """Every staff page shows personal data: no browser, proxy or back button keeps a copy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A calendar feed carries only its owner's shift times and must be cacheable by the
        # calendar app that polls it; its view marks it so.
        if in_staff_area(request) and not getattr(response, "private_cache_allowed", False):
            add_never_cache_headers(response)
            response.headers["Pragma"] = "no-cache"
        return response


# Sent by elements that refresh themselves (htmx polling): such a request is the page, not the
# person, so it must not keep an unattended session alive.
AUTOMATIC_REFRESH_HEADER = "X-Sportello-Refresh"


class IdleSessionExpiry:
    """A signed-in session lasts SESSION_COOKIE_AGE after the person's last request.

    Replaces SESSION_SAVE_EVERY_REQUEST, which would count the queue's refresh every few
    seconds as activity (and write the session each time)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if (
            session is not None
            and user is not None
            and user.is_authenticated
            and AUTOMATIC_REFRESH_HEADER not in request.headers
        ):
            session.modified = True
        return response
