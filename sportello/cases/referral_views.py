"""Pages of referrals: propose one from a case, follow it on its page, download its letter, and
the list of open referrals (overdue first). Same guard as the case pages: anyone the policy
refuses gets a 404; every page showing a referral writes its access-log row."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.cases import queries, referral_queries, referrals
from sportello.cases.models import Case, Referral, ReferralStatus, SentHow, SharedItem, Status
from sportello.cases.referral_forms import (
    AnswerForm,
    CloseReferralForm,
    FirstAppointmentForm,
    ProposeReferralForm,
    SendForm,
    ServiceFilterForm,
)
from sportello.cases.referral_letter import letter_pdf, reference_of
from sportello.cases.referral_tasks import delivery_status
from sportello.cases.views import NOT_FOUND, _attach, _log_read, _user, staff_pages
from sportello.directory.models import Service as DirectoryService
from sportello.services import queries as catalogue

referral_staff = staff_pages((*NOT_FOUND, Referral.DoesNotExist, DirectoryService.DoesNotExist))


# --- Proposing -------------------------------------------------------------------------------


@referral_staff
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    with transaction.atomic():
        case = queries.case_for(user, pk)
        if not referrals.can_refer(user, case):
            raise Http404
        if case.status == Status.CLOSED:
            messages.error(
                request, _("La presa in carico è chiusa: riaprila per proporre un invio.")
            )
            return redirect("cases:case", pk=case.pk)
        needs = referral_queries.needs()
        filters = ServiceFilterForm(request.GET or None, needs=needs)
        need, municipio = "", None
        if filters.is_valid():
            need = filters.cleaned_data["bisogno"]
            municipio = filters.cleaned_data["municipio"]
        # A POST accepts any active service: the filter only narrows what the page offers.
        services = referral_queries.services_for(
            *(("", None) if request.method == "POST" else (need, municipio))
        )
        form = ProposeReferralForm(request.POST or None, services=services)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    referral = referrals.propose_referral(
                        user,
                        case.pk,
                        to_service_id=data["to_service"].pk,
                        reason=data["reason"],
                        summary=data["summary"],
                        urgency=data["urgency"],
                        shared=list(data["shared"]),
                        consent_given=data["consent_given"],
                    )
            except ValidationError as error:
                _attach(form, error)
            else:
                messages.success(
                    request,
                    _("Invio %(reference)s proposto: controlla la lettera e inviala.")
                    % {"reference": reference_of(referral)},
                )
                return redirect("cases:referral", pk=case.pk, referral_pk=referral.pk)
        if request.method == "POST":
            # Drawn again after a refusal: the list the filter shows, as before the submit.
            form.fields["to_service"].queryset = referral_queries.services_for(need, municipio)
        _log_read(request, case, "proposta di invio")
        return render(
            request,
            "cases/referrals/propose.html",
            {
                "case": case,
                "filters": filters,
                "form": form,
                "service_count": services.count(),
            },
            status=400 if form.errors else 200,
        )


# --- The referral page and its steps ---------------------------------------------------------


def _timeline(referral: Referral) -> list[tuple[str, Any]]:
    steps: list[tuple[str, Any]] = [(_("Proposto"), referral.created_at)]
    if referral.sent_at:
        steps.append(
            (
                _("Inviato (%(how)s)") % {"how": SentHow(referral.sent_how).label},
                referral.sent_at,
            )
        )
    if referral.answered_at:
        # A refusal always has its reason, an acceptance never: this holds after closing too.
        label = (
            _("Rifiutato dal servizio") if referral.refusal_reason else _("Accettato dal servizio")
        )
        steps.append((label, referral.answered_at))
    if referral.first_appointment_at:
        steps.append((_("Primo appuntamento svolto"), referral.first_appointment_at))
    if referral.closed_at:
        steps.append((_("Chiuso"), referral.closed_at))
    return steps


def _render_page(
    request: HttpRequest, referral: Referral, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    user = _user(request)
    case: Case = referral.case
    can_act = referrals.can_refer(user, case)
    state = referral.status
    forms_by_state: dict[str, forms.Form] = {}
    if can_act:
        if state == ReferralStatus.PROPOSED:
            forms_by_state["send_form"] = SendForm(service=referral.to_service)
        if state == ReferralStatus.SENT:
            forms_by_state["answer_form"] = AnswerForm()
        if state == ReferralStatus.ACCEPTED:
            forms_by_state["appointment_form"] = FirstAppointmentForm()
        if state in referrals.CLOSABLE:
            forms_by_state["close_form"] = CloseReferralForm()
    forms_by_state.update(bound)
    _log_read(request, case, "invio ai servizi", object_type="referral", object_id=referral.pk)
    return render(
        request,
        "cases/referrals/referral.html",
        {
            "case": case,
            "referral": referral,
            "reference": reference_of(referral),
            "timeline": _timeline(referral),
            "shared_labels": [str(SharedItem(item).label) for item in referral.shared],
            "overdue": referral_queries.is_overdue(referral, catalogue.now()),
            "delivery": delivery_status(referral),
            "can_act": can_act,
            **forms_by_state,
        },
        status=status,
    )


@referral_staff
@require_GET
def referral_page(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    with transaction.atomic():
        referral = referral_queries.referral_for(_user(request), pk, referral_pk)
        return _render_page(request, referral)


@referral_staff
@require_GET
def letter(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    with transaction.atomic():
        referral = referral_queries.referral_for(_user(request), pk, referral_pk)
        _log_read(
            request,
            referral.case,
            "lettera di invio",
            object_type="referral",
            object_id=referral.pk,
        )
        content = letter_pdf(referral)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="lettera-invio-{reference_of(referral)}.pdf"'
    )
    return response


def _step(
    request: HttpRequest,
    pk: int,
    referral_pk: int,
    *,
    form_class: type[forms.Form],
    form_name: str,
    run: Any,
    form_kwargs: Any = None,
) -> HttpResponse:
    """Run one step from its form on the referral page; refused: the page again, with the
    reason beside the field and nothing written."""
    user = _user(request)
    with transaction.atomic():
        referral = referral_queries.referral_for(user, pk, referral_pk)
        if not referrals.can_refer(user, referral.case):
            raise Http404
        kwargs = form_kwargs(referral) if form_kwargs else {}
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            try:
                with transaction.atomic():
                    message = run(user, referral, form.cleaned_data)
            except ValidationError as error:
                _attach(form, error)
            else:
                messages.success(request, message)
                return redirect("cases:referral", pk=pk, referral_pk=referral_pk)
        return _render_page(request, referral, status=400, **{form_name: form})


@referral_staff
@require_POST
def send(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    def run(user: Any, referral: Referral, data: dict[str, Any]) -> str:
        sent = referrals.send_referral(user, referral.pk, how=data["how"])
        if sent.sent_how == SentHow.HANDED:
            return _("Invio registrato: scarica la lettera e consegnala alla persona.")
        return _("Lettera in partenza verso %(address)s.") % {"address": sent.sent_to}

    return _step(
        request,
        pk,
        referral_pk,
        form_class=SendForm,
        form_name="send_form",
        run=run,
        form_kwargs=lambda referral: {"service": referral.to_service},
    )


@referral_staff
@require_POST
def answer(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    def run(user: Any, referral: Referral, data: dict[str, Any]) -> str:
        referrals.record_answer(
            user,
            referral.pk,
            accepted=data["accepted"],
            refusal_reason=data["refusal_reason"],
        )
        return _("Risposta del servizio registrata.")

    return _step(request, pk, referral_pk, form_class=AnswerForm, form_name="answer_form", run=run)


@referral_staff
@require_POST
def first_appointment(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    def run(user: Any, referral: Referral, data: dict[str, Any]) -> str:
        referrals.record_first_appointment(user, referral.pk, held_at=data["held_at"])
        return _("Primo appuntamento registrato.")

    return _step(
        request,
        pk,
        referral_pk,
        form_class=FirstAppointmentForm,
        form_name="appointment_form",
        run=run,
    )


@referral_staff
@require_POST
def close(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    def run(user: Any, referral: Referral, data: dict[str, Any]) -> str:
        referrals.close_referral(user, referral.pk, note=data["note"])
        return _("Invio chiuso.")

    return _step(
        request, pk, referral_pk, form_class=CloseReferralForm, form_name="close_form", run=run
    )


# --- Every open referral ---------------------------------------------------------------------


@referral_staff
@require_GET
def open_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = referral_queries.open_referrals(user)
    return render(
        request,
        "cases/referrals/open_list.html",
        {"rows": rows, "overdue_count": sum(row.overdue for row in rows)},
    )
