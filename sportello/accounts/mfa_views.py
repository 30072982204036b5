"""The second-factor pages: enrolment, verification, recovery codes."""

from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from sportello.accounts import mfa
from sportello.accounts.mfa_forms import AuthenticatorCodeForm, SecondFactorForm
from sportello.accounts.models import User

ATTEMPTS_GROUP = "second-factor-code"


def _safe_target(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def safe_next(request: HttpRequest) -> str:
    """Where to go once verified: the page asked for if it is on this site, else the home."""
    return _safe_target(request) or reverse("staff-home")


def _with_next(name: str, request: HttpRequest) -> str:
    """Another second-factor page, passing on where the user was going."""
    target = _safe_target(request)
    return reverse(name) + ("?" + urlencode({"next": target}) if target else "")


def _attempts_limited(request: HttpRequest) -> bool:
    """Every code sent counts, right or wrong, per user: guessing 6 digits takes long."""
    return is_ratelimited(
        request,
        group=ATTEMPTS_GROUP,
        key="user",
        rate=settings.SPORTELLO_MFA_RATE,
        increment=True,
    )


def _limited_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["form"].add_error(
        None,
        _(
            "Hai provato troppi codici in poco tempo: per sicurezza attendi qualche minuto "
            "prima di riprovare."
        ),
    )
    return render(request, template, context, status=429)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Activate the authenticator app: scan the QR code, type a code, keep the recovery codes."""
    user: User = request.user  # type: ignore[assignment]
    if mfa.has_authenticator(user):
        if user.is_verified():  # type: ignore[attr-defined]
            messages.info(request, _("Il secondo fattore è già attivo per il tuo account."))
            return redirect("mfa-recovery-codes")
        # A stolen password must not be enough to add an authenticator of one's own.
        return redirect(_with_next("mfa-verify", request))
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST":
        if _attempts_limited(request):
            return _limited_page(request, "accounts/mfa/enrol.html", _enrol_context(user, form))
        if form.is_valid():
            try:
                device, codes = mfa.confirm_enrolment(user, form.cleaned_data["code"])
            except ValidationError as error:
                form.add_error("code", error)
            else:
                request.session.cycle_key()
                django_otp.login(request, device)
                return _show_codes(request, codes, enrolled=True)
    return render(
        request,
        "accounts/mfa/enrol.html",
        _enrol_context(user, form),
        status=400 if form.errors else 200,
    )


def _enrol_context(user: User, form: AuthenticatorCodeForm) -> dict[str, Any]:
    enrolment = mfa.start_enrolment(user)
    qr_label = _("Codice QR per aggiungere Sportello all'app di autenticazione")
    return {
        "form": form,
        "secret": enrolment.secret,
        "qr_code": enrolment.qr_code_svg(qr_label),
        "qr_label": qr_label,
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Confirm this session with a code from the app or a recovery code."""
    user: User = request.user  # type: ignore[assignment]
    if not mfa.has_authenticator(user):
        return redirect(_with_next("mfa-enrol", request))
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(safe_next(request))
    form = SecondFactorForm(request.POST or None)
    context = {"form": form, "next": safe_next(request)}
    if request.method == "POST":
        if _attempts_limited(request):
            return _limited_page(request, "accounts/mfa/verify.html", context)
        if form.is_valid():
            try:
                verification = mfa.verify(user, form.cleaned_data["code"])
            except ValidationError as error:
                form.add_error("code", error)
            else:
                request.session.cycle_key()
                django_otp.login(request, verification.device)
                if verification.used_recovery_code:
                    _warn_recovery_code_used(request, verification.recovery_codes_left)
                return redirect(safe_next(request))
    return render(request, "accounts/mfa/verify.html", context, status=400 if form.errors else 200)


def _warn_recovery_code_used(request: HttpRequest, left: int) -> None:
    messages.warning(
        request,
        ngettext(
            "Hai usato un codice di recupero: ne resta %(left)d. Se hai perso il telefono, "
            "chiedi al coordinatore di azzerare il secondo fattore.",
            "Hai usato un codice di recupero: ne restano %(left)d. Se hai perso il telefono, "
            "chiedi al coordinatore di azzerare il secondo fattore.",
            left,
        )
        % {"left": left},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes remain; a POST replaces them with ten new ones."""
    user: User = request.user  # type: ignore[assignment]
    if not mfa.has_authenticator(user):
        return redirect("mfa-enrol")
    if not user.is_verified():  # type: ignore[attr-defined]
        return redirect(_with_next("mfa-verify", request))
    if request.method == "POST":
        return _show_codes(request, mfa.regenerate_recovery_codes(user), enrolled=False)
    return render(
        request, "accounts/mfa/recovery_codes.html", {"left": mfa.recovery_codes_left(user)}
    )


def _show_codes(request: HttpRequest, codes: list[str], *, enrolled: bool) -> HttpResponse:
    """The only time the codes are shown: the answer to the POST that made them."""
    return render(
        request,
        "accounts/mfa/new_codes.html",
        {
            "codes": [mfa.display_code(code) for code in codes],
            "enrolled": enrolled,
            "continue_url": safe_next(request),
        },
    )
