"""The coordinator's staffing calculator: one interval of demand in, operators needed out."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sportello.rota import policies
from sportello.rota.forms import ErlangCalculatorForm
from sportello.rota.view_guards import allowed_if


@allowed_if(policies.plans_roster)
@require_GET
def calculator(request: HttpRequest) -> HttpResponse:
    """A GET form: nothing is stored, and the address of a result can be bookmarked or shared."""
    form = ErlangCalculatorForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    if form.is_bound and form.is_valid():
        result = form.staffing()
        context.update(
            result=result,
            target_s=form.cleaned_data["target_s"],
            service_level_percent=result.service_level * 100,
            target_percent=form.cleaned_data["service_level"],
            probability_waiting_percent=result.probability_waiting * 100,
            occupancy_percent=result.occupancy * 100,
            shrinkage_percent=form.cleaned_data["shrinkage"],
        )
    # htmx swaps only 2xx answers: its request gets the errors with a 200, a plain submit a 400.
    invalid = form.is_bound and bool(form.errors)
    status = 400 if invalid and not request.htmx else 200  # type: ignore[attr-defined]
    return render(request, "rota/calculator.html", context, status=status)
