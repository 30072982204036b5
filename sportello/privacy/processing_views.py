"""The records of processing in the DPO's console: the register, the edit of one entry and the
register as CSV and PDF. The DPO's alone: the register describes the desk's processing, and
keeping it is the DPO's task (coordinators do not need it to supervise the team)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sportello.accounts.models import User
from sportello.privacy import policies, processing_records
from sportello.privacy.models import ProcessingActivity
from sportello.privacy.processing_forms import ProcessingActivityForm
from sportello.privacy.views import allowed_if
from sportello.services import queries as catalogue


def _attach(form: ProcessingActivityForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@allowed_if(policies.is_data_protection_officer)
@require_GET
def processing_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/processing_list.html",
        {"activities": processing_records.processing_records()},
    )


@allowed_if(policies.is_data_protection_officer)
@require_http_methods(["GET", "POST"])
def processing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = ProcessingActivity.objects.filter(pk=pk).first()
    if activity is None:
        raise Http404
    if request.method != "POST":
        form = ProcessingActivityForm.for_activity(activity)
        return render(request, "privacy/processing_edit.html", {"form": form, "activity": activity})
    form = ProcessingActivityForm(request.POST)
    if form.is_valid():
        user: User = request.user  # type: ignore[assignment]
        try:
            processing_records.update_processing_activity(user, activity.pk, form.changes())
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(
                request,
                _("Trattamento «%(name)s» aggiornato.") % {"name": form.cleaned_data["name"]},
            )
            return redirect(f"{reverse('privacy:processing-list')}#trattamento-{activity.pk}")
    return render(
        request, "privacy/processing_edit.html", {"form": form, "activity": activity}, status=400
    )


def _attachment(content: bytes, content_type: str, extension: str) -> HttpResponse:
    day = catalogue.now().astimezone(catalogue.desk_zone())
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="registro-trattamenti-{day:%Y%m%d}.{extension}"'
    )
    return response


@allowed_if(policies.is_data_protection_officer)
@require_GET
def processing_csv(request: HttpRequest) -> HttpResponse:
    return _attachment(processing_records.records_csv(), "text/csv; charset=utf-8", "csv")


@allowed_if(policies.is_data_protection_officer)
@require_GET
def processing_pdf(request: HttpRequest) -> HttpResponse:
    return _attachment(processing_records.records_pdf(), "application/pdf", "pdf")
