"""The DPO's page: the access log, read-only, metadata only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sportello.accounts.models import User
from sportello.privacy import policies, queries
from sportello.privacy.forms import AccessLogFilterForm


@never_cache
@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    # Staff who may not read it are not told that the page exists.
    if not policies.can_read_access_log(user):
        raise Http404
    form = AccessLogFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "privacy/access_log.html", {"form": form, "page": None}, status=400)
    page = queries.access_log_page(user, form.wanted(), request.GET.get("page"))
    # The page links keep the filters.
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(
        request,
        "privacy/access_log.html",
        {"form": form, "page": page, "filters": kept.urlencode()},
    )
