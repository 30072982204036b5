"""The staff's appointment pages: booking or proposing slots from the case, the appointment
page with its actions, and the professional's agenda.

As on the case pages, whatever shows a case is read, logged and rendered in one transaction,
and a case or appointment the policy hides is a 404, as if it did not exist."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.accounts.models import User
from sportello.appointments import messaging, operations, policies, queries
from sportello.appointments.forms import (
    DAY,
    EVERYONE,
    OFFER,
    WEEK,
    AgendaForm,
    CancelForm,
    OutcomeForm,
    RescheduleForm,
    SlotChooserForm,
)
from sportello.appointments.models import Appointment, AppointmentStatus, SlotOffer
from sportello.cases import policies as case_policies
from sportello.cases.models import Case
from sportello.cases.views import staff_pages
from sportello.privacy.operations import record_access
from sportello.rota import queries as rota
from sportello.rota.view_guards import allowed_if
from sportello.services import queries as catalogue

View = Callable[..., HttpResponse]
ONE_WEEK = datetime.timedelta(days=7)
NOT_FOUND = (Appointment.DoesNotExist, Case.DoesNotExist, SlotOffer.DoesNotExist)
# The parameters that say which slots the chooser shows (the rest is what was chosen).
NAVIGATION = ("modalita", "professionista", "settimana")


# Case staff only; an appointment, case or offer the policy hides is a page that does not exist.
appointment_staff = staff_pages(NOT_FOUND)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _log_read(
    request: HttpRequest, case: Case, purpose: str, *, appointment: Appointment | None = None
) -> None:
    """One access-log row for what this response shows, marked when only a break-glass grant
    lets the user see it."""
    user = _user(request)
    record_access(
        request,
        user,
        object_type="appointment" if appointment else "case",
        object_id=appointment.pk if appointment else case.pk,
        case_id=case.pk,
        purpose=purpose,
        break_glass=not (appointment is not None and appointment.professional_id == user.pk)
        and not case_policies.follows(user, case)
        and not case_policies.coordinates(user, case.service_id),
    )


def _attach(form: forms.Form, error: ValidationError) -> None:
    """An operation's refusal beside the field it is about, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Choosing a slot: booking, proposing, moving ---------------------------------------------


def _chooser_form(
    form_class: type[SlotChooserForm],
    request: HttpRequest,
    professionals: list[User],
    initial: dict[str, Any],
) -> SlotChooserForm:
    """Bound to the submission, or to the address when it says which slots to show."""
    data: Any = None
    if request.method == "POST":
        data = request.POST
    elif any(name in request.GET for name in NAVIGATION):
        data = request.GET
    return form_class(
        data,
        professionals=professionals,
        today=rota.desk_today(),
        initial=initial,
        submitting=request.method == "POST",
    )


def _chooser_page(
    request: HttpRequest,
    template: str,
    form: SlotChooserForm,
    *,
    case: Case,
    default_professional: User | None,
    default_week: datetime.date | None = None,
    moving: Appointment | None = None,
    purpose: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The form with the free slots of the week it shows; with htmx, the slot list alone."""
    professional, monday = form.navigation(default_professional, default_week)
    data = getattr(form, "cleaned_data", {})
    channel = data.get("modalita") or form.initial.get("modalita", "")
    extra = {"dopo": context["missed"].pk} if context.get("missed") else {}

    def week_url(day: datetime.date) -> str:
        query = {"settimana": day.isoformat(), "modalita": channel, **extra}
        if professional is not None:
            query["professionista"] = professional.pk
        return f"{request.path}?{urlencode(query)}"

    this_week = rota.monday_of(rota.desk_today())
    page = {
        "case": case,
        "form": form,
        "professional": professional,
        "days": queries.week_slots(
            professional,
            monday,
            exclude=moving if moving and moving.professional_id == professional.pk else None,
        )
        if professional is not None
        else [],
        "monday": monday,
        "sunday": monday + datetime.timedelta(days=6),
        "previous_url": week_url(monday - ONE_WEEK) if monday > this_week else "",
        "next_url": week_url(monday + ONE_WEEK),
        "chosen": form["orario"].value() or "",
        "proposed": form["orari"].value() or [],
        "focus": _htmx(request),
        **context,
    }
    status = 400 if form.errors else 200
    if _htmx(request) and request.method == "GET":
        # htmx swaps only successful answers: the list comes with its errors and a 200.
        return render(request, "appointments/_slot_region.html", page)
    with transaction.atomic():
        _log_read(request, case, purpose, appointment=moving)
        return render(request, template, page, status=status)


def _default_professional(user: User, professionals: list[User]) -> User | None:
    if user in professionals:
        return user
    return professionals[0] if professionals else None


@appointment_staff
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, case_pk: int) -> HttpResponse:
    user = _user(request)
    case = queries.bookable_case(user, case_pk)
    source = request.POST if request.method == "POST" else request.GET
    missed = queries.missed_appointment(case, source.get("dopo", ""))
    professionals = queries.suitable_professionals(case)
    default = _default_professional(user, professionals)
    if missed is not None and missed.professional in professionals:
        default = missed.professional
    initial = {"modalita": missed.channel if missed else "phone", "professionista": default}
    form = _chooser_form(SlotChooserForm, request, professionals, initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["azione"] == OFFER:
                offer = operations.offer_slots(
                    user,
                    case=case,
                    channel=data["modalita"],
                    choices=[(data["professionista"], at) for at in data["orari"]],
                    replaces=missed,
                )
            else:
                appointment = operations.book(
                    user,
                    case=case,
                    professional=data["professionista"],
                    starts_at=data["orario"],
                    channel=data["modalita"],
                    rescheduled_from=missed,
                )
        except ValidationError as error:
            _attach(form, error)
        else:
            if data["azione"] == OFFER:
                messages.success(
                    request,
                    _(
                        "Orari proposti alla persona: %(n)d. Riceverà un messaggio per "
                        "sceglierne uno."
                    )
                    % {"n": offer.slots.count()},
                )
                return redirect(reverse("cases:case", args=[case.pk]) + "#appointments-heading")
            messages.success(request, _("Appuntamento prenotato."))
            return redirect("appointments:detail", pk=appointment.pk)
    return _chooser_page(
        request,
        "appointments/book.html",
        form,
        case=case,
        default_professional=default,
        purpose="prenotazione di un appuntamento",
        context={"missed": missed, "may_message": messaging.may_message(case.person)},
    )


@appointment_staff
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    appointment = queries.appointment_for(user, pk)
    case = appointment.case
    if not policies.can_book(user, case):
        raise PermissionDenied
    professionals = queries.suitable_professionals(case)
    initial = {"modalita": appointment.channel, "professionista": appointment.professional}
    form = _chooser_form(RescheduleForm, request, professionals, initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = operations.reschedule(
                user,
                appointment,
                professional=data["professionista"],
                starts_at=data["orario"],
                channel=data["modalita"],
                reason=data["motivo"],
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Appuntamento spostato."))
            return redirect("appointments:detail", pk=moved.pk)
    now = catalogue.now()
    week = rota.monday_of(rota.desk_day(appointment.starts_at))
    return _chooser_page(
        request,
        "appointments/reschedule.html",
        form,
        case=case,
        default_professional=appointment.professional,
        default_week=week if appointment.starts_at > now else None,
        moving=appointment,
        purpose="spostamento di un appuntamento",
        context={
            "appointment": appointment,
            "movable": appointment.status == AppointmentStatus.BOOKED
            and appointment.starts_at > now,
        },
    )


# --- The appointment page and its buttons ----------------------------------------------------


def _detail_page(
    request: HttpRequest,
    pk: int,
    *,
    cancel_form: CancelForm | None = None,
    refused: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    with transaction.atomic():
        page = queries.appointment_page(user, pk)
        appointment = page.appointment
        _log_read(request, appointment.case, "appuntamento", appointment=appointment)
        return render(
            request,
            "appointments/detail.html",
            {
                "page": page,
                "appointment": appointment,
                "case": appointment.case,
                "cancel_form": cancel_form or CancelForm(),
                "refused": refused or [],
                "book_again_url": (
                    f"{reverse('appointments:book', args=[appointment.case_id])}"
                    f"?{urlencode({'dopo': appointment.pk})}"
                ),
            },
            status=status,
        )


def _messages_of(form: forms.Form) -> list[str]:
    return [message for errors in form.errors.values() for message in errors]


@appointment_staff
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


@appointment_staff
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    appointment = queries.appointment_for(user, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            operations.cancel(user, appointment, reason=form.cleaned_data["motivo"])
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Appuntamento annullato."))
            return redirect("appointments:detail", pk=pk)
    return _detail_page(request, pk, cancel_form=form, refused=_messages_of(form), status=400)


@appointment_staff
@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    appointment = queries.appointment_for(user, pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        held = form.cleaned_data["esito"] == OutcomeForm.HELD
        try:
            operations.record_outcome(user, appointment, held=held)
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(
                request,
                _("Colloquio registrato come svolto.")
                if held
                else _("Registrato: la persona non si è presentata. Offrile un nuovo orario."),
            )
            return redirect("appointments:detail", pk=pk)
    return _detail_page(request, pk, refused=_messages_of(form), status=400)


@appointment_staff
@require_POST
def withdraw_offer(request: HttpRequest, pk: int) -> HttpResponse:
    offer = queries.offer_for(_user(request), pk)
    try:
        operations.withdraw_offer(_user(request), offer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Proposta ritirata: il collegamento inviato non vale più."))
    return redirect(reverse("cases:case", args=[offer.case_id]) + "#appointments-heading")


# --- The agenda ------------------------------------------------------------------------------


def _whose_agenda(user: User, wanted: str) -> User | None:
    """The professional whose agenda is shown; None for everyone's. Someone who may see only
    their own finds no other (404)."""
    everyone = policies.sees_everyones_calendar(user)
    if not wanted:
        return user if policies.can_hold_sessions(user) or not everyone else None
    if wanted == EVERYONE and everyone:
        return None
    if wanted.isdigit() and int(wanted) == user.pk:
        return user
    if not everyone or wanted == EVERYONE:
        raise Http404
    found = [person for person in queries.calendar_professionals() if person.pk == int(wanted)]
    if not found:
        raise Http404
    return found[0]


@allowed_if(policies.has_calendar)
@require_GET
def agenda(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = rota.desk_today()
    form = AgendaForm(request.GET, today=today)
    if not form.is_valid():
        return render(
            request, "appointments/agenda_error.html", {"errors": _messages_of(form)}, status=400
        )
    day, view = form.cleaned_data["giorno"], form.cleaned_data["vista"]
    wanted = form.cleaned_data["professionista"]
    professional = _whose_agenda(user, wanted)
    first = rota.monday_of(day) if view == WEEK else day
    last = first + datetime.timedelta(days=6 if view == WEEK else 0)
    step = ONE_WEEK if view == WEEK else rota.ONE_DAY
    who = "" if professional == user and not wanted else (wanted or "")

    def url(to: datetime.date, to_view: str = view) -> str:
        query = {"giorno": to.isoformat(), "vista": to_view}
        if who:
            query["professionista"] = who
        return f"{reverse('appointments:agenda')}?{urlencode(query)}"

    everyone = policies.sees_everyones_calendar(user)
    page = {
        "agenda": queries.agenda(user, first, last, professional=professional),
        "day": day,
        "view": view,
        "today": today,
        "who": who,
        "everyone": everyone,
        "professionals": queries.calendar_professionals() if everyone else [],
        "holds_sessions": policies.can_hold_sessions(user),
        "previous_url": url(day - step),
        "next_url": url(day + step),
        "today_url": url(today),
        "day_url": url(day, DAY),
        "week_url": url(day, WEEK),
        "focus": _htmx(request),
        "DAY": DAY,
        "WEEK": WEEK,
        "EVERYONE": EVERYONE,
    }
    template = "appointments/_agenda_region.html" if _htmx(request) else "appointments/agenda.html"
    return render(request, template, page)
