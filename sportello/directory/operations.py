"""Every change to the directory: one function per operation, in a transaction, with its audit
row. Input is checked whole before anything is written, so a refusal lists every problem (per
field, in Italian) and leaves the directory as it was."""

import datetime
import re
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from sportello.accounts.models import Language, User
from sportello.directory import policies
from sportello.directory.models import (
    MUNICIPI,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from sportello.privacy.operations import record_audit
from sportello.services import queries as catalogue
from sportello.services.models import Service as DeskService

# iCalendar BYDAY codes, Monday first (HSDS schedules use them).
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ./-]{1,28}$")

Actor = User | AnonymousUser | None
Errors = dict[str, list[str]]


@dataclass(frozen=True)
class OrganizationData:
    name: str
    alternate_name: str = ""
    description: str = ""
    email: str = ""
    website: str = ""


@dataclass(frozen=True)
class LocationData:
    address_1: str = ""
    name: str = ""
    postal_code: str = ""
    city: str = "Milano"
    region: str = "Lombardia"
    municipio: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.address_1.strip() or self.name.strip())


@dataclass(frozen=True)
class PhoneData:
    number: str
    description: str = ""


@dataclass(frozen=True)
class ScheduleData:
    byday: tuple[str, ...]
    opens_at: datetime.time
    closes_at: datetime.time
    description: str = ""


@dataclass(frozen=True)
class AreaData:
    name: str
    municipio: int | None = None  # None: the whole city


@dataclass(frozen=True)
class ServiceData:
    """A service and everything that hangs off it; ``organization`` is an existing one, or the
    data of a new one written in the same transaction."""

    organization: Organization | OrganizationData
    name: str
    alternate_name: str = ""
    description: str = ""
    url: str = ""
    email: str = ""
    pec_email: str = ""
    status: str = ServiceStatus.ACTIVE
    eligibility_description: str = ""
    application_process: str = ""
    free_of_charge: bool = True
    fees_description: str = ""
    open_on_holidays: bool = False
    location: LocationData | None = None
    phones: tuple[PhoneData, ...] = ()
    schedules: tuple[ScheduleData, ...] = ()
    areas: tuple[AreaData, ...] = ()
    needs: tuple[TaxonomyTerm, ...] = ()
    languages: tuple[Language, ...] = ()
    desk_service: DeskService | None = None
    is_sample: bool = False


# --- checks -------------------------------------------------------------------------------


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _check_email(errors: Errors, name: str, value: str) -> None:
    if value:
        try:
            validate_email(value)
        except ValidationError:
            _add(errors, name, _("Scrivi un indirizzo email valido, ad esempio nome@ente.it."))


def _check_url(errors: Errors, name: str, value: str) -> None:
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            _add(errors, name, _("Scrivi un indirizzo web completo, che inizi con https://."))


def _check_municipio(errors: Errors, name: str, value: int | None) -> None:
    if value is not None and not 1 <= value <= MUNICIPI:
        _add(errors, name, _("Il municipio va da 1 a %(last)d.") % {"last": MUNICIPI})


def _organization_errors(data: OrganizationData, prefix: str = "") -> Errors:
    errors: Errors = {}
    if not data.name.strip():
        _add(errors, f"{prefix}name", _("Scrivi il nome dell'ente."))
    _check_email(errors, f"{prefix}email", data.email.strip())
    _check_url(errors, f"{prefix}website", data.website.strip())
    return errors


def _service_errors(data: ServiceData, service: Service | None = None) -> Errors:
    errors: Errors = {}
    if isinstance(data.organization, OrganizationData):
        errors.update(_organization_errors(data.organization, prefix="organization_"))
    if not data.name.strip():
        _add(errors, "name", _("Scrivi il nome del servizio."))
    _check_email(errors, "email", data.email.strip())
    _check_email(errors, "pec_email", data.pec_email.strip())
    _check_url(errors, "url", data.url.strip())
    if data.status not in ServiceStatus.values:
        _add(errors, "status", _("Scegli uno stato dall'elenco."))
    if not data.free_of_charge and not data.fees_description.strip():
        _add(errors, "fees_description", _("Se il servizio non è gratuito, indica i costi."))
    if data.location is not None:
        _check_municipio(errors, "municipio", data.location.municipio)
        if data.location.municipio is not None and not data.location.address_1.strip():
            _add(errors, "address_1", _("Scrivi l'indirizzo della sede."))
    for phone in data.phones:
        if not PHONE_PATTERN.match(phone.number.strip()):
            _add(
                errors,
                "phones",
                _("«%(number)s» non è un numero di telefono: usa solo cifre, spazi e +.")
                % {"number": phone.number},
            )
    for schedule in data.schedules:
        if not schedule.byday:
            _add(errors, "schedules", _("Per ogni orario scegli almeno un giorno."))
        elif any(day not in WEEKDAY_CODES for day in schedule.byday):
            _add(errors, "schedules", _("Giorno della settimana non valido."))
        if schedule.opens_at >= schedule.closes_at:
            _add(
                errors,
                "schedules",
                _("Orario %(opens)s–%(closes)s: l'apertura deve venire prima della chiusura.")
                % {
                    "opens": f"{schedule.opens_at:%H:%M}",
                    "closes": f"{schedule.closes_at:%H:%M}",
                },
            )
    for area in data.areas:
        if not area.name.strip():
            _add(errors, "areas", _("Ogni zona servita ha un nome."))
        _check_municipio(errors, "areas", area.municipio)
    if data.desk_service is not None:
        taken = Service.objects.filter(desk_service=data.desk_service)
        if service is not None:
            taken = taken.exclude(pk=service.pk)
        if taken.exists():
            _add(
                errors,
                "desk_service",
                _("Questo servizio del dipartimento è già collegato a un'altra voce della rete."),
            )
    return errors


def _raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _require_maintainer(actor: Actor) -> None:
    if actor is None or not policies.maintains_directory(actor):
        raise PermissionDenied(_("Solo i coordinatori aggiornano la rete dei servizi."))


def _audit(actor: Actor, entry: Organization | Service, action: str, **detail: object) -> None:
    record_audit(
        actor,
        object_type=f"directory.{type(entry).__name__.lower()}",
        object_id=entry.pk,
        action=action,
        **detail,
    )


# --- writing (shared with the demo data, which has no actor) -------------------------------


def _fill_organization(organization: Organization, data: OrganizationData) -> Organization:
    organization.name = data.name.strip()
    organization.alternate_name = data.alternate_name.strip()
    organization.description = data.description.strip()
    organization.email = data.email.strip()
    organization.website = data.website.strip()
    organization.save()
    return organization


def _the_location(service: Service) -> Location | None:
    at = service.at_locations.select_related("location").order_by("location__name").first()
    return at.location if at else None


def write_service(service: Service, data: ServiceData) -> Service:
    """Write a service and replace its location, phones, schedules and areas; no checks and no
    audit (the public operations do both). For trusted callers: the operations, demo data."""
    if isinstance(data.organization, OrganizationData):
        organization = _fill_organization(Organization(is_sample=data.is_sample), data.organization)
    else:
        organization = data.organization
    service.organization = organization
    service.name = data.name.strip()
    service.alternate_name = data.alternate_name.strip()
    service.description = data.description.strip()
    service.url = data.url.strip()
    service.email = data.email.strip()
    service.pec_email = data.pec_email.strip()
    service.status = data.status
    service.eligibility_description = data.eligibility_description.strip()
    service.application_process = data.application_process.strip()
    service.free_of_charge = data.free_of_charge
    service.open_on_holidays = data.open_on_holidays
    service.fees_description = "" if data.free_of_charge else data.fees_description.strip()
    service.desk_service = data.desk_service
    service.is_sample = data.is_sample
    service.last_modified = catalogue.now()
    service.save()
    service.taxonomy_terms.set(data.needs)
    service.languages.set(data.languages)

    location = _the_location(service)
    if data.location is None or data.location.is_empty:
        if location is not None:
            service.at_locations.filter(location=location).delete()
            # A location nobody else uses any more goes with it.
            if not location.services_here.exists():
                location.delete()
    else:
        if location is None or location.organization_id != organization.pk:
            location = Location(organization=organization)
        location.name = data.location.name.strip()
        location.address_1 = data.location.address_1.strip()
        location.postal_code = data.location.postal_code.strip()
        location.city = data.location.city.strip()
        location.region = data.location.region.strip()
        location.municipio = data.location.municipio
        location.save()
        ServiceAtLocation.objects.get_or_create(service=service, location=location)

    service.phones.all().delete()
    Phone.objects.bulk_create(
        Phone(service=service, number=phone.number.strip(), description=phone.description.strip())
        for phone in data.phones
    )
    service.schedules.all().delete()
    Schedule.objects.bulk_create(
        Schedule(
            service=service,
            byday=",".join(day for day in WEEKDAY_CODES if day in schedule.byday),
            opens_at=schedule.opens_at,
            closes_at=schedule.closes_at,
            description=schedule.description.strip(),
        )
        for schedule in data.schedules
    )
    service.service_areas.all().delete()
    ServiceArea.objects.bulk_create(
        ServiceArea(service=service, name=area.name.strip(), municipio=area.municipio)
        for area in data.areas
    )
    return service


# --- the operations ------------------------------------------------------------------------


@transaction.atomic
def create_organization(
    actor: Actor, data: OrganizationData, *, is_sample: bool = False
) -> Organization:
    _require_maintainer(actor)
    _raise_if(_organization_errors(data))
    organization = _fill_organization(Organization(is_sample=is_sample), data)
    _audit(actor, organization, "directory-organization-created")
    return organization


@transaction.atomic
def update_organization(
    actor: Actor,
    organization: Organization,
    data: OrganizationData,
    *,
    is_sample: bool | None = None,
) -> Organization:
    _require_maintainer(actor)
    _raise_if(_organization_errors(data))
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if is_sample is not None:
        organization.is_sample = is_sample
    _fill_organization(organization, data)
    _audit(actor, organization, "directory-organization-updated")
    return organization


@transaction.atomic
def create_service(actor: Actor, data: ServiceData) -> Service:
    _require_maintainer(actor)
    _raise_if(_service_errors(data))
    service = write_service(Service(), data)
    _audit(
        actor,
        service,
        "directory-service-created",
        new_organization=isinstance(data.organization, OrganizationData),
    )
    return service


@transaction.atomic
def update_service(actor: Actor, service: Service, data: ServiceData) -> Service:
    _require_maintainer(actor)
    _raise_if(_service_errors(data, service))
    service = Service.objects.select_for_update().get(pk=service.pk)
    from_status = service.status
    write_service(service, data)
    _audit(
        actor, service, "directory-service-updated", from_status=from_status, status=service.status
    )
    return service


@transaction.atomic
def mark_verified(actor: Actor, entry: Organization | Service) -> Organization | Service:
    """Someone checked the entry against reality today. A sample entry stays marked as sample
    until its data are replaced (the edit page's checkbox): checking fictional data makes it
    no less fictional."""
    _require_maintainer(actor)
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    entry.verified_at = catalogue.now()
    entry.verified_by = actor  # type: ignore[assignment]
    entry.save(update_fields=["verified_at", "verified_by"])
    _audit(actor, entry, "directory-verified")
    return entry


@transaction.atomic
def mark_inactive(actor: Actor, service: Service) -> Service:
    """The service no longer takes referrals; it stays listed for the referrals already made."""
    _require_maintainer(actor)
    service = Service.objects.select_for_update().get(pk=service.pk)
    if service.status == ServiceStatus.INACTIVE:
        raise ValidationError({"status": [_("Il servizio è già segnato come non attivo.")]})
    from_status = service.status
    service.status = ServiceStatus.INACTIVE
    service.last_modified = catalogue.now()
    service.save(update_fields=["status", "last_modified"])
    _audit(actor, service, "directory-service-inactive", from_status=from_status)
    return service
