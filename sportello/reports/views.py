"""The statistics dashboard for coordinators and management, and its tables as CSV and XLSX.

Nothing here reads a contact or a case: only the rollups, through disclosure control."""

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sportello.reports import exports, policies, tasks
from sportello.reports.charts import figure_view
from sportello.reports.forms import SCOPE_FIELDS, ScopeForm, desk_today
from sportello.reports.models import RollupState
from sportello.reports.queries import TABLE_KEYS
from sportello.services import queries as catalogue

View = Callable[..., HttpResponse]

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def statistics_pages(view: View) -> View:
    """Signed-in coordinators and management; for other staff the pages do not exist."""

    @login_required
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not policies.can_see_statistics(request.user):  # type: ignore[arg-type]
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


def _scope_form(request: HttpRequest) -> ScopeForm:
    return ScopeForm(request.GET, today=desk_today())


def _refreshed_text() -> str:
    """When the rollups were last refreshed and how far they reach, in the desk's time zone."""
    state = RollupState.objects.filter(name="daily").first()
    if state is None or state.last_run_at is None:
        return _(
            "I riepiloghi non sono ancora stati calcolati: le tabelle restano vuote fino al primo "
            "aggiornamento."
        )
    zone = catalogue.desk_zone()

    def moment(at: datetime.datetime) -> str:
        local = at.astimezone(zone)
        return _("%(day)s alle %(time)s") % {
            "day": exports.day_text(local.date()),
            "time": f"{local:%H:%M}",
        }

    text = _("Ultimo aggiornamento dei riepiloghi: %(when)s.") % {"when": moment(state.last_run_at)}
    if state.refreshed_through is not None:
        text += " " + _("Comprendono i dati registrati fino a %(when)s.") % {
            "when": moment(state.refreshed_through)
        }
    return text


def _dashboard(request: HttpRequest, form: ScopeForm) -> HttpResponse:
    """The page, or under htmx the figures' area alone; with a bad scope, the reasons and no
    figures at all (400)."""
    valid = form.is_valid()
    context: dict[str, Any] = {
        "form": form,
        "figures": None,
        "marks_note": exports.marks_note(settings.SPORTELLO_DISCLOSURE_THRESHOLD),
        "invalid_fields": " ".join(name for name in form.errors if name in SCOPE_FIELDS),
        "refreshed": _refreshed_text(),
        "may_refresh": policies.can_refresh_statistics(request.user),  # type: ignore[arg-type]
    }
    if valid:
        scope = form.scope()
        context["figures"] = [figure_view(found) for found in exports.published_figures(scope)]
        context["query"] = form.query_string()
        context["scope_text"] = exports.scope_description(scope)
    template = "reports/_dashboard_figures.html" if request.htmx else "reports/dashboard.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=200 if valid else 400)


@statistics_pages
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, _scope_form(request))


@statistics_pages
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    """Bring the rollups up to date now, instead of waiting for the periodic task: the work runs
    in the background (it may take minutes), the coordinator comes straight back."""
    if not policies.can_refresh_statistics(request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    transaction.on_commit(tasks.refresh_rollups.delay)
    messages.info(
        request,
        _(
            "Aggiornamento avviato: le statistiche saranno aggiornate tra qualche minuto, "
            "ricarica la pagina per vederle."
        ),
    )
    # Back to the same scope; only the scope's own fields travel, the address stays ours.
    kept = QueryDict(mutable=True)
    kept.update({name: request.POST[name] for name in SCOPE_FIELDS if request.POST.get(name)})
    form = ScopeForm(kept, today=desk_today())
    target = reverse("reports:dashboard")
    if kept and form.is_valid():
        target += "?" + form.query_string()
    return redirect(target)


def _export(request: HttpRequest, key: str, extension: str) -> HttpResponse:
    if key not in TABLE_KEYS:
        raise Http404
    form = _scope_form(request)
    if not form.is_valid():
        return _dashboard(request, form)
    scope = form.scope()
    published = exports.published_figure(scope, key)
    write = exports.figure_csv if extension == "csv" else exports.figure_xlsx
    response = HttpResponse(write(published, scope), content_type=CONTENT_TYPES[extension])
    name = exports.file_name(published, scope, extension)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@statistics_pages
@require_GET
def export_csv(request: HttpRequest, key: str) -> HttpResponse:
    return _export(request, key, "csv")


@statistics_pages
@require_GET
def export_xlsx(request: HttpRequest, key: str) -> HttpResponse:
    return _export(request, key, "xlsx")
