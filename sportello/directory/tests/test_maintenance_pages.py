"""The coordinator's maintenance pages: every page for every role (only coordinators get in),
the service form with its formsets, "Verificato oggi", the sample badge."""

import pytest
from django.apps import apps
from django.urls import reverse

from sportello.accounts.models import Language
from sportello.directory.maintenance_urls import urlpatterns
from sportello.directory.models import Organization, Service, ServiceStatus, TaxonomyTerm
from sportello.directory.needs import install_needs
from sportello.privacy.models import AuditEvent
from sportello.testing import rome

NOW = rome(2026, 12, 1, 10, 0)
OTHER_ROLES = ["professional", "switchboard", "dpo", "management"]


@pytest.fixture(autouse=True)
def setting(milan, frozen_now):
    frozen_now(NOW)
    install_needs(apps.get_model)


@pytest.fixture
def sample_service(db) -> Service:
    organization = Organization.objects.create(name="ASST di esempio", is_sample=True)
    service = Service.objects.create(
        organization=organization, name="CPS di esempio", is_sample=True, last_modified=NOW
    )
    service.phones.create(number="02 0000 0101", description="accoglienza")
    service.schedules.create(byday="MO,TU", opens_at="09:00", closes_at="13:00")
    return service


def calls(service: Service) -> list[tuple[str, str]]:
    organization = service.organization
    return [
        ("get", reverse("directory_admin:list")),
        ("get", reverse("directory_admin:list") + "?da_verificare=1"),
        ("get", reverse("directory_admin:service-create")),
        ("get", reverse("directory_admin:service", args=[service.pk])),
        ("post", reverse("directory_admin:service-verify", args=[service.pk])),
        ("post", reverse("directory_admin:service-deactivate", args=[service.pk])),
        ("get", reverse("directory_admin:organization-create")),
        ("get", reverse("directory_admin:organization", args=[organization.pk])),
        ("post", reverse("directory_admin:organization-verify", args=[organization.pk])),
    ]


def test_every_route_is_in_the_matrix(sample_service):
    assert len(calls(sample_service)) - 1 == len(urlpatterns)


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_get_403_and_change_nothing(sample_service, make_staff, client, role):
    client.force_login(make_staff(role))

    for method, url in calls(sample_service):
        assert getattr(client, method)(url).status_code == 403, url

    sample_service.refresh_from_db()
    assert sample_service.verified_at is None
    assert sample_service.status == ServiceStatus.ACTIVE
    assert not AuditEvent.objects.exists()


def test_visitors_are_sent_to_sign_in(sample_service, client):
    sign_in = reverse("staff-login")
    for method, url in calls(sample_service):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(sign_in), url


def test_the_coordinator_gets_every_page(sample_service, make_staff, client):
    client.force_login(make_staff("coordinator"))

    for method, url in calls(sample_service):
        assert getattr(client, method)(url).status_code in (200, 302), url

    sample_service.refresh_from_db()
    assert sample_service.verified_at == NOW
    assert sample_service.status == ServiceStatus.INACTIVE


def test_sample_entries_carry_a_visible_badge(sample_service, make_staff, client):
    client.force_login(make_staff("coordinator"))

    listing = client.get(reverse("directory_admin:list")).content.decode()
    page = client.get(reverse("directory_admin:service", args=[sample_service.pk]))

    # Once for the organization, once for its service.
    assert listing.count("Dato di esempio: da verificare") == 2
    assert "Dato di esempio: da verificare" in page.content.decode()
    assert "02 0000 0101" in page.content.decode()


def test_verified_today_from_the_review_list_goes_back_to_it(sample_service, make_staff, client):
    coordinator = make_staff("coordinator")
    client.force_login(coordinator)

    response = client.post(
        reverse("directory_admin:service-verify", args=[sample_service.pk]),
        {"next": "da_verificare"},
    )

    assert response["Location"].endswith("?da_verificare=1")
    sample_service.refresh_from_db()
    assert (sample_service.verified_at, sample_service.verified_by) == (NOW, coordinator)
    review = client.get(response["Location"]).content.decode()
    assert reverse("directory_admin:service", args=[sample_service.pk]) not in review
    # Its organization, never verified, is still there to check.
    assert "ASST di esempio" in review


def form_data(**changes: str | list[str]) -> dict[str, object]:
    data: dict[str, object] = {
        "new_organization_name": "Consultorio di prova",
        "name": "Consultorio familiare di prova",
        "status": "active",
        "free_of_charge": "on",
        "email": "consultorio@example.org",
        "pec_email": "",
        "address_1": "Via Padova 118",
        "postal_code": "20127",
        "city": "Milano",
        "municipio": "2",
        "areas": ["2", "3"],
        "needs": [str(TaxonomyTerm.objects.get(code="family_counselling").pk)],
        "languages": [str(Language.objects.get(code="ar").pk)],
        "phones-TOTAL_FORMS": "2",
        "phones-INITIAL_FORMS": "0",
        "phones-0-number": "02 1111 2222",
        "phones-0-description": "segreteria",
        "phones-1-number": "",
        "phones-1-description": "",
        "schedules-TOTAL_FORMS": "2",
        "schedules-INITIAL_FORMS": "0",
        "schedules-0-days": ["MO", "TU", "WE", "TH", "FR"],
        "schedules-0-opens_at": "09:00",
        "schedules-0-closes_at": "16:00",
        "schedules-0-description": "",
    }
    data.update(changes)
    return data


def test_a_coordinator_adds_a_service_through_the_form(make_staff, client):
    client.force_login(make_staff("coordinator"))
    form = client.get(reverse("directory_admin:service-create")).content.decode()
    assert "<legend" in form and 'for="id_name"' in form

    response = client.post(reverse("directory_admin:service-create"), form_data())

    service = Service.objects.get(name="Consultorio familiare di prova")
    assert response.status_code == 302
    assert response["Location"] == reverse("directory_admin:service", args=[service.pk])
    assert service.organization.name == "Consultorio di prova"
    assert service.at_locations.get().location.municipio == 2
    assert sorted(service.service_areas.values_list("municipio", flat=True)) == [2, 3]
    assert list(service.phones.values_list("number", flat=True)) == ["02 1111 2222"]
    assert list(service.schedules.values_list("byday", flat=True)) == ["MO,TU,WE,TH,FR"]
    assert [t.code for t in service.taxonomy_terms.all()] == ["family_counselling"]
    assert [lang.code for lang in service.languages.all()] == ["ar"]


def test_bad_form_input_is_shown_and_nothing_is_written(make_staff, client):
    client.force_login(make_staff("coordinator"))

    response = client.post(
        reverse("directory_admin:service-create"),
        form_data(
            name="",
            new_organization_name="",
            **{"schedules-0-opens_at": "18:00", "schedules-0-closes_at": "09:00"},
        ),
    )

    text = response.content.decode()
    assert response.status_code == 400
    assert "Scegli l&#x27;ente o scrivi il nome di uno nuovo." in text
    assert "Scrivi il nome del servizio." in text
    assert not Service.objects.exists()
    assert not Organization.objects.exists()


def test_an_operation_refusal_lands_on_the_form(make_staff, client):
    client.force_login(make_staff("coordinator"))

    response = client.post(
        reverse("directory_admin:service-create"),
        form_data(**{"schedules-0-opens_at": "18:00", "schedules-0-closes_at": "09:00"}),
    )

    assert response.status_code == 400
    assert "l&#x27;apertura deve venire prima della chiusura" in response.content.decode()
    assert not Service.objects.exists()


def test_the_edit_form_saves_changes(sample_service, make_staff, client):
    client.force_login(make_staff("coordinator"))
    url = reverse("directory_admin:service", args=[sample_service.pk])
    page = client.get(url).content.decode()
    assert 'value="CPS di esempio"' in page

    response = client.post(
        url,
        form_data(
            new_organization_name="",
            organization=str(sample_service.organization.pk),
            name="CPS rinominato",
            **{"phones-0-number": "02 3333 4444"},
        ),
    )

    assert response.status_code == 302
    sample_service.refresh_from_db()
    assert sample_service.name == "CPS rinominato"
    assert not sample_service.is_sample  # the box was left unticked: real data now
    assert list(sample_service.phones.values_list("number", flat=True)) == ["02 3333 4444"]
    assert AuditEvent.objects.filter(action="directory-service-updated").count() == 1
