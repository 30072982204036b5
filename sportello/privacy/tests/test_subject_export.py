"""Producing the access export: logged in the access log, readable in Italian, parseable."""

import io
import json

import pytest
from django.db import transaction
from pypdf import PdfReader

from sportello.cases.models import Person
from sportello.privacy.models import AccessAction, AccessLog
from sportello.privacy.subject_export import FORMAT, export_person
from sportello.privacy.tests.test_person_records_histories import build_history, shared_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(milan, make_staff, frozen_now):
    return shared_staff(make_staff, frozen_now)


def test_each_case_exported_is_logged_as_an_export_by_the_dpo(staff, make_contact):
    alfa = build_history(staff, make_contact, "ALFA", 1)
    before = AccessLog.objects.count()
    produced = export_person(alfa.person, by=staff.dpo, reference="DSR-2026-0007")
    rows = list(AccessLog.objects.order_by("seq")[before:])
    assert len(rows) == 1
    row = rows[0]
    assert (row.action, row.user, row.case_id, row.object_type) == (
        AccessAction.EXPORT,
        staff.dpo,
        alfa.case.pk,
        "case",
    )
    assert row.purpose == "richiesta di accesso DSR-2026-0007" and row.roles == "dpo"
    # The export was read before its own log row: the earlier reads are in it, not itself.
    logged = {entry["id"] for entry in produced.document["access_log"]}
    assert row.pk not in logged and logged


def test_a_person_without_cases_is_logged_once(staff):
    person = Person.objects.create(pseudonym="P-2345-AB", created_at=staff.dpo.date_joined)
    export_person(person, by=staff.dpo, reference="DSR-2026-0008")
    row = AccessLog.objects.get(action=AccessAction.EXPORT)
    assert (row.object_type, row.object_id, row.case_id) == ("person", str(person.pk), None)


def test_a_failed_export_leaves_no_log_row(staff, make_contact, monkeypatch):
    alfa = build_history(staff, make_contact, "ALFA", 1)
    before = AccessLog.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("sportello.privacy.subject_export.SubjectExport", broken)
    with pytest.raises(RuntimeError), transaction.atomic():
        export_person(alfa.person, by=staff.dpo, reference="DSR-2026-0009")
    assert AccessLog.objects.count() == before


def test_json_and_pdf_files(staff, make_contact):
    alfa = build_history(staff, make_contact, "ALFA", 1)
    produced = export_person(alfa.person, by=staff.dpo, reference="DSR-2026-0010")
    document = json.loads(produced.json_bytes())
    assert document["format"] == FORMAT and document["request"] == "DSR-2026-0010"
    assert document["produced_at"].endswith("+01:00")
    assert produced.filename("json") == f"DSR-2026-0010-{alfa.person.pseudonym}.json"
    pdf = produced.pdf_bytes()
    assert pdf.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for heading in (
        "Copia dei dati personali (art. 15 GDPR)",
        f"Presa in carico {alfa.case.reference}",
        f"Contatto {alfa.contact.reference}",
        "Colloqui",
        "Registro degli accessi",
        "nome e cognome: Persona ALFA",
    ):
        assert heading in text, heading
