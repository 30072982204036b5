"""The coordinator's page for the directory's HSDS data package: download the current one,
upload a new one and read what it added, changed and left, or why it was refused."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from sportello.accounts.view_guards import allowed_if
from sportello.directory import policies
from sportello.directory.hsds_operations import (
    MAX_ZIP_BYTES,
    PackageRefused,
    error_message,
    export_package,
    files_from_zip,
    import_package,
    package_to_zip,
)
from sportello.form_styling import BootstrapItaliaForm
from sportello.services import queries as catalogue


class PackageForm(BootstrapItaliaForm):
    archive = forms.FileField(
        label=gettext_lazy("Pacchetto HSDS (archivio .zip)"),
        help_text=gettext_lazy(
            "Un archivio zip con datapackage.json e i file CSV, senza cartelle. "
            "Le righe assenti dal pacchetto restano nella rete e sono elencate."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".zip,application/zip", "class": "form-control"}
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Solo controllo: mostra cosa cambierebbe senza importare"),
        required=False,
    )

    def clean_archive(self) -> bytes:
        upload = self.cleaned_data["archive"]
        if upload.size > MAX_ZIP_BYTES:
            raise forms.ValidationError(
                _("L'archivio è troppo grande: al massimo %(limit)d MB.")
                % {"limit": MAX_ZIP_BYTES // (1024 * 1024)}
            )
        return bytes(upload.read())


# Others do not learn that the pages exist.
coordinators_only = allowed_if(policies.maintains_directory, refused=Http404)


@coordinators_only
@require_http_methods(["GET", "POST"])
def package_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.method == "POST":
        form = PackageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                files = files_from_zip(form.cleaned_data["archive"])
                context["report"] = import_package(
                    request.user,  # type: ignore[arg-type]
                    files,
                    dry_run=form.cleaned_data["dry_run"],
                )
                form = PackageForm()
            except PackageRefused as refused:
                context["package_errors"] = [
                    {
                        "file": error.file,
                        "row": error.row,
                        "column": error.column,
                        "message": error_message(error),
                    }
                    for error in refused.package_errors
                ]
    else:
        form = PackageForm()
    context["form"] = form
    status = 400 if form.errors or context.get("package_errors") else 200
    return render(request, "directory/hsds/package.html", context, status=status)


@coordinators_only
@require_GET
def download(request: HttpRequest) -> HttpResponse:
    name = f"rete-servizi-hsds-{catalogue.now():%Y%m%d}.zip"
    response = HttpResponse(package_to_zip(export_package()), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
