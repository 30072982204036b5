"""Pages of the dated roster: the week, the absences and the search for substitutes.

Everyone who needs to know who is on shift reads the week; only coordinators see why someone
is absent (an absence's kind can be a health fact) and change anything. What the pages show is
read in ``roster_queries``."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.rota import absence_operations as operations
from sportello.rota import policies, queries, roster_queries, solving
from sportello.rota.models import Absence, SolveKind, SolverRun, SolveState
from sportello.rota.roster_forms import AbsenceForm, ShiftChangeForm
from sportello.rota.view_guards import acting_user, allowed_if, say_refused
from sportello.rota.wording import person_name

ONE_WEEK = datetime.timedelta(days=7)
COVER_REFRESH_SECONDS = 2
FARTHEST_WEEK_DAYS = 100 * 366


def _week_url(day: datetime.date) -> str:
    return f"{reverse('rota:roster')}?settimana={queries.monday_of(day).isoformat()}"


def _week_of(request: HttpRequest, today: datetime.date) -> datetime.date:
    """The Monday of the week asked for; this week for a date that is not one, or that lies
    beyond any roster (the first and last weeks of the calendar have no neighbours to link)."""
    try:
        wanted = datetime.date.fromisoformat(request.GET.get("settimana", ""))
    except ValueError:
        wanted = today
    if abs((wanted - today).days) > FARTHEST_WEEK_DAYS:
        wanted = today
    return queries.monday_of(wanted)


@allowed_if(policies.sees_who_is_on_shift)
@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    today = queries.desk_today()
    monday = _week_of(request, today)
    sunday = monday + datetime.timedelta(days=6)
    planner = policies.plans_roster(acting_user(request))
    columns, rows = roster_queries.week_rows(monday, for_planner=planner)
    return render(
        request,
        "rota/roster/week.html",
        {
            "monday": monday,
            "sunday": sunday,
            "previous": monday - ONE_WEEK,
            "next": monday + ONE_WEEK,
            "this_week": queries.monday_of(today),
            "columns": columns,
            "rows": rows,
            "planner": planner,
            "plan": queries.plan_in_force(sunday),
        },
    )


@allowed_if(policies.plans_roster)
@require_POST
def shift_change(request: HttpRequest) -> HttpResponse:
    form = ShiftChangeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("rota:roster")
    data = form.cleaned_data
    try:
        operations.change_shift(
            acting_user(request),
            user=data["user"],
            day=data["day"],
            shift_kind=data["shift_kind"],
            on_shift=data["on_shift"],
        )
    except ValidationError as error:
        say_refused(request, error)
    else:
        names = {
            "name": person_name(data["user"]),
            "shift": data["shift_kind"].name,
            "day": f"{data['day']:%d/%m/%Y}",
        }
        messages.success(
            request,
            (
                _("%(name)s aggiunto al turno «%(shift)s» del %(day)s.")
                if data["on_shift"]
                else _("%(name)s tolto dal turno «%(shift)s» del %(day)s.")
            )
            % names,
        )
    return redirect(_week_url(data["day"]))


# Absences -----------------------------------------------------------------------------------


def _absences_page(request: HttpRequest, form: AbsenceForm, status: int = 200) -> HttpResponse:
    recorded = None
    recorded_pk = request.GET.get("registrata", "")
    if recorded_pk.isdigit():
        recorded = (
            Absence.objects.filter(pk=int(recorded_pk), cancelled_at__isnull=True)
            .select_related("user")
            .first()
        )
    period = roster_queries.cover_period(recorded) if recorded else None
    return render(
        request,
        "rota/roster/absences.html",
        {
            "form": form,
            "absences": roster_queries.coming_absences(queries.desk_today()),
            "recorded": recorded,
            "period": period,
            "unmet": roster_queries.unmet_during(*period) if period else [],
        },
        status=status,
    )


@allowed_if(policies.plans_roster)
@require_http_methods(["GET", "POST"])
def absences(request: HttpRequest) -> HttpResponse:
    form = AbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            absence = operations.record_absence(
                acting_user(request),
                user=data["user"],
                kind=data["kind"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                note=data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Assenza di %(name)s registrata dal %(first)s al %(last)s.")
                % {
                    "name": person_name(absence.user),
                    "first": f"{absence.first_day:%d/%m/%Y}",
                    "last": f"{absence.last_day:%d/%m/%Y}",
                },
            )
            return redirect(f"{reverse('rota:absences')}?registrata={absence.pk}")
    return _absences_page(request, form, status=400 if form.errors else 200)


def _absence(pk: int) -> Absence:
    return get_object_or_404(Absence.objects.select_related("user"), pk=pk)


@allowed_if(policies.plans_roster)
@require_POST
def absence_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    absence = _absence(pk)
    try:
        operations.cancel_absence(acting_user(request), absence)
    except ValidationError as error:
        say_refused(request, error)
    else:
        messages.success(
            request, _("Assenza di %(name)s annullata.") % {"name": person_name(absence.user)}
        )
    return redirect("rota:absences")


@allowed_if(policies.plans_roster)
@require_POST
def absence_cover(request: HttpRequest, pk: int) -> HttpResponse:
    absence = _absence(pk)
    period = roster_queries.cover_period(absence) if absence.cancelled_at is None else None
    if period is None:
        messages.error(request, _("Questa assenza non ha più giorni da coprire."))
        return redirect("rota:absences")
    plan = queries.plan_in_force(period[0])
    if plan is None:
        messages.error(request, _("Non c'è un piano turni pubblicato in vigore in quei giorni."))
        return redirect("rota:absences")
    try:
        run = solving.request_cover(
            acting_user(request), plan, first_day=period[0], last_day=period[1]
        )
    except ValidationError as error:
        say_refused(request, error)
        return redirect("rota:absences")
    return redirect("rota:cover", pk=run.pk)


# Cover runs ---------------------------------------------------------------------------------


def _cover_run(pk: int) -> SolverRun:
    return get_object_or_404(SolverRun.objects.select_related("plan"), pk=pk, kind=SolveKind.COVER)


@allowed_if(policies.plans_roster)
@require_GET
def cover(request: HttpRequest, pk: int) -> HttpResponse:
    run = _cover_run(pk)
    finished = run.state in (SolveState.DONE, SolveState.FAILED)
    state = roster_queries.cover_state(run)
    language = (request.LANGUAGE_CODE or "it")[:2]  # type: ignore[attr-defined]
    context = {
        "run": run,
        "finished": finished,
        "refresh_seconds": COVER_REFRESH_SECONDS,
        "lines": roster_queries.proposal_lines(run, state.changes)
        if finished and state.changes
        else [],
        "change_count": len(state.changes),
        "proposed": state.proposed,
        "applied": state.applied,
        "rejected": state.rejected,
        "solved": run.state == SolveState.DONE and run.outcome in solving.SOLVED_OUTCOMES,
        "shortfalls": [
            row.get("text", {}).get(language) or row.get("text", {}).get("it", "")
            for row in run.shortfalls
        ],
    }
    template = "rota/roster/_cover_live.html" if request.htmx else "rota/roster/cover.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@allowed_if(policies.plans_roster)
@require_POST
def cover_apply(request: HttpRequest, pk: int) -> HttpResponse:
    run = _cover_run(pk)
    try:
        count = operations.apply_cover(acting_user(request), run)
    except ValidationError as error:
        say_refused(request, error)
        return redirect("rota:cover", pk=run.pk)
    messages.success(
        request,
        ngettext(
            "%(count)d cambiamento applicato al piano turni.",
            "%(count)d cambiamenti applicati al piano turni.",
            count,
        )
        % {"count": count},
    )
    assert run.first_day is not None
    return redirect(_week_url(run.first_day))


@allowed_if(policies.plans_roster)
@require_POST
def cover_reject(request: HttpRequest, pk: int) -> HttpResponse:
    run = _cover_run(pk)
    try:
        operations.reject_cover(acting_user(request), run)
    except ValidationError as error:
        say_refused(request, error)
        return redirect("rota:cover", pk=run.pk)
    messages.success(request, _("Sostituzioni proposte scartate."))
    return redirect("rota:absences")
