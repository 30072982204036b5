"""The coordinator's HSDS page: download, upload with its report or its error table."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sportello.directory.hsds_operations import export_package, files_from_zip, package_to_zip
from sportello.directory.models import Service
from sportello.directory.tests.hsds_network import counts, make_network, snapshot
from sportello.testing import rome

PAGE = "directory_hsds:package"
DOWNLOAD = "directory_hsds:download"


@pytest.fixture
def network(milan, frozen_now):
    frozen_now(rome(2026, 3, 2, 10, 0))
    return make_network()


@pytest.fixture
def coordinator(client, make_staff):
    user = make_staff("coordinator")
    client.force_login(user)
    return user


def upload(client, data: bytes, **extra):
    archive = SimpleUploadedFile("rete.zip", data, content_type="application/zip")
    return client.post(reverse(PAGE), {"archive": archive, **extra})


@pytest.mark.parametrize("role", ["professional", "switchboard", "dpo", "management"])
def test_only_coordinators_find_the_page(client, milan, make_staff, role):
    client.force_login(make_staff(role))

    assert client.get(reverse(PAGE)).status_code == 404
    assert client.get(reverse(DOWNLOAD)).status_code == 404
    assert upload(client, package_to_zip(export_package())).status_code == 404


def test_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse(PAGE))

    assert response.status_code == 302
    assert "next=" in response["Location"]


def test_the_coordinator_downloads_the_current_package(client, network, coordinator):
    response = client.get(reverse(DOWNLOAD))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="rete-servizi-hsds-20260302.zip"' in response["Content-Disposition"]
    assert files_from_zip(response.content) == export_package()


def test_the_page_offers_download_and_upload(client, network, coordinator):
    response = client.get(reverse(PAGE))

    page = response.content.decode()
    assert response.status_code == 200
    assert reverse(DOWNLOAD) in page
    assert 'enctype="multipart/form-data"' in page
    assert "Importa un pacchetto" in page


def test_an_upload_shows_the_report(client, network, coordinator):
    files = export_package()
    files["services.csv"] = files["services.csv"].replace(b"Centro psico-sociale", b"CPS")

    response = upload(client, package_to_zip(files))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Pacchetto importato." in page
    assert "Righe aggiunte: 0; modificate: 1;" in page
    assert Service.objects.filter(name__startswith="CPS").exists()


def test_a_check_only_upload_writes_nothing(client, network, coordinator):
    files = export_package()
    files["services.csv"] = files["services.csv"].replace(b"Centro psico-sociale", b"CPS")

    response = upload(client, package_to_zip(files), dry_run="on")

    assert "Controllo riuscito" in response.content.decode()
    assert not Service.objects.filter(name__startswith="CPS").exists()


def test_a_bad_package_shows_the_error_table_and_writes_nothing(client, network, coordinator):
    files = export_package()
    files["schedules.csv"] = files["schedules.csv"].replace(b"08:30", b"8.30")
    files["services.csv"] = files["services.csv"].replace(b"Centro psico-sociale", b"CPS")
    before, rows = counts(), snapshot()

    response = upload(client, package_to_zip(files))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Pacchetto rifiutato: 1 errore" in page
    assert '<th scope="row">schedules.csv</th>' in page
    assert "opens_at" in page
    assert "non è un orario nel formato HH:MM" in page
    assert counts() == before
    assert snapshot() == rows


def test_a_file_that_is_not_a_zip_is_refused_on_the_page(client, network, coordinator):
    response = upload(client, b"id,name")

    assert response.status_code == 400
    assert "non è un archivio zip" in response.content.decode()
