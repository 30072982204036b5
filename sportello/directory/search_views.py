"""Searching the directory: a GET form whose results htmx refreshes on every change (the submit
button does the same without JavaScript), and a page per service."""

import uuid
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sportello.accounts.models import Language
from sportello.accounts.view_guards import allowed_if
from sportello.directory import queries
from sportello.directory.models import MUNICIPI, Service, TaxonomyTerm
from sportello.directory.policies import searches_directory
from sportello.form_styling import BootstrapItaliaForm

# Signed-in professionals and coordinators; anyone else signed in gets 403.
searchers_only = allowed_if(searches_directory)


class SearchForm(BootstrapItaliaForm):
    need = forms.ChoiceField(label=_("Bisogno"), required=False)
    municipio = forms.TypedChoiceField(
        label=_("Municipio"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Tutta la città"))]
        + [
            (str(number), _("Municipio %(n)d") % {"n": number}) for number in range(1, MUNICIPI + 1)
        ],
    )
    language = forms.ChoiceField(label=_("Lingua"), required=False)
    q = forms.CharField(
        label=_("Testo libero"),
        required=False,
        max_length=100,
        help_text=_("Nome del servizio o dell'ente, o parole della descrizione."),
    )
    open_now = forms.BooleanField(label=_("Aperto adesso"), required=False)
    free = forms.BooleanField(label=_("Gratuito"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [("", _("Tutti i bisogni"))] + [
            (term.code, queries.term_name(term)) for term in TaxonomyTerm.objects.all()
        ]
        self.fields["language"].choices = [("", _("Tutte le lingue"))] + [
            (language.code, language.name) for language in Language.objects.all()
        ]

    def criteria(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "need": data["need"] or None,
            "municipio": data["municipio"],
            "language": data["language"] or None,
            "text": data["q"],
            "open_now": data["open_now"],
            "free_only": data["free"],
        }


@searchers_only
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    results = queries.search(**form.criteria()) if form.is_valid() else None
    context = {"form": form, "results": results}
    if request.headers.get("HX-Request"):
        return render(request, "directory/_results.html", {**context, "oob": True})
    return render(request, "directory/search.html", context)


@searchers_only
@require_GET
def service(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    try:
        found = queries.service_detail(pk)
    except Service.DoesNotExist:
        raise Http404 from None
    return render(request, "directory/service.html", {"found": found})
