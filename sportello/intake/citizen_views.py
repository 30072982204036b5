"""The public request pages: the two forms and the page a sent request lands on."""

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from sportello.field_encryption import lookup_hash
from sportello.intake import operations, queries
from sportello.intake.citizen_forms import CallbackRequestForm, CitizenRequestForm, VideoRequestForm
from sportello.intake.models import Channel
from sportello.services import queries as catalogue

ADDRESS_GROUP = "citizen-request"
RECIPIENT_GROUP = "citizen-request-recipient"
SENT_SALT = "sportello.intake.citizen.sent"
# The confirmation page names the request for a day: on a shared device it should not linger.
SENT_MAX_AGE = 24 * 60 * 60  # seconds


@never_cache
@require_http_methods(["GET", "POST"])
def callback_request(request: HttpRequest) -> HttpResponse:
    return _request_page(request, CallbackRequestForm, "intake/citizen/callback_form.html")


@never_cache
@require_http_methods(["GET", "POST"])
def video_request(request: HttpRequest) -> HttpResponse:
    return _request_page(request, VideoRequestForm, "intake/citizen/video_form.html")


def _request_page(
    request: HttpRequest, form_class: type[CitizenRequestForm], template: str
) -> HttpResponse:
    at = catalogue.now()
    if request.method != "POST":
        return _render_form(request, template, form_class(at=at))
    if _address_limited(request):
        return render(request, "intake/citizen/limited.html", status=429)
    form = form_class(request.POST, at=at)
    if form.honeypot_filled:
        # A robot: no detail about what gave it away, and nothing of what it sent kept.
        return _render_form(request, template, form_class(at=at), refused=True, status=400)
    if not form.is_valid():
        return _render_form(request, template, form, status=400)
    if _recipient_limited(request, form):
        return render(request, "intake/citizen/limited.html", status=429)
    registration = operations.register_contact(
        form.contact_request(received_at=at, language=get_language() or "it")
    )
    token = signing.dumps(registration.contact.reference, salt=SENT_SALT)
    return redirect("citizen:sent", token=token)


def _render_form(
    request: HttpRequest,
    template: str,
    form: CitizenRequestForm,
    *,
    refused: bool = False,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        template,
        {"form": form, "started_token": form.start_token_for_page(), "refused": refused},
        status=status,
    )


def _address_limited(request: HttpRequest) -> bool:
    """Every request sent from one address counts, valid or not."""
    return is_ratelimited(
        request,
        group=ADDRESS_GROUP,
        key="ip",
        rate=settings.SPORTELLO_FORM_RATE_PER_ADDRESS,
        increment=True,
    )


def _recipient_limited(request: HttpRequest, form: CitizenRequestForm) -> bool:
    """Valid requests for one number (or e-mail) count, whatever address sends them: nobody
    gets flooded with calls they did not ask for."""
    limited = False
    for value, purpose in form.recipients():
        hashed = lookup_hash(value, purpose)
        limited |= is_ratelimited(
            request,
            group=RECIPIENT_GROUP,
            key=lambda _group, _request, hashed=hashed: hashed,
            rate=settings.SPORTELLO_FORM_RATE_PER_NUMBER,
            increment=True,
        )
    return limited


@never_cache
@require_GET
def request_sent(request: HttpRequest, token: str) -> HttpResponse:
    try:
        reference = signing.loads(token, salt=SENT_SALT, max_age=SENT_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    channel = queries.channel_of(reference)
    if channel is None:
        raise Http404
    return render(
        request,
        "intake/citizen/sent.html",
        {
            "reference": reference,
            "is_video": channel == Channel.WEB_VIDEO,
            "max_attempts": settings.SPORTELLO_MAX_CALLBACK_ATTEMPTS,
            "callback_caller_id": settings.SPORTELLO_CALLBACK_CALLER_ID,
        },
    )
