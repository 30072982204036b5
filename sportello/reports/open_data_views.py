"""The public open-data pages: the list of releases, the files under their stable addresses,
the data dictionary and the DCAT-AP_IT catalogue. Everything here is already published: no
login, and nothing computed from the live figures."""

import datetime
import json

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sportello.reports import dcat, open_data
from sportello.reports.models import OpenDataRelease
from sportello.services import queries as catalogue


def release_path(item: OpenDataRelease, *, latest: bool = False) -> str:
    """The release's address, without the language prefix: a file has one address whatever
    language its reader browses in. ``latest`` gives the month's address, which follows the
    newest version."""
    kwargs = {"year": f"{item.month:%Y}", "month": f"{item.month:%m}"}
    with translation.override("it"):
        if latest:
            return reverse("open_data:month-csv", kwargs=kwargs)
        return reverse("open_data:version-csv", kwargs={**kwargs, "version": str(item.version)})


def neutral_path(name: str) -> str:
    with translation.override("it"):
        return reverse(f"open_data:{name}")


def _month(year: str, month: str) -> datetime.date:
    try:
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        raise Http404(_("Mese inesistente.")) from None


@require_GET
def releases_page(request: HttpRequest) -> HttpResponse:
    items = open_data.releases()
    months: dict[datetime.date, list[OpenDataRelease]] = {}
    for item in items:
        months.setdefault(item.month, []).append(item)
    english = (translation.get_language() or "it").startswith("en")
    dictionary = [
        {"kind": entry.kind, "name": entry.name, "text": entry.en if english else entry.it}
        for entry in open_data.dictionary_entries()
    ]
    return render(
        request,
        "reports/open_data.html",
        {
            "months": [
                {
                    "month": month,
                    "label": open_data.month_label(month),
                    "latest": versions[0],
                    "latest_url": release_path(versions[0], latest=True),
                    "versions": [
                        {
                            "release": version,
                            "url": release_path(version),
                            "size": open_data.byte_size(version),
                        }
                        for version in versions
                    ],
                }
                for month, versions in months.items()
            ],
            "columns": [entry for entry in dictionary if entry["kind"] == "colonna"],
            "tables": [entry for entry in dictionary if entry["kind"] == "tabella"],
            "symbols": [entry for entry in dictionary if entry["kind"] == "simbolo"],
            "threshold": open_data.disclosure_threshold(),
            "catalogue_url": neutral_path("catalogue"),
            "dictionary_url": neutral_path("dictionary"),
        },
    )


def _csv_response(request: HttpRequest, item: OpenDataRelease, *, latest: bool) -> HttpResponse:
    etag = f'"{item.sha256}"'
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(item.csv.encode("utf-8"), content_type="text/csv; charset=utf-8")
        filename = f"dati-aperti-{item.month:%Y-%m}-v{item.version}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = etag
    if latest:
        # The month's address moves to a correction: caches ask again (the ETag makes it cheap).
        patch_cache_control(response, public=True, no_cache=True)
    else:
        # A version's bytes never change.
        patch_cache_control(response, public=True, max_age=31_536_000, immutable=True)
    return response


@require_GET
def month_csv(request: HttpRequest, year: str, month: str) -> HttpResponse:
    item = open_data.release(_month(year, month))
    if item is None:
        raise Http404(_("Per questo mese non ci sono dati pubblicati."))
    return _csv_response(request, item, latest=True)


@require_GET
def version_csv(request: HttpRequest, year: str, month: str, version: str) -> HttpResponse:
    item = open_data.release(_month(year, month), int(version))
    if item is None:
        raise Http404(_("Questa versione dei dati non esiste."))
    return _csv_response(request, item, latest=False)


@require_GET
def dictionary_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        open_data.dictionary_csv().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="dizionario-dati.csv"'
    return response


@require_GET
def catalogue_jsonld(request: HttpRequest) -> HttpResponse:
    document = dcat.catalogue(
        catalogue.current_organisation(),
        open_data.releases(),
        catalogue_url=request.build_absolute_uri(neutral_path("catalogue")),
        page_url=request.build_absolute_uri(neutral_path("releases")),
        release_url=lambda item: request.build_absolute_uri(release_path(item)),
    )
    return HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"),
        content_type="application/ld+json; charset=utf-8",
    )
