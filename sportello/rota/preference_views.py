"""The operator's shift preferences: the shifts of their week they would like or would rather
avoid, for the solver to weigh when the next roster is computed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from sportello.rota import policies, queries
from sportello.rota import preference_operations as operations
from sportello.rota.models import ShiftPreference
from sportello.rota.preference_forms import PreferencesForm
from sportello.rota.view_guards import acting_user, allowed_if, say_refused


def _page(request: HttpRequest, form: PreferencesForm | None, status: int = 200) -> HttpResponse:
    return render(request, "rota/my/preferences.html", {"form": form}, status=status)


@allowed_if(policies.works_shifts)
@require_http_methods(["GET", "POST"])
def my_preferences(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    contract = operations.active_contract(user)
    if contract is None:
        if request.method == "POST":
            # The operation says why (no contract), the page explains the rest.
            try:
                operations.set_preferences(user, preferences={})
            except ValidationError as error:
                say_refused(request, error)
            return redirect("rota:my-preferences")
        return _page(request, None)
    current = list(ShiftPreference.objects.filter(user=user))
    kinds = queries.active_shift_kinds()
    kinds.sort(key=lambda kind: (kind.starts, kind.position))
    if request.method != "POST":
        return _page(request, PreferencesForm(contract=contract, kinds=kinds, current=current))
    form = PreferencesForm(request.POST, contract=contract, kinds=kinds, current=current)
    if form.is_valid():
        try:
            count = operations.set_preferences(user, preferences=form.preferences())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if count:
                message = ngettext(
                    "Preferenze salvate: %(count)d turno indicato.",
                    "Preferenze salvate: %(count)d turni indicati.",
                    count,
                ) % {"count": count}
            else:
                message = _("Preferenze salvate: nessun turno indicato, ti vanno bene tutti.")
            messages.success(request, message)
            return redirect("rota:my-preferences")
    return _page(request, form, status=400)
