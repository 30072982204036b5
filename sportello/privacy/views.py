"""The DPO's console: the home, the access log (read-only, metadata only) with its filters, the
check of the hash chains and the CSV export."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sportello.accounts.models import User
from sportello.accounts.view_guards import View
from sportello.accounts.view_guards import allowed_if as staff_allowed_if
from sportello.privacy import (
    access_log_export,
    chain_checks,
    policies,
    queries,
    subject_request_queries,
)
from sportello.privacy.forms import AccessLogFilterForm
from sportello.privacy.models import RetentionRun


def allowed_if(policy: Callable[[User], bool]) -> Callable[[View], View]:
    """Staff who may not use a privacy page are not told that it exists (404)."""
    return staff_allowed_if(policy, refused=Http404)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@allowed_if(policies.is_data_protection_officer)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    requests = subject_request_queries.open_requests(_user(request))
    return render(
        request,
        "privacy/home.html",
        {
            "chain_check": chain_checks.last_chain_check(),
            "open_requests": len(requests),
            "overdue_requests": sum(row.overdue for row in requests),
            "last_retention_run": RetentionRun.objects.select_related("started_by").first(),
        },
    )


@allowed_if(policies.can_read_access_log)
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = AccessLogFilterForm(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "page": None,
        "chain_check": chain_checks.last_chain_check(),
        "may_verify": policies.is_data_protection_officer(user),
        "may_export": access_log_export.can_export(user),
    }
    if not form.is_valid():
        return render(request, "privacy/access_log.html", context, status=400)
    # The page links and the export keep the filters.
    kept = request.GET.copy()
    kept.pop("page", None)
    context["page"] = queries.access_log_page(user, form.wanted(), request.GET.get("page"))
    context["filters"] = kept.urlencode()
    return render(request, "privacy/access_log.html", context)


@allowed_if(policies.is_data_protection_officer)
@require_POST
def verify_chains(request: HttpRequest) -> HttpResponse:
    check = chain_checks.verify_chains(_user(request))
    if check.ok:
        messages.success(request, _("Verifica completata: le catene sono integre."))
    else:
        messages.error(request, _("Verifica completata: una catena è interrotta."))
    return redirect("privacy:access-log")


@allowed_if(access_log_export.can_export)
@require_GET
def access_log_csv(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET)
    if not form.is_valid():
        # Back to the page, which shows why the filters are refused; nothing is exported.
        return redirect(f"{reverse('privacy:access-log')}?{request.GET.urlencode()}")
    wanted = form.wanted()
    export = access_log_export.record_export(request, _user(request), wanted)
    response = StreamingHttpResponse(
        access_log_export.csv_lines(wanted, export), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{access_log_export.filename(export)}"'
    return response
