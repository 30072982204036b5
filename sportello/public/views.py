from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sportello.public import operations, queries
from sportello.public.forms import PageFeedbackForm
from sportello.public.models import LegalPage
from sportello.services import queries as catalogue
from sportello.services import status_text
from sportello.services.models import Organisation


def _status_context() -> dict[str, object]:
    return status_text.page_context(catalogue.desk_status())


@require_GET
def service_page(request: HttpRequest) -> HttpResponse:
    services = catalogue.active_services()
    context = _status_context()
    organisation: Organisation = context["status"].organisation  # type: ignore[attr-defined]
    return render(
        request,
        "public/service_page.html",
        {
            **context,
            "service": services[0] if services else None,
            "other_services": services[1:],
            "target_groups": catalogue.target_groups(),
            "programmes": catalogue.running_programmes(),
            "hours": catalogue.weekly_hours_summary(organisation),
            "patron_day": _patron_day_label(organisation),
            "feedback_form": PageFeedbackForm(initial={"page": request.path}),
        },
    )


def _patron_day_label(organisation: Organisation) -> str | None:
    day = catalogue.patron_day(organisation)
    return status_text.day_and_month(day) if day else None


@require_GET
def desk_status_banner(request: HttpRequest) -> HttpResponse:
    """The live banner alone, polled by htmx so an open page follows opening and closing."""
    return render(request, "public/_status_banner.html", _status_context())


@require_GET
def legal_page(request: HttpRequest, slug: str) -> HttpResponse:
    page = queries.legal_page(slug)
    return render(
        request,
        "public/legal_page.html",
        {"page": page, "feedback_form": PageFeedbackForm(initial={"page": request.path})},
    )


def privacy(request: HttpRequest) -> HttpResponse:
    return legal_page(request, LegalPage.Slug.PRIVACY)


def accessibility(request: HttpRequest) -> HttpResponse:
    return legal_page(request, LegalPage.Slug.ACCESSIBILITY)


def legal_notes(request: HttpRequest) -> HttpResponse:
    return legal_page(request, LegalPage.Slug.LEGAL_NOTES)


@require_POST
def page_feedback(request: HttpRequest) -> HttpResponse:
    form = PageFeedbackForm(request.POST)
    if form.is_valid():
        operations.record_page_feedback(form, get_language() or "it")
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "public/_feedback_thanks.html")
        messages.success(request, _("Grazie, il tuo parere ci aiuta a migliorare il servizio."))
        return redirect(_back_to(request, form.cleaned_data["page"]) + "#feedback")
    template = "public/_feedback.html" if request.htmx else "public/feedback_error.html"  # type: ignore[attr-defined]
    return render(request, template, {"feedback_form": form}, status=400)


def _back_to(request: HttpRequest, page: str) -> str:
    if url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()}):
        return page
    return "/"
