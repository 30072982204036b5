"""The DPO's forms for data-subject requests and legal holds."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Language
from sportello.cases.models import MUNICIPI, Person
from sportello.form_styling import BootstrapItaliaForm
from sportello.privacy.models import RequestKind, RequestStatus
from sportello.privacy.subject_request_queries import find_people
from sportello.services import queries as catalogue

PERSON_HELP = _(
    "Lo pseudonimo (P-…), il riferimento di una presa in carico (PC-…) o nome e cognome."
)


class PersonField(forms.CharField):
    """A person named by pseudonym, case reference or exact full name; exactly one."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Persona"))
        kwargs.setdefault("help_text", PERSON_HELP)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Person | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        people = find_people(text)
        if not people:
            raise forms.ValidationError(
                _("Nessuna persona corrisponde a «%(text)s».") % {"text": text}
            )
        if len(people) > 1:
            raise forms.ValidationError(
                _(
                    "Più persone hanno questo nome: usa lo pseudonimo o il riferimento della "
                    "presa in carico."
                )
            )
        return people[0]


class RegisterRequestForm(BootstrapItaliaForm):
    kind = forms.ChoiceField(
        label=_("Tipo di richiesta"),
        choices=RequestKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Scegli il tipo di richiesta.")},
    )
    requester = forms.CharField(
        label=_("Richiedente e identificazione"),
        max_length=2000,
        help_text=_("Chi ha scritto e come ne è stata verificata l'identità."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Scrivi chi ha fatto la richiesta e come si è identificato.")
        },
    )
    details = forms.CharField(
        label=_("Richiesta"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    received_on = forms.DateField(
        label=_("Ricevuta il"),
        required=False,
        help_text=_("Lascia vuoto se è arrivata oggi. Il termine è di un mese da questa data."),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Scrivi una data valida.")},
    )
    person = PersonField(required=False)

    def clean_received_on(self) -> datetime.date | None:
        day: datetime.date | None = self.cleaned_data.get("received_on")
        if day is None:
            return None
        today = catalogue.now().astimezone(catalogue.desk_zone()).date()
        if day > today:
            raise forms.ValidationError(_("La data di ricezione non può essere futura."))
        # A year back at most: an older request is long overdue, and a mistyped year (0001)
        # would overflow the deadline's arithmetic.
        if day.year < 2000 or day < _a_year_before(today):
            raise forms.ValidationError(
                _(
                    "La data di ricezione è di più di un anno fa: controlla l'anno (la "
                    "richiesta va registrata quando arriva)."
                )
            )
        return day

    def received_at(self) -> datetime.datetime | None:
        """The day received, at the time of day it is now (today: now)."""
        day: datetime.date | None = self.cleaned_data.get("received_on")
        if day is None:
            return None
        now = catalogue.now().astimezone(catalogue.desk_zone())
        return datetime.datetime.combine(day, now.time(), catalogue.desk_zone())


def _a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


class LinkPersonForm(BootstrapItaliaForm):
    prefix = "link"  # several forms share the request's page: ids must differ

    person = PersonField(error_messages={"required": _("Indica la persona.")})


class ExtendDeadlineForm(BootstrapItaliaForm):
    prefix = "extend"

    months = forms.TypedChoiceField(
        label=_("Proroga"),
        choices=[(2, _("due mesi")), (1, _("un mese"))],
        coerce=int,
        initial=2,
        error_messages={"required": _("Scegli la durata della proroga.")},
    )
    reason = forms.CharField(
        label=_("Motivo della proroga"),
        max_length=10000,
        help_text=_("Va comunicato alla persona entro il primo mese."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Scrivi il motivo della proroga.")},
    )


class RectifyForm(BootstrapItaliaForm):
    prefix = "rectify"

    full_name = forms.CharField(
        label=_("Nome e cognome"),
        required=False,
        max_length=200,
        help_text=_("Vuoto: la persona resta anonima."),
    )
    birth_year = forms.IntegerField(
        label=_("Anno di nascita"),
        required=False,
        error_messages={"invalid": _("L'anno di nascita è un numero.")},
    )
    municipio = forms.TypedChoiceField(
        label=_("Municipio"),
        required=False,
        choices=[("", _("non indicato"))] + [(n, str(n)) for n in range(1, MUNICIPI + 1)],
        coerce=int,
        empty_value=None,
    )
    preferred_language = forms.ModelChoiceField(
        label=_("Lingua preferita"),
        required=False,
        queryset=Language.objects.all(),
        empty_label=_("non indicata"),
    )
    phone = forms.CharField(label=_("Telefono"), required=False, max_length=30)
    email = forms.CharField(label=_("Email"), required=False, max_length=254)

    @classmethod
    def for_person(cls, person: Person) -> "RectifyForm":
        return cls(
            initial={
                "full_name": person.full_name,
                "birth_year": person.birth_year,
                "municipio": person.municipio,
                "preferred_language": person.preferred_language_id,
                "phone": person.phone,
                "email": person.email,
            }
        )

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        language = data.get("preferred_language")
        return {
            "full_name": data.get("full_name", ""),
            "birth_year": data.get("birth_year"),
            "municipio": data.get("municipio"),
            "preferred_language_id": language.pk if language else None,
            "phone": data.get("phone", ""),
            "email": data.get("email", ""),
        }


class CloseRequestForm(BootstrapItaliaForm):
    prefix = "close"

    status = forms.ChoiceField(
        label=_("Esito"),
        choices=[
            (RequestStatus.DONE, RequestStatus.DONE.label),
            (RequestStatus.REFUSED, RequestStatus.REFUSED.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Scegli se la richiesta è evasa o respinta.")},
    )
    answer = forms.CharField(
        label=_("Risposta data alla persona"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Scrivi la risposta data alla persona.")},
    )


class LegalHoldForm(BootstrapItaliaForm):
    prefix = "hold"

    reason = forms.CharField(
        label=_("Motivo del vincolo"),
        max_length=10000,
        help_text=_("Per esempio: ordine dell'autorità giudiziaria, reclamo pendente."),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Scrivi il motivo del vincolo.")},
    )
