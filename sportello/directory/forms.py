"""The coordinator's forms for the directory: a service with everything that hangs off it (one
location, phones, weekly hours, areas, needs, languages) and an organization. The forms parse;
the operations decide (and refuse with per-field messages the views put back on the fields)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Language
from sportello.directory import operations
from sportello.directory.models import (
    MUNICIPI,
    Organization,
    Service,
    ServiceStatus,
    TaxonomyTerm,
)
from sportello.form_styling import BootstrapItaliaForm
from sportello.services.models import Service as DeskService

WEEKDAYS = [
    ("MO", _("lunedì")),
    ("TU", _("martedì")),
    ("WE", _("mercoledì")),
    ("TH", _("giovedì")),
    ("FR", _("venerdì")),
    ("SA", _("sabato")),
    ("SU", _("domenica")),
]
WHOLE_CITY = 0
MUNICIPIO_CHOICES = [(n, _("Municipio %(n)d") % {"n": n}) for n in range(1, MUNICIPI + 1)]


class ServiceForm(BootstrapItaliaForm):
    organization = forms.ModelChoiceField(
        Organization.objects.all(),
        required=False,
        label=_("Ente"),
        empty_label=_("— scegli un ente —"),
        help_text=_("Scegli l'ente dall'elenco oppure scrivi qui sotto il nome di un nuovo ente."),
    )
    new_organization_name = forms.CharField(
        required=False,
        max_length=200,
        label=_("Oppure un nuovo ente: nome"),
        help_text=_("Lascia vuoto se l'ente è già nell'elenco."),
    )
    name = forms.CharField(
        max_length=200,
        label=_("Nome del servizio"),
        error_messages={"required": _("Scrivi il nome del servizio.")},
    )
    alternate_name = forms.CharField(required=False, max_length=200, label=_("Altro nome"))
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Descrizione")
    )
    eligibility_description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("A chi si rivolge")
    )
    application_process = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Come accedere")
    )
    status = forms.ChoiceField(
        choices=ServiceStatus.choices, initial=ServiceStatus.ACTIVE, label=_("Stato")
    )
    email = forms.EmailField(required=False, max_length=254, label=_("Email"))
    pec_email = forms.EmailField(
        required=False,
        max_length=254,
        label=_("PEC"),
        help_text=_("Gli invii partono verso la PEC quando il servizio ne ha una."),
    )
    url = forms.URLField(required=False, max_length=200, label=_("Sito web"), assume_scheme="https")
    free_of_charge = forms.BooleanField(required=False, initial=True, label=_("Gratuito"))
    open_on_holidays = forms.BooleanField(
        required=False, label=_("Aperto anche nei giorni festivi (con gli stessi orari)")
    )
    fees_description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Costi"),
        help_text=_("Solo se il servizio non è gratuito."),
    )
    needs = forms.ModelMultipleChoiceField(
        TaxonomyTerm.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Bisogni a cui risponde"),
    )
    languages = forms.ModelMultipleChoiceField(
        Language.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Lingue in cui è offerto"),
    )
    location_name = forms.CharField(required=False, max_length=200, label=_("Nome della sede"))
    address_1 = forms.CharField(required=False, max_length=200, label=_("Indirizzo"))
    postal_code = forms.CharField(required=False, max_length=10, label=_("CAP"))
    city = forms.CharField(required=False, max_length=100, initial="Milano", label=_("Comune"))
    municipio = forms.TypedChoiceField(
        choices=[("", _("— nessuno —")), *MUNICIPIO_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Municipio della sede"),
    )
    areas = forms.TypedMultipleChoiceField(
        choices=[(WHOLE_CITY, _("Tutta la città")), *MUNICIPIO_CHOICES],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Zone servite"),
    )
    desk_service = forms.ModelChoiceField(
        DeskService.objects.all(),
        required=False,
        label=_("Servizio del dipartimento"),
        empty_label=_("— nessuno: servizio esterno —"),
        help_text=_("Un invio a un servizio del dipartimento è un trasferimento interno."),
    )
    is_sample = forms.BooleanField(
        required=False,
        label=_("Dato di esempio da verificare"),
        help_text=_("Togli il segno quando i dati sono stati sostituiti con quelli reali."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        has_existing = cleaned.get("organization") is not None
        has_new = bool((cleaned.get("new_organization_name") or "").strip())
        if has_existing and has_new:
            raise ValidationError(
                _("Scegli un ente dall'elenco oppure scrivi il nome di uno nuovo, non entrambi.")
            )
        if not has_existing and not has_new and "organization" not in self.errors:
            self.add_error("organization", _("Scegli l'ente o scrivi il nome di uno nuovo."))
        return cleaned

    @classmethod
    def initial_for(cls, service: Service) -> dict[str, Any]:
        at = service.at_locations.select_related("location").order_by("location__name").first()
        location = at.location if at else None
        return {
            "organization": service.organization_id,
            "name": service.name,
            "alternate_name": service.alternate_name,
            "description": service.description,
            "eligibility_description": service.eligibility_description,
            "application_process": service.application_process,
            "status": service.status,
            "email": service.email,
            "pec_email": service.pec_email,
            "url": service.url,
            "free_of_charge": service.free_of_charge,
            "open_on_holidays": service.open_on_holidays,
            "fees_description": service.fees_description,
            "needs": list(service.taxonomy_terms.all()),
            "languages": list(service.languages.all()),
            "location_name": location.name if location else "",
            "address_1": location.address_1 if location else "",
            "postal_code": location.postal_code if location else "",
            "city": location.city if location else "Milano",
            "municipio": location.municipio if location else None,
            "areas": [area.municipio or WHOLE_CITY for area in service.service_areas.all()],
            "desk_service": service.desk_service_id,
            "is_sample": service.is_sample,
        }

    def service_data(
        self, phones: "PhoneFormSet", schedules: "ScheduleFormSet"
    ) -> operations.ServiceData:
        data = self.cleaned_data
        organization = data["organization"] or operations.OrganizationData(
            name=data["new_organization_name"]
        )
        return operations.ServiceData(
            organization=organization,
            name=data["name"],
            alternate_name=data["alternate_name"],
            description=data["description"],
            url=data["url"],
            email=data["email"],
            pec_email=data["pec_email"],
            status=data["status"],
            eligibility_description=data["eligibility_description"],
            application_process=data["application_process"],
            free_of_charge=data["free_of_charge"],
            open_on_holidays=data["open_on_holidays"],
            fees_description=data["fees_description"],
            location=operations.LocationData(
                name=data["location_name"],
                address_1=data["address_1"],
                postal_code=data["postal_code"],
                city=data["city"] or "Milano",
                municipio=data["municipio"],
            ),
            phones=tuple(
                operations.PhoneData(number=row["number"], description=row["description"])
                for row in _filled(phones)
            ),
            schedules=tuple(
                operations.ScheduleData(
                    byday=tuple(row["days"]),
                    opens_at=row["opens_at"],
                    closes_at=row["closes_at"],
                    description=row["description"],
                )
                for row in _filled(schedules)
            ),
            areas=tuple(
                operations.AreaData(name=str(_("Tutta la città")), municipio=None)
                if value == WHOLE_CITY
                else operations.AreaData(
                    name=str(_("Municipio %(n)d") % {"n": value}), municipio=value
                )
                for value in sorted(data["areas"])
            ),
            needs=tuple(data["needs"]),
            languages=tuple(data["languages"]),
            desk_service=data["desk_service"],
            is_sample=data["is_sample"],
        )

    def show_refusal(self, error: ValidationError) -> None:
        """Put an operation's refusal on the fields it names; the rest on top of the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            target = {"organization_name": "new_organization_name"}.get(name, name)
            self.add_error(target if target in self.fields else None, messages)


class PhoneForm(BootstrapItaliaForm):
    number = forms.CharField(required=False, max_length=30, label=_("Numero"))
    description = forms.CharField(
        required=False, max_length=200, label=_("Descrizione (ad esempio: segreteria)")
    )

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("number") or "").strip()


class ScheduleForm(BootstrapItaliaForm):
    days = forms.MultipleChoiceField(
        choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple, label=_("Giorni")
    )
    opens_at = forms.TimeField(
        required=False, label=_("Apre alle"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    closes_at = forms.TimeField(
        required=False, label=_("Chiude alle"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    description = forms.CharField(required=False, max_length=200, label=_("Note"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            self.fields[name].widget.attrs.setdefault("class", "form-control")

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("days") or data.get("opens_at") or data.get("closes_at"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.is_blank():
            return cleaned
        if not cleaned.get("days"):
            self.add_error("days", _("Scegli almeno un giorno."))
        for name in ("opens_at", "closes_at"):
            if cleaned.get(name) is None and name not in self.errors:
                self.add_error(name, _("Scrivi l'ora, ad esempio 09:00."))
        return cleaned


def _filled(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    return [form.cleaned_data for form in formset.forms if not form.is_blank()]


PhoneFormSet = formset_factory(PhoneForm, extra=2)
ScheduleFormSet = formset_factory(ScheduleForm, extra=2)


def phone_initial(service: Service) -> list[dict[str, str]]:
    return [{"number": p.number, "description": p.description} for p in service.phones.all()]


def schedule_initial(service: Service) -> list[dict[str, Any]]:
    return [
        {
            "days": schedule.byday.split(","),
            "opens_at": schedule.opens_at,
            "closes_at": schedule.closes_at,
            "description": schedule.description,
        }
        for schedule in service.schedules.order_by("opens_at")
    ]


class OrganizationForm(BootstrapItaliaForm):
    name = forms.CharField(
        max_length=200,
        label=_("Nome dell'ente"),
        error_messages={"required": _("Scrivi il nome dell'ente.")},
    )
    alternate_name = forms.CharField(required=False, max_length=200, label=_("Altro nome"))
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Descrizione")
    )
    email = forms.EmailField(required=False, max_length=254, label=_("Email"))
    website = forms.URLField(
        required=False, max_length=200, label=_("Sito web"), assume_scheme="https"
    )
    is_sample = forms.BooleanField(required=False, label=_("Dato di esempio da verificare"))

    @classmethod
    def initial_for(cls, organization: Organization) -> dict[str, Any]:
        return {
            name: getattr(organization, name)
            for name in ("name", "alternate_name", "description", "email", "website", "is_sample")
        }

    def organization_data(self) -> operations.OrganizationData:
        data = self.cleaned_data
        return operations.OrganizationData(
            name=data["name"],
            alternate_name=data["alternate_name"],
            description=data["description"],
            email=data["email"],
            website=data["website"],
        )

    def show_refusal(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)
