"""The coordinator's pages for keeping the directory true: the list with who verified what and
when (and what is due for review), the service and organization forms, "verified today" and
"no longer active". Only coordinators: anyone else signed in gets 403."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sportello.accounts.view_guards import allowed_if
from sportello.directory import maintenance_queries, operations, policies
from sportello.directory.forms import (
    OrganizationForm,
    PhoneFormSet,
    ScheduleFormSet,
    ServiceForm,
    phone_initial,
    schedule_initial,
)
from sportello.directory.models import Organization, Service

DUE_PARAMETER = "da_verificare"


coordinators_only = allowed_if(policies.maintains_directory)


@coordinators_only
def directory_list(request: HttpRequest) -> HttpResponse:
    due_only = request.GET.get(DUE_PARAMETER) == "1"
    listing = maintenance_queries.maintenance_list(due_only=due_only)
    return render(
        request,
        "directory/maintenance/list.html",
        {"listing": listing, "due_parameter": DUE_PARAMETER},
    )


def _service_page(
    request: HttpRequest,
    form: ServiceForm,
    phones: Any,
    schedules: Any,
    service: Service | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "directory/maintenance/service_form.html",
        {"form": form, "phones": phones, "schedules": schedules, "service": service},
        status=status,
    )


def _save_service(request: HttpRequest, service: Service | None) -> HttpResponse:
    form = ServiceForm(request.POST)
    phones = PhoneFormSet(request.POST, prefix="phones")
    schedules = ScheduleFormSet(request.POST, prefix="schedules")
    if form.is_valid() & phones.is_valid() & schedules.is_valid():
        data = form.service_data(phones, schedules)
        try:
            if service is None:
                service = operations.create_service(request.user, data)
                messages.success(request, _("Servizio aggiunto alla rete."))
            else:
                service = operations.update_service(request.user, service, data)
                messages.success(request, _("Servizio aggiornato."))
        except ValidationError as error:
            form.show_refusal(error)
        else:
            return redirect("directory_admin:service", pk=service.pk)
    return _service_page(request, form, phones, schedules, service, status=400)


@coordinators_only
def service_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save_service(request, None)
    initial: dict[str, Any] = {}
    if organization_id := request.GET.get("ente"):
        initial["organization"] = organization_id
    return _service_page(
        request,
        ServiceForm(initial=initial),
        PhoneFormSet(prefix="phones"),
        ScheduleFormSet(prefix="schedules"),
        None,
    )


@coordinators_only
def service_edit(request: HttpRequest, pk: str) -> HttpResponse:
    service = get_object_or_404(Service.objects.select_related("organization"), pk=pk)
    if request.method == "POST":
        return _save_service(request, service)
    return _service_page(
        request,
        ServiceForm(initial=ServiceForm.initial_for(service)),
        PhoneFormSet(prefix="phones", initial=phone_initial(service)),
        ScheduleFormSet(prefix="schedules", initial=schedule_initial(service)),
        service,
    )


def _back(request: HttpRequest) -> HttpResponse:
    # Back to the list the button was pressed on (the review list stays the review list).
    if request.POST.get("next") == DUE_PARAMETER:
        return redirect(f"{_list_url()}?{DUE_PARAMETER}=1")
    return redirect(_list_url())


def _list_url() -> str:
    return reverse("directory_admin:list")


@require_POST
@coordinators_only
def service_verify(request: HttpRequest, pk: str) -> HttpResponse:
    service = get_object_or_404(Service, pk=pk)
    operations.mark_verified(request.user, service)
    messages.success(request, _("«%(name)s»: verificato oggi.") % {"name": service.name})
    return _back(request)


@require_POST
@coordinators_only
def service_deactivate(request: HttpRequest, pk: str) -> HttpResponse:
    service = get_object_or_404(Service, pk=pk)
    try:
        operations.mark_inactive(request.user, service)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("«%(name)s» è ora segnato come non attivo.") % {"name": service.name}
        )
    return redirect("directory_admin:service", pk=service.pk)


def _organization_page(
    request: HttpRequest,
    form: OrganizationForm,
    organization: Organization | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "directory/maintenance/organization_form.html",
        {"form": form, "organization": organization},
        status=status,
    )


@coordinators_only
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = operations.create_organization(
                request.user, form.organization_data(), is_sample=form.cleaned_data["is_sample"]
            )
        except ValidationError as error:
            form.show_refusal(error)
        else:
            messages.success(request, _("Ente aggiunto alla rete."))
            return redirect("directory_admin:organization", pk=organization.pk)
    return _organization_page(request, form, None, status=400 if request.method == "POST" else 200)


@coordinators_only
def organization_edit(request: HttpRequest, pk: str) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    if request.method != "POST":
        form = OrganizationForm(initial=OrganizationForm.initial_for(organization))
        return _organization_page(request, form, organization)
    form = OrganizationForm(request.POST)
    if form.is_valid():
        try:
            operations.update_organization(
                request.user,
                organization,
                form.organization_data(),
                is_sample=form.cleaned_data["is_sample"],
            )
        except ValidationError as error:
            form.show_refusal(error)
        else:
            messages.success(request, _("Ente aggiornato."))
            return redirect("directory_admin:organization", pk=organization.pk)
    return _organization_page(request, form, organization, status=400)


@require_POST
@coordinators_only
def organization_verify(request: HttpRequest, pk: str) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    operations.mark_verified(request.user, organization)
    messages.success(request, _("«%(name)s»: verificato oggi.") % {"name": organization.name})
    return _back(request)
