"""The staffing page: per half-hour of a week, the contacts expected, the operators they need and
the operators on the roster, with the gaps; below, the head counts proposed from demand."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from sportello.accounts.models import User
from sportello.rota import demand, policies, queries
from sportello.rota.demand_operations import apply_demand_requirements
from sportello.rota.forms import StaffingWeekForm
from sportello.rota.view_guards import acting_user, allowed_if, say_refused
from sportello.services.models import Service, Weekday

ONE_WEEK = datetime.timedelta(weeks=1)


def _address(monday: datetime.date, weeks: int, service: Service | None) -> str:
    query = {"settimana": monday.isoformat(), "settimane": weeks}
    if service is not None:
        query["servizio"] = service.code
    return f"{reverse('rota:staffing')}?{urlencode(query)}"


def _chart_data(week: demand.WeekStaffing) -> dict[str, Any]:
    """What staffing-chart.js draws, with its words already translated."""
    return {
        "text": {
            "required": _("Operatori necessari"),
            "rostered": _("Operatori in turno"),
            "demand": _("Contatti previsti (asse destro)"),
            "gap": _("Mezz'ora scoperta"),
            "operators": _("Operatori"),
            "contacts": _("Contatti"),
            "missing": _("Mancano"),
        },
        "days": [
            {
                "canvas": f"staffing-chart-{day.day.isoformat()}",
                "labels": [f"{half.start:%H:%M}" for half in day.half_hours],
                "required": [half.required for half in day.half_hours],
                "rostered": [half.rostered for half in day.half_hours],
                "demand": [
                    None if half.demand is None else round(half.demand, 2)
                    for half in day.half_hours
                ],
                "shortfall": [half.shortfall for half in day.half_hours],
            }
            for day in week.days
            if day.is_open
        ],
    }


def _weekday_rows(history: demand.DemandHistory) -> list[dict[str, Any]]:
    return [
        {"weekday": Weekday(weekday).label, "days": history.days_counted(weekday)}
        for weekday in sorted(history.weekly)
    ]


def _page(
    request: HttpRequest, form: StaffingWeekForm, status: int = 200, **context: Any
) -> HttpResponse:
    return render(request, "rota/staffing/page.html", {"form": form, **context}, status=status)


@allowed_if(policies.plans_roster)
@require_http_methods(["GET", "POST"])
def staffing(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if request.method == "POST":
        return _apply(request, user)
    today = queries.desk_today()
    # Bound with the defaults filled in, so the form shows the week and history it is showing.
    data = request.GET.copy()
    data.setdefault("settimana", queries.monday_of(today).isoformat())
    data.setdefault("settimane", str(demand.DEFAULT_WEEKS))
    form = StaffingWeekForm(data)
    if not form.is_valid():
        return _page(request, form, status=400)
    monday = form.week(today)
    weeks = form.weeks()
    service = form.cleaned_data.get("servizio")
    week = demand.week_staffing(monday, weeks=weeks, service=service, today=today)
    history = week.history
    trend = history.forecast.trend
    gaps = week.gaps
    return _page(
        request,
        form,
        week=week,
        history=history,
        trend=trend,
        target=history.target,
        service=service,
        weeks=weeks,
        monday=monday,
        sunday=monday + datetime.timedelta(days=6),
        previous_url=_address(monday - ONE_WEEK, weeks, service),
        this_week_url=_address(queries.monday_of(today), weeks, service),
        next_url=_address(monday + ONE_WEEK, weeks, service),
        is_this_week=monday == queries.monday_of(today),
        weekday_rows=_weekday_rows(history),
        gaps=gaps,
        gap_half_hours=len(gaps),
        recent_per_day=trend.recent_arrivals / trend.recent_open_days
        if trend.recent_open_days
        else 0,
        earlier_per_day=trend.earlier_arrivals / trend.earlier_open_days
        if trend.earlier_open_days
        else 0,
        current_rows=demand.head_counts(),
        chart_data=_chart_data(week),
        service_level_percent=history.target.service_level * 100,
        occupancy_percent=(history.target.max_occupancy or 0) * 100,
        shrinkage_percent=history.target.shrinkage * 100,
        trend_percent=(trend.applied - 1) * 100,
        removed=demand.replaced_minimums(week.proposal) if week.proposal else [],
    )


def _apply(request: HttpRequest, user: User) -> HttpResponse:
    """Recompute the proposal from the same history the page showed, and adopt it."""
    form = StaffingWeekForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("La richiesta non è valida: ricarica la pagina e riprova."))
        return redirect("rota:staffing")
    today = queries.desk_today()
    monday = form.week(today)
    weeks = form.weeks()
    history = demand.demand_history(weeks, until=min(monday, today))
    try:
        created = apply_demand_requirements(user, demand.propose_requirements(history))
    except ValidationError as error:
        say_refused(request, error)
    else:
        messages.success(
            request,
            ngettext(
                "Coperture aggiornate: %(count)d turno ha ora il minimo di operatori proposto "
                "dalla domanda.",
                "Coperture aggiornate: %(count)d turni hanno ora il minimo di operatori proposto "
                "dalla domanda.",
                len(created),
            )
            % {"count": len(created)},
        )
    return redirect(_address(monday, weeks, None))
