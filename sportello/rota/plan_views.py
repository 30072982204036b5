"""The coordinator's planning pages: the plans and a new proposal, one plan's run, its grid
beside the plan in force, hand edits, publishing and discarding. Each view parses, calls one
operation or read (``plan_queries``), and renders."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from sportello.accounts.models import User
from sportello.rota import plan_operations, plan_queries, policies, queries, solving
from sportello.rota.models import PatternAssignment, PlanStatus, RosterPlan
from sportello.rota.plan_forms import CellForm, DiscardForm, GenerateForm, PublishForm
from sportello.rota.view_guards import acting_user, allowed_if
from sportello.services import queries as catalogue
from sportello.services.models import Weekday


@allowed_if(policies.plans_roster)
@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest) -> HttpResponse:
    today = queries.desk_today()
    form = GenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = solving.request_pattern(
                acting_user(request),
                weeks=form.cleaned_data["weeks"],
                time_limit_s=form.cleaned_data["time_limit_s"],
                based_on=queries.plan_in_force(today)
                if form.cleaned_data["from_current"]
                else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("rota:plan", pk=run.plan_id)
    return render(
        request,
        "rota/plans/plans.html",
        {
            **plan_queries.plans_overview(today),
            "form": form,
            "admin_requirements": reverse("admin:rota_coveragerequirement_changelist"),
            "admin_contracts": reverse("admin:rota_contract_changelist"),
        },
        status=400 if form.errors else 200,
    )


def _plan_page(
    request: HttpRequest,
    plan: RosterPlan,
    *,
    publish_form: PublishForm | None = None,
    discard_form: DiscardForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = queries.desk_today()
    report = plan_queries.run_report(plan, catalogue.now())
    return render(
        request,
        "rota/plans/plan.html",
        {
            "plan": plan,
            "report": report,
            "grid": None if report.active else plan_queries.plan_grid(plan, today),
            "editable": plan.status == PlanStatus.DRAFT and not report.active,
            "publish_form": publish_form
            or PublishForm(initial={"valid_from": queries.next_monday(today)}),
            "discard_form": discard_form or DiscardForm(),
        },
        status=status,
    )


@allowed_if(policies.plans_roster)
@require_http_methods(["GET"])
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(RosterPlan, pk=pk)
    if request.htmx:  # type: ignore[attr-defined]
        report = plan_queries.run_report(found, catalogue.now())
        if not report.active:
            # The run has finished: the whole page changes (outcome, grid, forms).
            return HttpResponseClientRefresh()
        return render(request, "rota/plans/_run_progress.html", {"plan": found, "report": report})
    return _plan_page(request, found)


def _grid_fragment(
    request: HttpRequest,
    found: RosterPlan,
    *,
    refusal: list[str] | None = None,
    saved: bool = False,
) -> HttpResponse:
    return render(
        request,
        "rota/plans/_grid.html",
        {
            "plan": found,
            "grid": plan_queries.plan_grid(found, queries.desk_today()),
            "editable": found.status == PlanStatus.DRAFT,
            "refusal": refusal or [],
            "saved": saved,
        },
    )


@allowed_if(policies.plans_roster)
@require_http_methods(["GET", "POST"])
def plan_cell(request: HttpRequest, pk: int, user_pk: int, week: int, weekday: int) -> HttpResponse:
    """One operator's day of the pattern: a select among the shifts held that weekday."""
    found = get_object_or_404(RosterPlan, pk=pk)
    operator = get_object_or_404(User, pk=user_pk)
    kinds = [kind for kind in queries.active_shift_kinds() if weekday in kind.weekdays]
    current = PatternAssignment.objects.filter(
        plan=found, user=operator, week=week, weekday=weekday
    ).first()
    form = CellForm(
        request.POST or None,
        kinds=kinds,
        initial={"shift": current.shift_kind.code if current else ""},
        # Several cells' forms can be open on one page: each its own ids.
        auto_id=f"cell-{operator.pk}-{week}-{weekday}-%s",
    )
    refusal: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            plan_operations.edit_assignment(
                acting_user(request),
                found,
                user=operator,
                week=week,
                weekday=weekday,
                shift_kind=form.shift_kind(),
            )
        except ValidationError as error:
            refusal = error.messages
        else:
            if request.htmx:  # type: ignore[attr-defined]
                return _grid_fragment(request, found, saved=True)
            messages.success(request, _("Modifica salvata."))
            return redirect(reverse("rota:plan", args=[found.pk]) + "#plan-grid")
        if request.htmx:  # type: ignore[attr-defined]
            return _grid_fragment(request, found, refusal=refusal)
    context = {
        "plan": found,
        "operator": operator,
        "week": week,
        "weekday": weekday,
        "day": _cell_day(found, week, weekday),
        "form": form,
        "refusal": refusal,
    }
    if request.htmx and request.method == "GET":  # type: ignore[attr-defined]
        return render(request, "rota/plans/_cell_form.html", context)
    failed = bool(refusal or form.errors)
    return render(request, "rota/plans/cell.html", context, status=400 if failed else 200)


def _cell_day(found: RosterPlan, week: int, weekday: int) -> str:
    name = str(Weekday(weekday).label) if weekday in Weekday.values else str(weekday)
    if found.pattern_weeks == 1:
        return name
    return _("%(day)s della settimana %(week)d") % {"day": name, "week": week + 1}


@allowed_if(policies.plans_roster)
@require_POST
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(RosterPlan, pk=pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            plan_operations.publish(
                acting_user(request), found, valid_from=form.cleaned_data["valid_from"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Piano pubblicato: in vigore dal %(day)s.")
                % {"day": form.cleaned_data["valid_from"].strftime("%d/%m/%Y")},
            )
            return redirect("rota:plan", pk=found.pk)
    return _plan_page(request, found, publish_form=form, status=400)


@allowed_if(policies.plans_roster)
@require_POST
def plan_discard(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(RosterPlan, pk=pk)
    form = DiscardForm(request.POST)
    if form.is_valid():
        try:
            plan_operations.discard(acting_user(request), found)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Proposta scartata."))
            return redirect("rota:plans")
    return _plan_page(request, found, discard_form=form, status=400)
