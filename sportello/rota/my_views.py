"""The operator's side of the roster: my shifts, the calendar feed, and shift swaps (asked by
an operator, answered by a colleague, decided by a coordinator)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from sportello.accounts.models import User
from sportello.rota import ical, policies, queries, roster_queries, swap_queries
from sportello.rota import swap_operations as operations
from sportello.rota.models import ShiftKind, SwapRequest, SwapStatus
from sportello.rota.swap_forms import RefusalForm, SwapRequestForm
from sportello.rota.view_guards import View, acting_user, allowed_if, say_refused
from sportello.rota.wording import person_name, shift_hours, shift_label
from sportello.services import queries as catalogue

OUTCOMES_SHOWN_DAYS = 30
FEED_GROUP = "rota-ical-feed"
FEED_MISS_GROUP = "rota-ical-feed-miss"
FEED_CACHE_CONTROL = "private, max-age=300"


# --- My shifts --------------------------------------------------------------------------------


@allowed_if(policies.works_shifts)
@require_GET
def my_shifts(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    today = queries.desk_today()
    token = ical.feed_token_of(user)
    feed_url = request.build_absolute_uri(reverse("rota:ical-feed", args=[token])) if token else ""
    since = catalogue.now() - datetime.timedelta(days=OUTCOMES_SHOWN_DAYS)
    return render(
        request,
        "rota/my/my_shifts.html",
        {
            "weeks": roster_queries.weeks_of(user, today),
            "absences": roster_queries.absences_of(user, today),
            "asked": swap_queries.swaps_asked_by(user),
            "offered": swap_queries.swaps_offered_to(user),
            "outcomes": swap_queries.recent_outcomes_of(user, since=since),
            "feed_url": feed_url,
            "webcal_url": feed_url.replace("https://", "webcal://", 1).replace(
                "http://", "webcal://", 1
            ),
            "has_contract": token is not None,
            "is_coordinator": policies.plans_roster(user),
        },
    )


@allowed_if(policies.works_shifts)
@require_POST
def renew_feed(request: HttpRequest) -> HttpResponse:
    try:
        ical.renew_feed(acting_user(request))
    except ValidationError as error:
        say_refused(request, error)
    else:
        messages.success(
            request,
            _(
                "Nuovo indirizzo del calendario creato: quello vecchio non funziona più. "
                "Aggiorna l'abbonamento nelle tue app di calendario."
            ),
        )
    return redirect(reverse("rota:my-shifts") + "#calendario")


# --- Asking for a swap ------------------------------------------------------------------------


def _offered_shift(data: Any, day_key: str, shift_key: str) -> tuple[datetime.date, ShiftKind]:
    """The shift the swap is about, from the link on "my shifts": a broken link is a 404."""
    try:
        day = datetime.date.fromisoformat(data.get(day_key, ""))
    except ValueError:
        raise Http404 from None
    kind = ShiftKind.objects.filter(code=data.get(shift_key, ""), is_active=True).first()
    if kind is None:
        raise Http404
    return day, kind


def _ask_page(
    request: HttpRequest,
    form: SwapRequestForm,
    day: datetime.date,
    kind: ShiftKind,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "rota/my/ask_swap.html",
        {
            "form": form,
            "shift_label": shift_label(day, kind),
            "shift_hours": shift_hours(kind),
        },
        status=status,
    )


@allowed_if(policies.works_shifts)
@require_http_methods(["GET", "POST"])
def ask_swap(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if request.method != "POST":
        day, kind = _offered_shift(request.GET, "day", "shift")
        return _ask_page(request, SwapRequestForm(actor=user, day=day, shift_kind=kind), day, kind)
    day, kind = _offered_shift(request.POST, "day", "shift_kind")
    if "refresh" in request.POST:
        # Without JavaScript: show the chosen colleague's shifts, keep what was written.
        initial = {
            "day": day,
            "shift_kind": kind.code,
            "colleague": request.POST.get("colleague", ""),
            "note": request.POST.get("note", ""),
        }
        form = SwapRequestForm(actor=user, day=day, shift_kind=kind, initial=initial)
        return _ask_page(request, form, day, kind)
    form = SwapRequestForm(request.POST, actor=user, day=day, shift_kind=kind)
    if form.is_valid():
        return_day, return_kind = form.return_shift_parts()
        colleague = form.cleaned_data["colleague"]
        try:
            operations.ask_swap(
                user,
                day=form.cleaned_data["day"],
                shift_kind=form.cleaned_data["shift_kind"],
                colleague=colleague,
                return_day=return_day,
                return_shift_kind=return_kind,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Richiesta inviata a %(who)s: il cambio vale quando il coordinatore lo approva.")
                % {"who": person_name(colleague)},
            )
            return redirect("rota:my-shifts")
    return _ask_page(request, form, day, kind, status=400)


@allowed_if(policies.works_shifts)
@require_GET
def return_options(request: HttpRequest) -> HttpResponse:
    """The field of the shift in exchange, for the colleague just chosen (htmx)."""
    day, kind = _offered_shift(request.GET, "day", "shift_kind")
    form = SwapRequestForm(
        actor=acting_user(request),
        day=day,
        shift_kind=kind,
        initial={"day": day, "shift_kind": kind.code, "colleague": request.GET.get("colleague")},
    )
    return render(request, "rota/my/_return_field.html", {"form": form})


def _swap(pk: int) -> SwapRequest:
    return get_object_or_404(
        SwapRequest.objects.select_related("requester", "colleague", "shift_kind"), pk=pk
    )


def _swap_step(run: Callable[[User, SwapRequest, HttpRequest], str]) -> View:
    """A button on a swap: run the operation, say how it went, back to my shifts. Someone the
    swap does not concern gets a 404, as if it did not exist."""

    @allowed_if(policies.works_shifts)
    @require_POST
    @wraps(run)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        swap = _swap(pk)
        try:
            message = run(acting_user(request), swap, request)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            say_refused(request, error)
        else:
            messages.success(request, message)
        return redirect(reverse("rota:my-shifts") + "#cambi")

    return view


def _answer(user: User, swap: SwapRequest, request: HttpRequest) -> str:
    agree = request.POST.get("agree") == "yes"
    operations.answer_swap(user, swap, agree=agree)
    if agree:
        return _("Hai accettato il cambio: ora lo decide il coordinatore.")
    return _("Hai rifiutato il cambio.")


def _withdraw(user: User, swap: SwapRequest, request: HttpRequest) -> str:
    operations.withdraw_swap(user, swap)
    return _("Richiesta di cambio ritirata.")


answer_swap = _swap_step(_answer)
withdraw_swap = _swap_step(_withdraw)


# --- Coordinators: swaps awaiting approval ----------------------------------------------------


@dataclass
class AwaitingRow:
    swap: SwapRequest
    shift: str
    return_shift: str
    problems: list[str]
    form: RefusalForm


def _label(day: datetime.date | None, kind: ShiftKind | None) -> str:
    if day is None or kind is None:
        return ""
    return f"{shift_label(day, kind)} {shift_hours(kind)}"


def _swaps_page(
    request: HttpRequest, bound: dict[int, RefusalForm] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    rows = [
        AwaitingRow(
            swap=swap,
            shift=_label(swap.day, swap.shift_kind),
            return_shift=_label(swap.return_day, swap.return_shift_kind),
            problems=operations.approval_problems(swap),
            form=bound.get(swap.pk) or RefusalForm(prefix=f"swap-{swap.pk}"),
        )
        for swap in swap_queries.swaps_awaiting_approval()
    ]
    return render(
        request,
        "rota/my/swaps.html",
        {
            "rows": rows,
            "waiting": [
                (swap, _label(swap.day, swap.shift_kind))
                for swap in swap_queries.swaps_awaiting_colleague()
            ],
        },
        status=status,
    )


@allowed_if(policies.plans_roster)
@require_GET
def swaps(request: HttpRequest) -> HttpResponse:
    return _swaps_page(request)


@allowed_if(policies.plans_roster)
@require_POST
def decide_swap(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    swap = _swap(pk)
    approve = request.POST.get("decision") == "approve"
    reason = ""
    if not approve:
        form = RefusalForm(request.POST, prefix=f"swap-{pk}")
        if not form.is_valid():
            return _swaps_page(request, {pk: form}, status=400)
        reason = form.cleaned_data["reason"]
    try:
        decided = operations.decide_swap(user, swap, approve=approve, reason=reason)
    except ValidationError as error:
        say_refused(request, error)
        return redirect("rota:swaps")
    if decided.status == SwapStatus.APPROVED:
        messages.success(request, _("Cambio approvato: il piano turni è aggiornato."))
    elif approve:
        messages.warning(
            request,
            _("Il cambio non si può approvare ed è stato respinto: %(reasons)s")
            % {"reasons": " ".join(decided.refusal_reason.splitlines())},
        )
    else:
        messages.success(request, _("Cambio non approvato: i due colleghi vedranno il motivo."))
    return redirect("rota:swaps")


# --- The calendar feed ------------------------------------------------------------------------


def _feed_limited(request: HttpRequest, group: str, key: str | None = None) -> bool:
    return is_ratelimited(
        request,
        group=group,
        key=(lambda _group, _request: key) if key else "ip",
        rate=settings.SPORTELLO_ROTA_FEED_RATE,
        increment=True,
    )


@require_GET
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No session: calendar apps cannot sign in, the address is the key. Wrong addresses count
    against the network address that tries them, valid ones against their operator."""
    if is_ratelimited(
        request,
        group=FEED_MISS_GROUP,
        key="ip",
        rate=settings.SPORTELLO_ROTA_FEED_RATE,
        increment=False,
    ):
        return HttpResponse(status=429)
    user = ical.user_for_token(token)
    if user is None:
        if _feed_limited(request, FEED_MISS_GROUP):
            return HttpResponse(status=429)
        raise Http404
    if _feed_limited(request, FEED_GROUP, key=f"user:{user.pk}"):
        return HttpResponse(status=429)
    response = HttpResponse(ical.feed_for(user), content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = FEED_CACHE_CONTROL
    response.private_cache_allowed = True  # type: ignore[attr-defined]
    response.headers["Content-Disposition"] = 'inline; filename="turni.ics"'
    return response
