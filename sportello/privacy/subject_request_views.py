"""The DPO's pages for data-subject requests: the open requests by deadline, registering one,
and one request's page with its actions and the person's legal holds. Anyone else gets a 404:
staff who may not use these pages are not told that they exist."""

import datetime
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.accounts.models import User
from sportello.privacy import policies
from sportello.privacy import subject_request_queries as queries
from sportello.privacy import subject_requests as operations
from sportello.privacy.models import DataSubjectRequest, LegalHold, RequestKind, RequestStatus
from sportello.privacy.operations import record_access
from sportello.privacy.subject_request_forms import (
    CloseRequestForm,
    ExtendDeadlineForm,
    LegalHoldForm,
    LinkPersonForm,
    RectifyForm,
    RegisterRequestForm,
)
from sportello.privacy.views import View, allowed_if
from sportello.services import queries as catalogue


def dpo_only(view: View) -> View:
    """The DPO only; a request or hold that does not exist is a 404 like a refused page."""

    @wraps(view)
    def found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (DataSubjectRequest.DoesNotExist, LegalHold.DoesNotExist):
            raise Http404 from None

    return allowed_if(policies.is_data_protection_officer)(found)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@dpo_only
@require_GET
def requests(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "privacy/requests.html",
        {
            "rows": queries.open_requests(user),
            "closed": queries.recently_closed(user),
            "near_days": queries.NEAR_DEADLINE_DAYS,
        },
    )


@dpo_only
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = operations.register_request(
                _user(request),
                form.cleaned_data["kind"],
                form.cleaned_data["requester"],
                form.cleaned_data["details"],
                received_at=form.received_at(),
                person=form.cleaned_data["person"],
            )
        except ValidationError as error:
            _add_errors(form, error, field_map={"received_at": "received_on"})
        else:
            messages.success(
                request,
                _("Richiesta %(reference)s registrata: da evadere entro il %(due)s.")
                % {"reference": created.reference, "due": f"{_local(created.due_at):%d/%m/%Y}"},
            )
            return redirect("privacy:request", pk=created.pk)
    return render(
        request,
        "privacy/requests_register.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _local(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(catalogue.desk_zone())


def _add_errors(
    form: Form, error: ValidationError, field_map: dict[str, str] | None = None
) -> None:
    """An operation's refusal on the form: per field where the field is on the form."""
    field_map = field_map or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            field = field_map.get(name, name)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _detail(request: HttpRequest, pk: int, *, status: int = 200, **bound: Form) -> HttpResponse:
    user = _user(request)
    dsr = queries.request_for(user, pk)
    person = dsr.person
    context: dict[str, Any] = {
        "dsr": dsr,
        "row": queries.row_of(dsr),
        "is_open": dsr.status == RequestStatus.OPEN,
        "kinds": RequestKind,
        "summary": queries.person_summary(user, person) if person else None,
        "link_form": bound.get("link_form") or LinkPersonForm(),
        "extend_form": bound.get("extend_form") or ExtendDeadlineForm(),
        "close_form": bound.get("close_form") or CloseRequestForm(),
        "hold_form": bound.get("hold_form") or LegalHoldForm(),
        "rectify_form": bound.get("rectify_form"),
        "action_error": bound.get("action_error"),
    }
    if context["rectify_form"] is None and person and dsr.kind == RequestKind.RECTIFICATION:
        # The form shows the person's name and contacts, decrypted: a read to answer for.
        with transaction.atomic():
            record_access(
                request,
                user,
                object_type="person",
                object_id=person.pk,
                purpose=dsr.reference,
            )
        context["rectify_form"] = RectifyForm.for_person(person)
    return render(request, "privacy/requests_detail.html", context, status=status)


@dpo_only
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _dsr(request: HttpRequest, pk: int) -> DataSubjectRequest:
    return queries.request_for(_user(request), pk)


def _refused(request: HttpRequest, pk: int, error: ValidationError) -> HttpResponse:
    """An action without a form of its own: the page again, saying why, nothing changed."""
    return _detail(request, pk, status=400, action_error=" ".join(error.messages))  # type: ignore[arg-type]


def _done(request: HttpRequest, pk: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("privacy:request", pk=pk)


@dpo_only
@require_POST
def link_person(request: HttpRequest, pk: int) -> HttpResponse:
    form = LinkPersonForm(request.POST)
    if form.is_valid():
        try:
            operations.link_person(_dsr(request, pk), form.cleaned_data["person"], _user(request))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _done(request, pk, _("Richiesta collegata alla persona."))
    return _detail(request, pk, status=400, link_form=form)


@dpo_only
@require_POST
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    form = ExtendDeadlineForm(request.POST)
    if form.is_valid():
        try:
            extended = operations.extend_deadline(
                _dsr(request, pk),
                form.cleaned_data["reason"],
                _user(request),
                months=form.cleaned_data["months"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _done(
                request,
                pk,
                _("Termine prorogato al %(due)s.") % {"due": f"{_local(extended.due_at):%d/%m/%Y}"},
            )
    return _detail(request, pk, status=400, extend_form=form)


@dpo_only
@require_POST
def rectify(request: HttpRequest, pk: int) -> HttpResponse:
    form = RectifyForm(request.POST)
    if form.is_valid():
        try:
            changed = operations.rectify(_dsr(request, pk), _user(request), form.changes())
        except ValidationError as error:
            _add_errors(form, error, field_map={"preferred_language_id": "preferred_language"})
        else:
            return _done(
                request, pk, _("Dati rettificati: %(n)d campi cambiati.") % {"n": len(changed)}
            )
    return _detail(request, pk, status=400, rectify_form=form)


@dpo_only
@require_POST
def restrict(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        operations.restrict(_dsr(request, pk), _user(request))
    except ValidationError as error:
        return _refused(request, pk, error)
    return _done(
        request, pk, _("Trattamento limitato: le prese in carico non si possono modificare.")
    )


@dpo_only
@require_POST
def lift_restriction(request: HttpRequest, pk: int) -> HttpResponse:
    dsr = _dsr(request, pk)
    if dsr.person is None:
        raise Http404
    try:
        operations.lift_restriction(dsr.person, _user(request))
    except ValidationError as error:
        return _refused(request, pk, error)
    return _done(request, pk, _("Limitazione del trattamento revocata."))


@dpo_only
@require_POST
def erase(request: HttpRequest, pk: int) -> HttpResponse:
    if request.POST.get("confirm") != "1":
        return _refused(
            request, pk, ValidationError(_("Conferma la cancellazione spuntando la casella."))
        )
    try:
        counts = operations.erase(_dsr(request, pk), _user(request))
    except ValidationError as error:
        return _refused(request, pk, error)
    total = sum(counts.values())
    return _done(request, pk, _("Cancellazione eseguita: %(n)d dati trattati.") % {"n": total})


@dpo_only
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    form = CloseRequestForm(request.POST)
    if form.is_valid():
        try:
            operations.close_request(
                _dsr(request, pk),
                _user(request),
                form.cleaned_data["status"],
                form.cleaned_data["answer"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _done(request, pk, _("Richiesta chiusa."))
    return _detail(request, pk, status=400, close_form=form)


@dpo_only
@require_POST
def place_hold(request: HttpRequest, pk: int) -> HttpResponse:
    dsr = _dsr(request, pk)
    if dsr.person is None:
        raise Http404
    form = LegalHoldForm(request.POST)
    if form.is_valid():
        try:
            operations.place_legal_hold(dsr.person, form.cleaned_data["reason"], _user(request))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _done(request, pk, _("Vincolo di conservazione disposto."))
    return _detail(request, pk, status=400, hold_form=form)


@dpo_only
@require_POST
def lift_hold(request: HttpRequest, pk: int, hold_pk: int) -> HttpResponse:
    dsr = _dsr(request, pk)
    hold = LegalHold.objects.get(pk=hold_pk, person_id=dsr.person_id)
    try:
        operations.lift_legal_hold(hold, _user(request))
    except ValidationError as error:
        return _refused(request, pk, error)
    return _done(request, pk, _("Vincolo di conservazione revocato."))


@dpo_only
@require_GET
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The access export, produced (and its read logged) on each download; no copy is kept."""
    if fmt not in ("json", "pdf"):
        raise Http404
    try:
        produced = operations.answer_access(_dsr(request, pk), _user(request), http_request=request)
    except ValidationError as error:
        return _refused(request, pk, error)
    if fmt == "pdf":
        response = HttpResponse(produced.pdf_bytes(), content_type="application/pdf")
    else:
        response = HttpResponse(
            produced.json_bytes(), content_type="application/json; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{produced.filename(fmt)}"'
    return response
