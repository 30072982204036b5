"""Pages of the safety net: the screening, the contact's risk and protocol, the coordinators'
board. Every page that shows a screening logs the read in the same transaction."""

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.accounts.models import User
from sportello.intake.models import Contact
from sportello.privacy.operations import record_access
from sportello.services import queries as catalogue
from sportello.triage import operations, policies, queries, questions
from sportello.triage.forms import (
    EmergencyCallForm,
    FollowUpDoneForm,
    FollowUpForm,
    SafetyPlanForm,
    ScreeningForm,
    SupervisorForm,
)
from sportello.triage.models import Escalation, FollowUp, ProtocolStep, Screening
from sportello.triage.risk_rules import REQUIRED_ACTIONS, Action, Level


def _contact(pk: int) -> Contact:
    try:
        return Contact.objects.select_related("service", "programme", "taken_by").get(pk=pk)
    except Contact.DoesNotExist:
        raise Http404 from None


def _readable_contact(user: User, pk: int) -> Contact:
    """Health data: whoever may not read it gets a 404, not a hint that it exists."""
    contact = _contact(pk)
    if not policies.can_read_risk(user, contact, queries.screened_by_ids(contact.pk)):
        raise Http404
    return contact


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def screen(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    contact = _contact(pk)
    if not policies.can_screen(user, contact):
        raise Http404
    form = ScreeningForm(request.POST or None)
    if contact.programme_id is not None:
        target_groups = form.fields["target_groups"]
        target_groups.queryset = contact.programme.target_groups.all()  # type: ignore[attr-defined, union-attr]
    if request.method == "POST" and form.is_valid():
        try:
            screening = operations.record_screening(user, pk, form.to_input())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Valutazione registrata: %(level)s.") % {"level": screening.get_level_display()},
            )
            return redirect("triage:risk", pk=pk)
    return render(
        request,
        "triage/screen.html",
        {"contact": contact, "form": form},
        status=400 if form.errors else 200,
    )


def _risk_page(request: HttpRequest, pk: int, bound: dict[str, Form] | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    with transaction.atomic():
        contact = _readable_contact(user, pk)
        screening = queries.latest_screening(contact.pk)
        risk = queries.risk_of(contact.pk)
        # Prefixed: four forms on one page must not share their fields' ids.
        forms = {
            "emergency": EmergencyCallForm(
                prefix="emergency",
                initial={"called_at": timezone.localtime(catalogue.now()).replace(second=0)},
            ),
            "supervisor": SupervisorForm(prefix="supervisor"),
            "follow_up": FollowUpForm(prefix="follow_up"),
            "safety_plan": SafetyPlanForm(prefix="safety_plan"),
            **(bound or {}),
        }
        answers = _answer_rows(screening) if screening else []
        level = Level(screening.level) if screening else None
        required = REQUIRED_ACTIONS[level] if level is not None else frozenset()
        actions = queries.protocol_actions(contact.pk)
        done = {Action(action.kind) for action in actions}
        response = render(
            request,
            "triage/risk.html",
            {
                "contact": contact,
                "screening": screening,
                "risk": risk,
                "answers": answers,
                "findings": _finding_labels(screening) if screening else [],
                "checklist": [
                    {
                        "action": action,
                        "label": ProtocolStep(action).label,
                        "done": action in done,
                        "records": [a for a in actions if a.kind == action],
                    }
                    for action in Action
                    if action in required
                ],
                "actions": actions,
                "follow_ups": queries.follow_ups_of(contact.pk),
                "escalations": queries.open_escalations_of(contact.pk),
                "can_screen": policies.can_screen(user, contact),
                "can_acknowledge": policies.can_acknowledge(user),
                "forms": forms,
            },
            status=400 if bound else 200,
        )
        # Logged after rendering, before commit: the log's chain head stays locked briefly.
        record_access(
            request,
            user,
            object_type="screening" if screening else "contact",
            object_id=screening.pk if screening else contact.pk,
            purpose=_("rischio e protocollo di sicurezza del contatto %(reference)s")
            % {"reference": contact.reference},
        )
        return response


def _answer_rows(screening: Screening) -> list[tuple[str, bool]]:
    # Erasure blanks the answers: saying "no" to every question would misstate the record.
    if not screening.answers:
        return []
    answers = json.loads(screening.answers)
    return [(str(text), bool(answers.get(name))) for name, text in questions.QUESTIONS.items()]


def _finding_labels(screening: Screening) -> list[str]:
    codes = json.loads(screening.findings or "[]")
    return [str(questions.FINDINGS.get(code, code)) for code in codes]


@login_required
@never_cache
@require_GET
def risk(request: HttpRequest, pk: int) -> HttpResponse:
    return _risk_page(request, pk)


def _protocol_step(
    form_class: type[Form], key: str, run: Callable[[User, int, dict[str, Any]], object]
) -> Callable[[HttpRequest, int], HttpResponse]:
    """One POST view per protocol step: valid → the operation, refused → the page with errors."""

    @login_required
    @never_cache
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        _readable_contact(user, pk)
        form = form_class(request.POST, prefix=key)
        if form.is_valid():
            try:
                run(user, pk, form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            except PermissionDenied:
                raise Http404 from None
            else:
                messages.success(request, _("Azione del protocollo registrata."))
                return redirect("triage:risk", pk=pk)
        return _risk_page(request, pk, {key: form})

    return view


record_emergency_call = _protocol_step(
    EmergencyCallForm,
    "emergency",
    lambda user, pk, data: operations.record_emergency_call(user, pk, **data),
)
record_supervisor = _protocol_step(
    SupervisorForm,
    "supervisor",
    lambda user, pk, data: operations.record_supervisor_informed(
        user, pk, supervisor_id=data["supervisor"].pk, note=data["note"]
    ),
)
schedule_follow_up = _protocol_step(
    FollowUpForm,
    "follow_up",
    lambda user, pk, data: operations.schedule_follow_up(
        user, pk, due_at=data["due_at"], note=data["note"]
    ),
)
record_safety_plan = _protocol_step(
    SafetyPlanForm,
    "safety_plan",
    lambda user, pk, data: operations.record_safety_plan(user, pk, note=data["note"]),
)


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    follow_up = FollowUp.objects.filter(pk=pk).first()
    if follow_up is None or not policies.can_read_risk(
        user,
        follow_up.contact,
        queries.screened_by_ids(follow_up.contact_id) | {follow_up.assigned_to_id},
    ):
        raise Http404
    form = FollowUpDoneForm(request.POST)
    form.is_valid()
    try:
        operations.complete_follow_up(user, pk, note=form.cleaned_data.get("note", ""))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Ricontatto segnato come svolto."))
    return redirect("triage:risk", pk=follow_up.contact_id)


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not policies.can_acknowledge(user):
        raise Http404
    escalation = Escalation.objects.filter(pk=pk).first()
    if escalation is None:
        raise Http404
    try:
        operations.acknowledge_escalation(user, pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Presa visione registrata per il contatto %(reference)s.")
            % {"reference": escalation.contact.reference},
        )
    if request.POST.get("back") == "board":
        return redirect("triage:board")
    return redirect("triage:risk", pk=escalation.contact_id)


@login_required
@never_cache
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """The coordinators' view of risk: open escalations and high-risk contacts of the day."""
    user: User = request.user  # type: ignore[assignment]
    if not policies.can_acknowledge(user):
        raise Http404
    local_now = timezone.localtime(catalogue.now(), catalogue.desk_zone())
    start_of_day = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        response = render(
            request,
            "triage/board.html",
            {
                "escalations": queries.open_escalations(),
                "rows": queries.high_risk_board(start_of_day),
            },
        )
        record_access(
            request,
            user,
            object_type="risk_board",
            object_id=local_now.date().isoformat(),
            purpose=_("quadro dei contatti ad alto rischio"),
        )
        return response
