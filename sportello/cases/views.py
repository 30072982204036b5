"""Pages of the case record. Every page that shows a case is read, logged and rendered in one
transaction, so no read happens without its access-log row; anyone the policy refuses gets a
404, as if the case did not exist; no page is ever cached."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.accounts.models import User
from sportello.appointments import queries as appointment_queries
from sportello.cases import operations, policies, queries, referral_queries, section_forms
from sportello.cases.forms import (
    AssignForm,
    BreakGlassForm,
    CloseForm,
    ConsentForm,
    GoalsForm,
    LinkContactForm,
    OpenCaseForm,
    PersonForm,
    SessionForm,
    TeamForm,
    TransferForm,
)
from sportello.cases.models import Case, Consent, Session
from sportello.intake.models import Contact
from sportello.privacy.operations import record_access
from sportello.services import queries as catalogue

View = Callable[..., HttpResponse]
NOT_FOUND = (Case.DoesNotExist, Session.DoesNotExist, Consent.DoesNotExist, Contact.DoesNotExist)


def staff_pages(not_found: tuple[type[Exception], ...]) -> Callable[[View], View]:
    """Signed-in professionals and coordinators; for anyone else, and for any object the policy
    hides (``not_found``) or any operation the policy refuses, the page does not exist."""

    def decorate(view: View) -> View:
        @never_cache
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not policies.works_on_cases(request.user):  # type: ignore[arg-type]
                raise Http404
            try:
                return view(request, *args, **kwargs)
            except (*not_found, PermissionDenied):
                raise Http404 from None

        return guarded

    return decorate


case_staff = staff_pages(NOT_FOUND)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _log_read(
    request: HttpRequest,
    case: Case,
    purpose: str,
    *,
    object_type: str = "case",
    object_id: int | None = None,
) -> None:
    """One access-log row for what this response shows; marked when only a break-glass grant
    lets the user see it."""
    user = _user(request)
    record_access(
        request,
        user,
        object_type=object_type,
        object_id=object_id if object_id is not None else case.pk,
        case_id=case.pk,
        purpose=purpose,
        break_glass=not policies.follows(user, case)
        and not policies.coordinates(user, case.service_id),
    )


def _attach(form: forms.Form, error: ValidationError) -> None:
    """An operation's refusal shown beside the field it is about, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _refused(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# --- Homes and search ------------------------------------------------------------------------


@case_staff
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "cases/home.html",
        {"home": queries.professional_home(user), "is_coordinator": policies.is_coordinator(user)},
    )


@case_staff
@require_GET
def coordination(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policies.is_coordinator(user):
        raise Http404
    return render(request, "cases/coordination.html", {"home": queries.coordination_home(user)})


@case_staff
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    result = queries.search(_user(request), request.GET.get("q", ""))
    return render(request, "cases/search.html", {"result": result})


# --- Opening a case --------------------------------------------------------------------------


def _contact_id(request: HttpRequest) -> int:
    raw = request.GET.get("contatto", "")
    if not raw.isdigit():
        raise Http404
    return int(raw)


@case_staff
@require_http_methods(["GET", "POST"])
def open_case(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    contact = queries.contact_for_new_case(user, _contact_id(request))
    form = OpenCaseForm(request.POST or None, initial={"anonymous": True})
    if request.method == "POST" and form.is_valid():
        try:
            case = operations.open_case(
                user,
                contact.pk,
                person_data=form.person_data(),
                goals=form.cleaned_data["goals"],
                anonymous=form.cleaned_data["anonymous"],
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(
                request,
                _("Presa in carico %(reference)s aperta per %(pseudonym)s.")
                % {"reference": case.reference, "pseudonym": case.person.pseudonym},
            )
            return redirect("cases:case", pk=case.pk)
    return render(
        request,
        "cases/open.html",
        {"contact": contact, "form": form, "existing": queries.open_case_of(contact.pk)},
        status=400 if form.errors else 200,
    )


# --- The case page and the session page ------------------------------------------------------


@case_staff
@require_GET
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    with transaction.atomic():
        page = queries.case_page(user, pk)
        _log_read(request, page.case, "scheda della presa in carico")
        return render(
            request,
            "cases/case.html",
            {
                "page": page,
                "case": page.case,
                "assign_form": AssignForm(
                    service=page.case.service,
                    initial={"professional": page.case.primary_professional_id},
                )
                if page.can_assign
                else None,
                "link_form": LinkContactForm() if page.can_write else None,
                "appointments": appointment_queries.case_appointments(user, page.case),
                "referrals": referral_queries.case_referrals(user, page.case),
            },
        )


@case_staff
@require_GET
def session_page(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    user = _user(request)
    with transaction.atomic():
        session = queries.session_for(user, pk, session_pk)
        _log_read(
            request,
            session.case,
            "note del colloquio",
            object_type="session",
            object_id=session.pk,
        )
        return render(request, "cases/session.html", {"session": session, "case": session.case})


# --- Form pages: read (and log) the case, show the form, run one operation -------------------


def _form_page(
    request: HttpRequest,
    pk: int,
    *,
    allowed: Callable[[User, Case], bool],
    build: Callable[[Case, Any], forms.Form],
    run: Callable[[User, Case, Any], str],
    title: str,
    submit: str,
    purpose: str,
    extra: Callable[[Case], dict[str, Any]] | None = None,
) -> HttpResponse:
    user = _user(request)
    with transaction.atomic():
        case = queries.case_for(user, pk)
        if not allowed(user, case):
            raise Http404
        form = build(case, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    message = run(user, case, form)
            except ValidationError as error:
                _attach(form, error)
            else:
                messages.success(request, message)
                return redirect("cases:case", pk=case.pk)
        _log_read(request, case, purpose)
        return render(
            request,
            "cases/form_page.html",
            {
                "case": case,
                "form": form,
                "title": title,
                "submit": submit,
                **(extra(case) if extra else {}),
            },
            status=400 if form.errors else 200,
        )


@case_staff
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, case: Case, form: PersonForm) -> str:
        operations.update_person(
            user, case.pk, form.person_data(), anonymous=form.cleaned_data["anonymous"]
        )
        return _("Dati della persona aggiornati.")

    return _form_page(
        request,
        pk,
        allowed=policies.can_write_record,
        build=lambda case, data: PersonForm(data, initial=PersonForm.initial_for(case)),
        run=run,
        title=_("Dati della persona"),
        submit=_("Salva i dati"),
        purpose="modifica dei dati della persona",
    )


@case_staff
@require_http_methods(["GET", "POST"])
def goals(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, case: Case, form: GoalsForm) -> str:
        operations.set_goals(user, case.pk, form.cleaned_data["goals"])
        return _("Obiettivi aggiornati.")

    return _form_page(
        request,
        pk,
        allowed=policies.can_write_record,
        build=lambda case, data: GoalsForm(data, initial={"goals": case.goals}),
        run=run,
        title=_("Obiettivi"),
        submit=_("Salva gli obiettivi"),
        purpose="modifica degli obiettivi",
    )


@case_staff
@require_http_methods(["GET", "POST"])
def section(request: HttpRequest, pk: int) -> HttpResponse:
    def build(case: Case, data: Any) -> forms.Form:
        form_class = section_forms.section_form_class(case.service_id)
        initial = section_forms.initial_from(
            queries.section_answers(case), form_class.section_fields
        )
        return form_class(data, initial=initial)

    def run(user: User, case: Case, form: section_forms.SectionForm) -> str:
        operations.save_section(user, case.pk, form.cleaned_data)
        return _("Sezione del servizio salvata.")

    return _form_page(
        request,
        pk,
        allowed=policies.can_write_record,
        build=build,
        run=run,
        title=_("Sezione del servizio"),
        submit=_("Salva la sezione"),
        purpose="sezione del servizio",
    )


@case_staff
@require_http_methods(["GET", "POST"])
def new_session(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)

    def build(case: Case, data: Any) -> forms.Form:
        return SessionForm(
            data,
            case=case,
            initial={
                "held_at": timezone.localtime(catalogue.now()).replace(second=0, microsecond=0),
                "participants": [user.pk] if policies.follows(user, case) else [],
                "mode": "phone",
            },
        )

    def run(user: User, case: Case, form: SessionForm) -> str:
        data = form.cleaned_data
        operations.record_session(
            user,
            case.pk,
            held_at=data["held_at"],
            mode=data["mode"],
            duration_minutes=data["duration_minutes"],
            participant_ids=[member.pk for member in data["participants"]],
            other_participants=data["other_participants"],
            notes=data["notes"],
            next_steps=data["next_steps"],
        )
        return _("Colloquio registrato.")

    return _form_page(
        request,
        pk,
        allowed=policies.can_write_record,
        build=build,
        run=run,
        title=_("Registra un colloquio"),
        submit=_("Registra il colloquio"),
        purpose="registrazione di un colloquio",
    )


@case_staff
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, case: Case, form: ConsentForm) -> str:
        operations.record_consent(
            user,
            case.pk,
            given_how=form.cleaned_data["given_how"],
            given_at=form.cleaned_data["given_at"],
        )
        return _("Consenso informato registrato.")

    return _form_page(
        request,
        pk,
        allowed=policies.can_write_record,
        build=lambda case, data: ConsentForm(data),
        run=run,
        title=_("Consenso informato"),
        submit=_("Registra il consenso"),
        purpose="consenso informato",
        extra=lambda case: {"consent_version": settings.SPORTELLO_CONSENT_TEXT_VERSION},
    )


@case_staff
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, case: Case, form: CloseForm) -> str:
        operations.close_case(user, case.pk, form.cleaned_data["outcome"])
        return _("Presa in carico %(reference)s chiusa.") % {"reference": case.reference}

    return _form_page(
        request,
        pk,
        allowed=policies.can_manage,
        build=lambda case, data: CloseForm(data),
        run=run,
        title=_("Chiudi la presa in carico"),
        submit=_("Chiudi"),
        purpose="chiusura",
        extra=lambda case: {"risks": queries.risk_by_case([case]).get(case.pk)},
    )


@case_staff
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, case: Case, form: TransferForm) -> str:
        moved = operations.transfer(
            user, case.pk, form.cleaned_data["to_service"], form.cleaned_data["reason"]
        )
        return _("Presa in carico trasferita al servizio «%(service)s».") % {
            "service": moved.service.name
        }

    return _form_page(
        request,
        pk,
        allowed=policies.can_manage,
        build=lambda case, data: TransferForm(data, case=case),
        run=run,
        title=_("Trasferisci ad altro servizio"),
        submit=_("Trasferisci"),
        purpose="trasferimento",
    )


@case_staff
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, case: Case, form: TeamForm) -> str:
        operations.set_team(user, case.pk, [member.pk for member in form.cleaned_data["members"]])
        return _("Équipe aggiornata.")

    return _form_page(
        request,
        pk,
        allowed=policies.can_assign,
        build=lambda case, data: TeamForm(
            data, case=case, initial={"members": [member.pk for member in case.team.all()]}
        ),
        run=run,
        title=_("Équipe"),
        submit=_("Salva l'équipe"),
        purpose="composizione dell'équipe",
    )


# --- One-button operations: run, then back to the page they came from ------------------------


def _back(request: HttpRequest, pk: int) -> HttpResponse:
    coordination = reverse("cases:coordination")
    if request.POST.get("next") == coordination:
        return redirect(coordination)
    return redirect("cases:case", pk=pk)


def _button(request: HttpRequest, pk: int, run: Callable[[], str]) -> HttpResponse:
    try:
        message = run()
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, message)
    return _back(request, pk)


@case_staff
@require_POST
def suspend(request: HttpRequest, pk: int) -> HttpResponse:
    def run() -> str:
        operations.suspend(_user(request), pk)
        return _("Presa in carico sospesa.")

    return _button(request, pk, run)


@case_staff
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def run() -> str:
        operations.reopen(_user(request), pk)
        return _("Presa in carico riaperta.")

    return _button(request, pk, run)


@case_staff
@require_POST
def withdraw_consent(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    def run() -> str:
        operations.withdraw_consent(_user(request), pk, consent_pk)
        return _("Revoca del consenso registrata.")

    return _button(request, pk, run)


@case_staff
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = queries.case_for(user, pk)
    if not policies.can_assign(user, case):
        raise Http404
    form = AssignForm(request.POST, service=case.service)

    def run() -> str:
        if not form.is_valid():
            raise ValidationError(form.errors["professional"])
        assigned = operations.assign(user, pk, form.cleaned_data["professional"].pk)
        return _("%(reference)s assegnata a %(name)s.") % {
            "reference": assigned.reference,
            "name": form.cleaned_data["professional"],
        }

    return _button(request, pk, run)


@case_staff
@require_POST
def link_contact(request: HttpRequest, pk: int) -> HttpResponse:
    form = LinkContactForm(request.POST)

    def run() -> str:
        if not form.is_valid():
            raise ValidationError(form.errors["contact"])
        operations.link_contact(_user(request), pk, form.contact_id())
        return _("Contatto collegato alla presa in carico.")

    return _button(request, pk, run)


# --- Break-glass -----------------------------------------------------------------------------


@case_staff
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest, pk: int) -> HttpResponse:
    """Exceptional access to a case the user does not follow: only its reference and service
    are shown until a reason is given."""
    user = _user(request)
    if not policies.can_break_glass(user):
        raise Http404
    case = Case.objects.only("pk", "reference", "service").select_related("service").get(pk=pk)
    if queries.visible_cases(user).filter(pk=pk).exists():
        return redirect("cases:case", pk=pk)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            operations.break_glass(user, pk, form.cleaned_data["reason"], request)
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.warning(
                request,
                _(
                    "Accesso eccezionale concesso per %(hours)d ore: è registrato e i "
                    "coordinatori ne sono avvisati."
                )
                % {"hours": policies.BREAK_GLASS_HOURS},
            )
            return redirect("cases:case", pk=pk)
    return render(
        request,
        "cases/break_glass.html",
        {"case": case, "form": form, "hours": policies.BREAK_GLASS_HOURS},
        status=400 if form.errors else 200,
    )
