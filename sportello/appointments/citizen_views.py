"""The citizen's pages behind a signed link: pick a proposed time, see the appointment (and wait
for the video room), move it or cancel it. No account: the link is the credential.

So the pages guard the link: never cached, never sent on as a Referer, looked up a limited
number of times per address, and a link that does not (or no longer) open anything gets one
friendly page that says nothing about whether an appointment exists. They show the date, the
time and the channel, and nothing else of the appointment or the case.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from sportello.appointments import links, operations, queries, slots
from sportello.appointments.citizen_forms import (
    CancelForm,
    ChooseSlotForm,
    MoveForm,
    clock,
    day_label,
)
from sportello.appointments.models import (
    Appointment,
    AppointmentChannel,
    AppointmentStatus,
    SlotOffer,
)
from sportello.cases.models import Status as CaseStatus
from sportello.services import queries as catalogue

LOOKUP_GROUP = "citizen-appointment-link"
ACTION_GROUP = "citizen-appointment-action"
# A waiting page polls every POLL_SECONDS: an hour of waiting is 120 lookups.
POLL_SECONDS = 30
CANCELLED_SALT = "sportello.appointments.citizen.cancelled"
# The page after cancelling names the appointment's time for a day, then the address dies.
CANCELLED_MAX_AGE = 24 * 60 * 60  # seconds
# As long as links.offer_from_token accepts an offer's signature.
# What the manage page says after the person chose or moved (a query string, no session).
DONE = {"scelto", "spostato"}

View = Callable[..., HttpResponse]


def _private(view: View) -> View:
    """The token is in the address: no cache keeps the page, no Referer carries it to another
    site, and no search engine lists it."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        # Not "no-referrer": with it browsers send "Origin: null" on the page's own forms and
        # the CSRF check refuses every choice, move and cancellation.
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapped)


def _per_link(group: str, request: HttpRequest) -> str:
    """Counters per address AND per link: people sharing one address (a mobile network, an
    office) do not use up each other's allowance, and one link cannot be hammered."""
    match = request.resolver_match
    token = match.kwargs.get("token", "") if match else ""
    return f"{group}:{hashlib.sha256(token.encode()).hexdigest()[:16]}"


def _limited(request: HttpRequest) -> bool:
    """Every lookup of a link counts; what changes something (a POST) counts again, more
    strictly."""
    limited = is_ratelimited(
        request,
        group=_per_link(LOOKUP_GROUP, request),
        key="ip",
        rate=settings.SPORTELLO_CITIZEN_LINK_RATE,
        increment=True,
    )
    if request.method == "POST":
        limited |= is_ratelimited(
            request,
            group=_per_link(ACTION_GROUP, request),
            key="ip",
            rate=settings.SPORTELLO_CITIZEN_ACTION_RATE,
            increment=True,
        )
    return limited


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "appointments/citizen/limited.html", _desk_context(), status=429)


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "appointments/citizen/invalid_link.html", _desk_context(), status=404)


def _desk_context() -> dict[str, Any]:
    """When the switchboard answers: ``lunedì–sabato 9:30–18:00``."""
    organisation = catalogue.current_organisation()
    hours = "; ".join(
        f"{days} {', '.join(intervals)}"
        for days, intervals in catalogue.weekly_hours_summary(organisation)
        if intervals
    )
    return {"desk_hours": hours}


def _appointment(token: str, now: datetime.datetime) -> Appointment | None:
    try:
        return links.appointment_from_token(token, now=now)
    except links.LinkError:
        return None


def _changeable_through_link(view: View) -> View:
    """The cancel and move pages: within the rate limit, a current link, and an appointment
    that can still change (else back to its page, which says why)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        if _limited(request):
            return _too_many(request)
        now = catalogue.now()
        appointment = _appointment(token, now)
        if appointment is None:
            return _invalid_link(request)
        if not appointment.changeable_at(now):
            return redirect("citizen_appointments:manage", token=token)
        return view(request, token, appointment)

    return wrapped


# --- Choosing a proposed time ----------------------------------------------------------------


@_private
@require_http_methods(["GET", "POST"])
def choose(request: HttpRequest, token: str) -> HttpResponse:
    if _limited(request):
        return _too_many(request)
    now = catalogue.now()
    try:
        offer = links.offer_from_token(token, now=now)
    except links.LinkError:
        answered = _answered_offer(token, now)
        if answered is None:
            return _invalid_link(request)
        return _offer_state_page(request, answered)
    state = _offer_state(offer, now)
    if state != "open":
        return _offer_state_page(request, state)
    offered = list(offer.slots.all())
    earliest = queries.slot_rule(now).earliest
    if request.method != "POST":
        return _choose_page(request, offer, ChooseSlotForm(offered=offered, earliest=earliest))
    form = ChooseSlotForm(request.POST, offered=offered, earliest=earliest)
    if not form.is_valid():
        return _choose_page(request, offer, form, status=400)
    try:
        appointment = operations.choose_offered_slot(offer, form.cleaned_data["slot"])
    except ValidationError:
        # The operation's own words may name the professional: the page says it its way.
        offer.refresh_from_db()
        state = _offer_state(offer, catalogue.now())
        if state != "open":
            return _offer_state_page(request, state)
        form.add_error(
            "slot",
            _(
                "Questo orario non è più disponibile: nel frattempo è stato prenotato. "
                "Scegline un altro tra quelli proposti."
            ),
        )
        return _choose_page(request, offer, form, status=400)
    return _to_manage(appointment, done="scelto")


def _offer_state(offer: SlotOffer, now: datetime.datetime) -> str:
    state = operations.offer_state(offer, now)
    if state == "open" and offer.case.status != CaseStatus.OPEN:
        return "withdrawn"  # the case was closed: nothing can be booked from it any more
    return state


def _answered_offer(token: str, now: datetime.datetime) -> str | None:
    """A genuine link to an offer already answered (its key changed when a time was chosen or
    the offer withdrawn) says so; anything else is just an invalid link."""
    offer = links.offer_named_by(token)
    if offer is None:
        return None
    state = operations.offer_state(offer, now)
    return state if state in ("chosen", "withdrawn") else None


def _offer_state_page(request: HttpRequest, state: str) -> HttpResponse:
    return render(
        request,
        "appointments/citizen/offer_state.html",
        {"state": state, **_desk_context()},
        status=410,
    )


def _choose_page(
    request: HttpRequest, offer: SlotOffer, form: ChooseSlotForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "appointments/citizen/choose.html",
        {
            "form": form,
            "is_video": offer.channel == AppointmentChannel.VIDEO,
            **_desk_context(),
        },
        status=status,
    )


def _to_manage(appointment: Appointment, *, done: str) -> HttpResponse:
    url = reverse("citizen_appointments:manage", args=[links.appointment_token(appointment)])
    return redirect(f"{url}?esito={done}")


# --- The appointment and its video room ------------------------------------------------------


@dataclass(frozen=True)
class Room:
    """What the waiting page says about the video room now."""

    state: str  # waiting, open, closed, gone (the appointment is no longer booked)
    opens_day: str = ""
    opens_clock: str = ""
    opens_today: bool = False
    url: str = ""
    demo: bool = False


def _room(appointment: Appointment, now: datetime.datetime) -> Room:
    if appointment.status != AppointmentStatus.BOOKED:
        return Room("gone")
    link = queries.join_link(appointment, participant_name=_("Persona"), moderator=False)
    if now < link.opens_at:
        zone = catalogue.desk_zone()
        return Room(
            "waiting",
            opens_day=day_label(link.opens_at),
            opens_clock=clock(link.opens_at),
            opens_today=link.opens_at.astimezone(zone).date() == now.astimezone(zone).date(),
        )
    if link.is_open(now):
        # The link (with its room token) is on the page only while it opens the room.
        return Room("open", url=link.url, demo=link.demo)
    return Room("closed")


def _summary(appointment: Appointment) -> dict[str, Any]:
    """Only the date, the time and the channel: nothing of the case or the professional."""
    return {
        "day": day_label(appointment.starts_at),
        "start": clock(appointment.starts_at),
        "end": clock(appointment.ends_at),
        "is_video": appointment.channel == AppointmentChannel.VIDEO,
    }


@_private
@require_GET
def manage(request: HttpRequest, token: str) -> HttpResponse:
    if _limited(request):
        return _too_many(request)
    now = catalogue.now()
    appointment = _appointment(token, now)
    if appointment is None:
        return _invalid_link(request)
    status = appointment.status
    done = request.GET.get("esito", "")
    return render(
        request,
        "appointments/citizen/manage.html",
        {
            **_summary(appointment),
            **_desk_context(),
            "token": token,
            "status": status,
            "moved": status == AppointmentStatus.CANCELLED
            and Appointment.objects.filter(rescheduled_from=appointment).exists(),
            "changeable": appointment.changeable_at(now),
            "room": _room(appointment, now)
            if appointment.channel == AppointmentChannel.VIDEO
            and appointment.room
            and status == AppointmentStatus.BOOKED
            else None,
            "done": done if done in DONE and status == AppointmentStatus.BOOKED else "",
            "poll_seconds": POLL_SECONDS,
        },
    )


@_private
@require_GET
def room_status(request: HttpRequest, token: str) -> HttpResponse:
    """The waiting page's poll: nothing (204) while the room is as the page shows it, the new
    state when it changed, so that the join button appears without reloading."""
    if _limited(request):
        return HttpResponse(status=429)
    now = catalogue.now()
    appointment = _appointment(token, now)
    if appointment is None or appointment.channel != AppointmentChannel.VIDEO:
        if request.headers.get("HX-Request"):
            # 286 tells htmx to stop polling; the region says the link no longer works.
            return render(
                request, "appointments/citizen/_room_invalid.html", _desk_context(), status=286
            )
        return HttpResponse(status=404)
    room = _room(appointment, now)
    if request.GET.get("shown") == room.state:
        return HttpResponse(status=204)
    return render(
        request,
        "appointments/citizen/_room.html",
        {"room": room, "token": token, "poll_seconds": POLL_SECONDS},
    )


# --- Cancelling and moving ------------------------------------------------------------------


@_private
@require_http_methods(["GET", "POST"])
@_changeable_through_link
def cancel(request: HttpRequest, token: str, appointment: Appointment) -> HttpResponse:
    if request.method != "POST":
        return _cancel_page(request, appointment, token, CancelForm())
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _cancel_page(request, appointment, token, form, status=400)
    try:
        operations.citizen_cancel(appointment, reason=form.reason())
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _cancel_page(request, appointment, token, form, status=400)
    return redirect(
        "citizen_appointments:cancelled",
        token=signing.dumps(appointment.pk, salt=CANCELLED_SALT),
    )


def _cancel_page(
    request: HttpRequest,
    appointment: Appointment,
    token: str,
    form: CancelForm,
    *,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "appointments/citizen/cancel.html",
        {"form": form, "token": token, **_summary(appointment), **_desk_context()},
        status=status,
    )


@_private
@require_GET
def cancelled(request: HttpRequest, token: str) -> HttpResponse:
    """Where cancelling lands: the appointment's own link is dead by now."""
    if _limited(request):
        return _too_many(request)
    try:
        pk = signing.loads(token, salt=CANCELLED_SALT, max_age=CANCELLED_MAX_AGE)
    except signing.BadSignature:
        return _invalid_link(request)
    appointment = Appointment.objects.filter(
        pk=pk, status=AppointmentStatus.CANCELLED, cancelled_by_citizen=True
    ).first()
    if appointment is None:
        return _invalid_link(request)
    return render(
        request,
        "appointments/citizen/cancelled.html",
        {**_summary(appointment), **_desk_context()},
    )


@_private
@require_http_methods(["GET", "POST"])
@_changeable_through_link
def move(request: HttpRequest, token: str, appointment: Appointment) -> HttpResponse:
    free = _other_slots(appointment)
    if request.method != "POST":
        return _move_page(request, appointment, token, MoveForm(free=free))
    form = MoveForm(request.POST, free=free)
    if not form.is_valid():
        return _move_page(request, appointment, token, form, status=400)
    try:
        moved = operations.citizen_reschedule(
            appointment,
            starts_at=form.cleaned_data["starts_at"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError:
        # Taken in the meantime (the operation's words may name the professional), or the
        # appointment changed under the person: the page is drawn again from what is true now.
        appointment.refresh_from_db()
        now = catalogue.now()
        if not appointment.changeable_at(now):
            return redirect("citizen_appointments:manage", token=token)
        form = MoveForm(request.POST, free=_other_slots(appointment))
        if form.is_valid():
            form.add_error(
                "starts_at", _("Questo orario non è più libero: scegline un altro dall'elenco.")
            )
        return _move_page(request, appointment, token, form, status=400)
    return _to_manage(moved, done="spostato")


def _other_slots(appointment: Appointment) -> list[slots.Slot]:
    # The appointment's own time is free to the kernel (it is the one moving): not a move.
    return [
        slot
        for slot in operations.citizen_reschedule_slots(appointment)
        if slot.start != appointment.starts_at
    ]


def _move_page(
    request: HttpRequest,
    appointment: Appointment,
    token: str,
    form: MoveForm,
    *,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "appointments/citizen/move.html",
        {"form": form, "token": token, **_summary(appointment), **_desk_context()},
        status=status,
    )
