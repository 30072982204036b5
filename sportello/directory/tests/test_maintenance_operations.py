"""The directory's write operations: what they write, the audit row each leaves, and refusals
(bad input, wrong role) that write nothing at all."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from sportello.accounts.models import Language
from sportello.directory import operations
from sportello.directory.models import (
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceStatus,
    TaxonomyTerm,
)
from sportello.directory.needs import install_needs
from sportello.directory.operations import (
    AreaData,
    LocationData,
    OrganizationData,
    PhoneData,
    ScheduleData,
    ServiceData,
)
from sportello.privacy.models import AuditEvent
from sportello.services.models import Service as DeskService
from sportello.testing import rome

NOW = rome(2026, 12, 1, 10, 0)


@pytest.fixture(autouse=True)
def needs(db):
    # Installed by a data migration; again here, in case a transactional test flushed them.
    install_needs(apps.get_model)


@pytest.fixture
def coordinator(milan, make_staff, frozen_now):
    frozen_now(NOW)
    return make_staff("coordinator")


def service_data(**changes: object) -> ServiceData:
    values: dict[str, object] = {
        "organization": OrganizationData(name="ASST di prova", email="asst@example.org"),
        "name": "CPS di prova",
        "email": "cps@example.org",
        "pec_email": "cps@pec.example.org",
        "location": LocationData(address_1="Via Roma 1", postal_code="20121", municipio=1),
        "phones": (PhoneData("02 1234 5678", "accoglienza"),),
        "schedules": (
            ScheduleData(("MO", "TU", "WE"), datetime.time(9), datetime.time(13)),
            ScheduleData(("FR",), datetime.time(14), datetime.time(17), "su appuntamento"),
        ),
        "areas": (AreaData("Municipio 1", 1), AreaData("Municipio 8", 8)),
        "needs": tuple(TaxonomyTerm.objects.filter(code__in=["mental_health", "bereavement"])),
        "languages": tuple(Language.objects.filter(code__in=["it", "en"])),
    }
    values.update(changes)
    return ServiceData(**values)  # type: ignore[arg-type]


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Organization, Service, Location, Phone, Schedule, ServiceArea, AuditEvent)
    )


def test_create_service_writes_it_with_everything_hanging_off_it(coordinator):
    service = operations.create_service(coordinator, service_data())

    assert service.organization.name == "ASST di prova"
    assert service.last_modified == NOW
    location = service.at_locations.get().location
    assert (location.address_1, location.municipio, location.city) == ("Via Roma 1", 1, "Milano")
    assert [(p.number, p.description) for p in service.phones.all()] == [
        ("02 1234 5678", "accoglienza")
    ]
    assert sorted(
        (s.byday, s.opens_at.hour, s.closes_at.hour) for s in service.schedules.all()
    ) == [("FR", 14, 17), ("MO,TU,WE", 9, 13)]
    assert sorted(a.municipio for a in service.service_areas.all()) == [1, 8]
    assert {t.code for t in service.taxonomy_terms.all()} == {"mental_health", "bereavement"}
    assert {lang.code for lang in service.languages.all()} == {"it", "en"}
    event = AuditEvent.objects.get(action="directory-service-created")
    assert (event.actor, event.object_id) == (coordinator, str(service.pk))
    assert event.detail["new_organization"] is True


def test_update_service_replaces_phones_schedules_and_location(coordinator):
    service = operations.create_service(coordinator, service_data())
    organization = service.organization

    operations.update_service(
        coordinator,
        service,
        service_data(
            organization=organization,
            name="CPS rinominato",
            location=LocationData(address_1="Via Padova 2", municipio=2),
            phones=(PhoneData("02 9999 0000"),),
            schedules=(),
            areas=(AreaData("Tutta la città"),),
        ),
    )

    service.refresh_from_db()
    assert service.name == "CPS rinominato"
    assert list(service.phones.values_list("number", flat=True)) == ["02 9999 0000"]
    assert not service.schedules.exists()
    assert [(a.name, a.municipio) for a in service.service_areas.all()] == [
        ("Tutta la città", None)
    ]
    # The one location was updated in place, not doubled.
    assert Location.objects.get().municipio == 2
    assert Organization.objects.count() == 1
    assert AuditEvent.objects.filter(action="directory-service-updated").count() == 1


def test_mark_verified_records_today_and_who(coordinator):
    service = operations.create_service(coordinator, service_data())

    operations.mark_verified(coordinator, service)
    operations.mark_verified(coordinator, service.organization)

    service.refresh_from_db()
    service.organization.refresh_from_db()
    assert (service.verified_at, service.verified_by) == (NOW, coordinator)
    assert (service.organization.verified_at, service.organization.verified_by) == (
        NOW,
        coordinator,
    )
    assert AuditEvent.objects.filter(action="directory-verified").count() == 2


def test_mark_inactive_once(coordinator):
    service = operations.create_service(coordinator, service_data())

    operations.mark_inactive(coordinator, service)

    service.refresh_from_db()
    assert service.status == ServiceStatus.INACTIVE
    before = counts()
    with pytest.raises(ValidationError) as refused:
        operations.mark_inactive(coordinator, service)
    assert "già segnato come non attivo" in refused.value.message_dict["status"][0]
    assert counts() == before


def test_bad_input_is_refused_per_field_in_italian_and_writes_nothing(coordinator):
    before = counts()

    with pytest.raises(ValidationError) as refused:
        operations.create_service(
            coordinator,
            service_data(
                organization=OrganizationData(name=" "),
                name="",
                email="non-una-email",
                location=LocationData(address_1="Via Roma 1", municipio=12),
                phones=(PhoneData("chiamami"),),
                schedules=(ScheduleData(("MO",), datetime.time(18), datetime.time(9)),),
                free_of_charge=False,
            ),
        )

    errors = refused.value.message_dict
    assert errors["organization_name"] == ["Scrivi il nome dell'ente."]
    assert errors["name"] == ["Scrivi il nome del servizio."]
    assert "email valido" in errors["email"][0]
    assert "da 1 a 9" in errors["municipio"][0]
    assert "non è un numero di telefono" in errors["phones"][0]
    assert "l'apertura deve venire prima della chiusura" in errors["schedules"][0]
    assert "indica i costi" in errors["fees_description"][0]
    assert counts() == before


def test_a_refused_update_leaves_the_service_as_it_was(coordinator):
    service = operations.create_service(coordinator, service_data())
    before = counts()

    with pytest.raises(ValidationError):
        operations.update_service(
            coordinator,
            service,
            service_data(organization=service.organization, name="Nuovo", pec_email="pec@"),
        )

    service.refresh_from_db()
    assert service.name == "CPS di prova"
    assert service.phones.count() == 1
    assert counts() == before


def test_a_department_service_is_linked_to_one_entry_only(coordinator):
    emergency = DeskService.objects.get(code="emergency")
    operations.create_service(coordinator, service_data(desk_service=emergency))
    before = counts()

    with pytest.raises(ValidationError) as refused:
        operations.create_service(coordinator, service_data(desk_service=emergency))

    assert "già collegato" in refused.value.message_dict["desk_service"][0]
    assert counts() == before


@pytest.mark.parametrize("role", ["professional", "switchboard", "dpo", "management"])
def test_only_coordinators_maintain_the_directory(milan, make_staff, frozen_now, role):
    frozen_now(NOW)
    someone = make_staff(role)
    service = operations.create_service(make_staff("coordinator"), service_data())
    before = counts()

    with pytest.raises(PermissionDenied):
        operations.create_service(someone, service_data())
    with pytest.raises(PermissionDenied):
        operations.create_organization(someone, OrganizationData(name="Ente"))
    with pytest.raises(PermissionDenied):
        operations.mark_verified(someone, service)
    with pytest.raises(PermissionDenied):
        operations.mark_inactive(someone, service)

    assert counts() == before
    service.refresh_from_db()
    assert service.verified_at is None and service.status == ServiceStatus.ACTIVE


def test_organization_create_and_update(coordinator):
    organization = operations.create_organization(
        coordinator, OrganizationData(name="Ente", website="https://ente.example.org")
    )
    operations.update_organization(
        coordinator, organization, OrganizationData(name="Ente nuovo"), is_sample=True
    )

    organization.refresh_from_db()
    assert (organization.name, organization.website, organization.is_sample) == (
        "Ente nuovo",
        "",
        True,
    )
    with pytest.raises(ValidationError) as refused:
        operations.update_organization(
            coordinator, organization, OrganizationData(name="X", website="ftp://x")
        )
    assert "https://" in refused.value.message_dict["website"][0]
    organization.refresh_from_db()
    assert organization.name == "Ente nuovo"
