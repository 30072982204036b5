"""Staff pages of the contact centre: the switchboard console, the live queue, the contact sheet."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.accounts.models import User
from sportello.cases import policies as case_policies
from sportello.intake import caller_script, operations, phone_numbers, policies, queries
from sportello.intake.forms import HandoverForm, OutcomeForm
from sportello.intake.models import Channel, Contact, Status
from sportello.privacy.operations import record_access
from sportello.services import queries as catalogue
from sportello.services import status_text
from sportello.triage import policies as triage_policies
from sportello.triage import queries as triage_queries

View = Callable[..., HttpResponse]


def allowed_if(policy: Callable[[User], bool]) -> Callable[[View], View]:
    """Signed-in staff whose role the policy accepts; anyone else gets 403. A contact that
    does not exist is a 404 whichever view or operation looked it up."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not policy(request.user):  # type: ignore[arg-type]
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except Contact.DoesNotExist:
                raise Http404 from None

        return guarded

    return decorate


def _desk_context() -> dict[str, Any]:
    status = catalogue.desk_status()
    return {**status_text.page_context(status), "hours": caller_script.opening_hours(status)}


@allowed_if(policies.can_hand_over)
@require_http_methods(["GET", "POST"])
def switchboard(request: HttpRequest) -> HttpResponse:
    """Is the desk open, who is on duty, how long the queue is; hand a call over."""
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        registration = operations.register_contact(
            operations.ContactRequest(
                channel=Channel.SWITCHBOARD,
                service=form.cleaned_data["service"],
                received_at=catalogue.now(),
                caller_number=form.cleaned_data["caller_number"],
                reason=form.cleaned_data["reason"],
                danger_now=form.cleaned_data["danger_now"],
                language=get_language() or "it",
            ),
            actor=request.user,  # type: ignore[arg-type]
        )
        request.session["handover_script"] = {
            "reference": registration.contact.reference,
            "open": registration.desk.is_open,
            "text": caller_script.what_to_say(registration.contact, registration.desk),
        }
        return redirect("intake:switchboard")
    return render(
        request,
        "intake/switchboard.html",
        {
            **_desk_context(),
            "form": form,
            "script": request.session.pop("handover_script", None),
            "on_duty": queries.on_duty(),
            "queue": queries.queue_summary(),
        },
        status=400 if form.errors else 200,
    )


def _queue_context(request: HttpRequest) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    target = settings.SPORTELLO_QUEUE_TARGET_MINUTES
    return {
        "page": queries.queue_page(user, target),
        "target_minutes": target,
        "refresh_seconds": settings.SPORTELLO_QUEUE_REFRESH_SECONDS,
        "on_duty": queries.is_on_duty(user),
        "supervisor": policies.can_supervise(user),
    }


@allowed_if(policies.can_work_queue)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    template = "intake/_queue_live.html" if request.htmx else "intake/queue.html"  # type: ignore[attr-defined]
    return render(request, template, {**_desk_context(), **_queue_context(request)})


def _refused(request: HttpRequest, error: ValidationError, *to: Any) -> HttpResponse:
    """Back to the page the professional came from, saying why the operation was refused."""
    messages.error(request, " ".join(error.messages))
    return redirect(*(to or ("intake:queue",)))


@allowed_if(policies.can_work_queue)
@require_POST
def take_next(request: HttpRequest) -> HttpResponse:
    contact = operations.take_next(request.user)  # type: ignore[arg-type]
    if contact is None:
        messages.info(request, _("Non ci sono contatti in coda che tu possa prendere."))
        return redirect("intake:queue")
    return redirect("intake:contact", pk=contact.pk)


@allowed_if(policies.can_work_queue)
@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        contact = operations.take_contact(request.user, pk)  # type: ignore[arg-type]
    except ValidationError as error:
        return _refused(request, error)
    return redirect("intake:contact", pk=contact.pk)


@allowed_if(policies.can_work_queue)
@require_POST
def duty(request: HttpRequest) -> HttpResponse:
    if request.POST.get("on") == "1":
        operations.go_on_duty(request.user)  # type: ignore[arg-type]
    else:
        operations.go_off_duty(request.user)  # type: ignore[arg-type]
    return redirect("intake:queue")


@transaction.atomic
def _sheet(request: HttpRequest, pk: int, form: OutcomeForm, status: int = 200) -> HttpResponse:
    """The sheet shows why the person called and their risk: the read is logged with it."""
    user: User = request.user  # type: ignore[assignment]
    contact = queries.contact_sheet(user, pk)
    response = render(
        request,
        "intake/contact_sheet.html",
        {
            "contact": contact,
            "number": phone_numbers.display(contact.caller_number) if contact.caller_number else "",
            "earlier": queries.earlier_contacts(user, contact),
            "form": form,
            "can_act": policies.can_act_on(user, contact),
            "held": contact.status in (Status.TAKEN, Status.IN_CONVERSATION),
            "max_attempts": settings.SPORTELLO_MAX_CALLBACK_ATTEMPTS,
            "risk": triage_queries.risk_of(contact.pk),
            "cases": list(contact.cases.only("pk", "reference", "status")),
            "can_open_case": case_policies.can_open_from(user, contact),
            "can_screen": triage_policies.can_screen(user, contact),
        },
        status=status,
    )
    # Logged after rendering, before commit: the log's chain head stays locked briefly, and a
    # failed log write still rolls back and sends nothing.
    record_access(
        request,
        user,
        object_type="contact",
        object_id=contact.pk,
        purpose=_("scheda del contatto %(reference)s") % {"reference": contact.reference},
    )
    return response


@allowed_if(policies.can_work_queue)
@require_GET
def contact_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    return _sheet(request, pk, OutcomeForm())


@allowed_if(policies.can_work_queue)
@require_POST
def start_conversation(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        operations.start_conversation(request.user, pk)  # type: ignore[arg-type]
    except ValidationError as error:
        return _refused(request, error, "intake:contact", pk)
    return redirect("intake:contact", pk=pk)


@allowed_if(policies.can_work_queue)
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        contact = operations.release_contact(request.user, pk)  # type: ignore[arg-type]
    except ValidationError as error:
        return _refused(request, error)
    messages.success(
        request, _("Il contatto %(reference)s è tornato in coda.") % {"reference": contact}
    )
    return redirect("intake:queue")


@allowed_if(policies.can_work_queue)
@require_POST
def record_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            contact = operations.record_outcome(
                request.user,  # type: ignore[arg-type]
                pk,
                form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                call_back_at=form.cleaned_data["call_back_at"],
            )
        except ValidationError as error:
            field = "call_back_at" if form.cleaned_data.get("call_back_at") else None
            form.add_error(field, error)
        else:
            messages.success(request, _outcome_message(contact))
            return redirect("intake:queue")
    return _sheet(request, pk, form, status=400)


def _outcome_message(contact: Contact) -> str:
    if contact.status == Status.CLOSED:
        return _("Contatto %(reference)s chiuso: %(reason)s.") % {
            "reference": contact.reference,
            "reason": contact.get_close_reason_display(),
        }
    return _("Contatto %(reference)s da richiamare %(when)s.") % {
        "reference": contact.reference,
        "when": status_text.when(contact.callback_due_at, catalogue.now())
        if contact.callback_due_at
        else "",
    }
