"""The records of processing: the desk's entries created once, the DPO's edits dated and
signed (bad input refused in Italian, nothing written), and the register as CSV and PDF."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from sportello.privacy import processing_records
from sportello.privacy.models import AuditEvent, ProcessingActivity
from sportello.privacy.processing_records import (
    DESK_RECORDS,
    ensure_desk_records,
    update_processing_activity,
)
from sportello.testing import rome

NOW = rome(2026, 12, 3, 16, 0)
LIST = "/personale/privacy/trattamenti/"


@pytest.fixture
def records(milan, frozen_now):
    frozen_now(NOW)
    ensure_desk_records()
    return {activity.code: activity for activity in ProcessingActivity.objects.all()}


@pytest.fixture
def dpo(milan, make_staff, client):
    user = make_staff("dpo")
    client.force_login(user)
    return user


def _form_data(activity: ProcessingActivity, **changes: object) -> dict[str, object]:
    data = {name: getattr(activity, name) for name in processing_records.EDITABLE_FIELDS}
    if not data["special_categories"]:
        del data["special_categories"]  # an unticked box is absent from a form's post
    data.update(changes)
    return data


def test_the_desk_gets_its_real_records_in_order(records):
    assert list(ProcessingActivity.objects.values_list("code", flat=True)) == [
        "contact-centre",
        "risk-and-case-record",
        "remote-sessions",
        "referrals",
        "staff-rota",
        "appointments-reminders",
        "statistics-open-data",
        "access-and-audit-log",
    ]
    clinical = records["risk-and-case-record"]
    for basis in ("Art. 6, par. 1, lett. e)", "art. 9, par. 2, lett. h)", "art. 2-sexies"):
        assert basis in clinical.legal_basis, basis
    assert "D.Lgs. 196/2003" in clinical.legal_basis and clinical.special_categories
    # Aggregated statistics and the security log hold no health data; the rest do.
    assert not records["statistics-open-data"].special_categories
    assert not records["access-and-audit-log"].special_categories
    assert "SMS" in records["appointments-reminders"].processors
    assert "dipendenti" in records["staff-rota"].data_subjects.casefold()
    # The controller is the body running the installation.
    assert {activity.controller for activity in records.values()} == {
        "Comune di Milano – Settore Sicurezza"
    }
    assert all(activity.updated_by is None for activity in records.values())
    assert all(activity.updated_at == NOW for activity in records.values())


def test_creating_again_adds_only_what_is_missing_and_keeps_the_dpos_edits(records, dpo):
    update_processing_activity(dpo, records["referrals"].pk, {"retention": "10 anni."})
    ProcessingActivity.objects.filter(code="staff-rota").delete()
    assert ensure_desk_records() == 1
    assert ensure_desk_records() == 0
    assert ProcessingActivity.objects.get(code="referrals").retention == "10 anni."
    assert ProcessingActivity.objects.count() == len(DESK_RECORDS)


def test_the_command_creates_them(milan, frozen_now, capsys):
    frozen_now(NOW)
    call_command("ensure_processing_records")
    assert "8 trattamenti aggiunti" in capsys.readouterr().out
    call_command("ensure_processing_records")
    assert "0 trattamenti aggiunti" in capsys.readouterr().out
    assert ProcessingActivity.objects.count() == 8


def test_the_register_page_shows_every_entry_with_its_edit_link(records, dpo, client):
    page = client.get(LIST).content.decode()
    for activity in records.values():
        assert activity.name in page
        assert reverse("privacy:processing-edit", args=[activity.pk]) in page
    assert "Inserito all'installazione il 03/12/2026 16:00." in page


def test_the_dpo_edits_an_entry_dated_and_signed(records, dpo, client, frozen_now):
    frozen_now(rome(2026, 12, 4, 11, 30))
    activity = records["referrals"]
    response = client.post(
        reverse("privacy:processing-edit", args=[activity.pk]),
        _form_data(activity, retention="  Come la cartella: 5 anni dalla chiusura.  "),
    )
    assert response.status_code == 302
    assert response.url == f"{LIST}#trattamento-{activity.pk}"
    activity.refresh_from_db()
    assert activity.retention == "Come la cartella: 5 anni dalla chiusura."
    assert activity.updated_by == dpo and activity.updated_at == rome(2026, 12, 4, 11, 30)
    event = AuditEvent.objects.get(object_type="processing_activity")
    assert event.action == "updated" and event.detail["fields"] == ["retention"]
    page = client.get(LIST).content.decode()
    assert f"Aggiornato il 04/12/2026 11:30 da {dpo.username}." in page


def test_saving_without_changes_writes_nothing(records, dpo, client):
    activity = records["contact-centre"]
    client.post(reverse("privacy:processing-edit", args=[activity.pk]), _form_data(activity))
    activity.refresh_from_db()
    assert activity.updated_by is None and not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"purpose": ""}, "purpose", "Questo campo è obbligatorio."),
        ({"legal_basis": "   "}, "legal_basis", "Questo campo è obbligatorio."),
        ({"name": "x" * 201}, "name", "Al massimo 200 caratteri (ne hai scritti 201)."),
    ],
)
def test_bad_input_is_refused_in_italian_and_nothing_is_written(
    records, dpo, client, changes, field, message
):
    activity = records["remote-sessions"]
    before = ProcessingActivity.objects.get(pk=activity.pk)
    response = client.post(
        reverse("privacy:processing-edit", args=[activity.pk]), _form_data(activity, **changes)
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    after = ProcessingActivity.objects.get(pk=activity.pk)
    assert (after.purpose, after.legal_basis, after.name, after.updated_at) == (
        before.purpose,
        before.legal_basis,
        before.name,
        before.updated_at,
    )
    assert not AuditEvent.objects.exists()


def test_the_operation_refuses_a_blank_entry_and_anyone_but_the_dpo(records, dpo, make_staff):
    activity = records["staff-rota"]
    with pytest.raises(ValidationError) as refused:
        update_processing_activity(dpo, activity.pk, {"retention": "  ", "recipients": ""})
    assert refused.value.message_dict == {
        "retention": ["Il campo «termini di conservazione» non può essere vuoto."]
    }
    with pytest.raises(PermissionDenied):
        update_processing_activity(make_staff("coordinator"), activity.pk, {"retention": "1"})
    activity.refresh_from_db()
    assert activity.retention == records["staff-rota"].retention and activity.recipients
    assert not AuditEvent.objects.exists()


def test_an_unknown_entry_is_a_404(records, dpo, client):
    assert client.get(reverse("privacy:processing-edit", args=[9999])).status_code == 404


def test_the_register_as_csv(records, dpo, client):
    response = client.get(reverse("privacy:processing-csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="registro-trattamenti-20261203.csv"'
    )
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert table[0][:4] == ["Codice", "Trattamento", "Titolare", "Finalità"]
    assert "Dati particolari (art. 9)" in table[0] and table[0][-2:] == [
        "Aggiornato il",
        "Aggiornato da",
    ]
    assert [row[0] for row in table[1:]] == [record.code for record in DESK_RECORDS]
    clinical = dict(zip(table[0], table[2], strict=True))
    assert clinical["Trattamento"] == "Valutazione del rischio e cartella della presa in carico"
    assert clinical["Dati particolari (art. 9)"] == "sì"
    assert clinical["Aggiornato il"] == "03/12/2026 16:00"
    assert clinical["Aggiornato da"] == "installazione iniziale"


def test_the_register_as_pdf(records, dpo, client):
    response = client.get(reverse("privacy:processing-pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="registro-trattamenti-20261203.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Registro delle attività di trattamento" in text
    for record in DESK_RECORDS:
        assert record.name in text, record.name
    assert "2-sexies" in text and "estratto il 03/12/2026" in text
