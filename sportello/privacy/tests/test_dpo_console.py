"""The DPO's console: who may open each page, the check of the hash chains shown on the page,
and the access log's CSV export (itself written to the log)."""

import csv
import io
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from sportello.accounts.roles import Role
from sportello.privacy import processing_records
from sportello.privacy.models import AccessLog, AuditEvent, ProcessingActivity
from sportello.privacy.operations import record_access
from sportello.testing import rome

NOW = rome(2026, 12, 3, 16, 0)
LOG = "/personale/privacy/registro-accessi/"


@pytest.fixture
def log_read(frozen_now):
    def record(user, at=NOW, **fields):
        frozen_now(at)
        fields.setdefault("object_type", "case")
        fields.setdefault("object_id", fields.get("case_id") or 1)
        request = RequestFactory().get("/personale/casi/1/", REMOTE_ADDR="10.0.0.7")
        with transaction.atomic():
            return record_access(request, user, **fields)

    return record


@pytest.fixture
def as_role(milan, make_staff, client, frozen_now):
    frozen_now(NOW)

    def sign_in(role: str):
        user = make_staff(role)
        client.force_login(user)
        return user

    return sign_in


@contextmanager
def tampering(model):
    """An intruder's edit with direct database access (see test_chained_logs)."""
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


# -- who may open what ---------------------------------------------------------------------

DPO = {"dpo"}
DPO_AND_COORDINATORS = {"dpo", "coordinator"}


def _views():
    """(name, method, url, roles that succeed, the status they get)."""
    activity = ProcessingActivity.objects.order_by("pk").first()
    return [
        ("home", "get", reverse("privacy:home"), DPO, 200),
        ("access-log", "get", reverse("privacy:access-log"), DPO_AND_COORDINATORS, 200),
        ("access-log-verify", "post", reverse("privacy:access-log-verify"), DPO, 302),
        ("access-log-export", "get", reverse("privacy:access-log-export"), DPO, 200),
        ("processing-list", "get", reverse("privacy:processing-list"), DPO, 200),
        (
            "processing-edit",
            "get",
            reverse("privacy:processing-edit", args=[activity.pk]),
            DPO,
            200,
        ),
        (
            "processing-edit-post",
            "post",
            reverse("privacy:processing-edit", args=[activity.pk]),
            DPO,
            400,  # an empty form: refused, in Italian
        ),
        ("processing-csv", "get", reverse("privacy:processing-csv"), DPO, 200),
        ("processing-pdf", "get", reverse("privacy:processing-pdf"), DPO, 200),
    ]


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_every_console_view_answers_only_its_roles_others_get_404(as_role, client, role):
    processing_records.ensure_desk_records()
    as_role(role)
    for name, method, url, allowed, status in _views():
        before = (AccessLog.objects.count(), AuditEvent.objects.count())
        response = getattr(client, method)(url)
        if role in allowed:
            assert response.status_code == status, (role, name)
        else:
            assert response.status_code == 404, (role, name)
            # A refused request leaves no trace of work done.
            assert (AccessLog.objects.count(), AuditEvent.objects.count()) == before, name
        assert "no-store" in response["Cache-Control"], (role, name)


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(milan, client):
    processing_records.ensure_desk_records()
    for name, method, url, _allowed, _status in _views():
        response = getattr(client, method)(url)
        assert response.status_code == 302, name
        assert response.url.startswith("/personale/accesso/"), name
    assert not AuditEvent.objects.exists() and not AccessLog.objects.exists()


def test_verifying_is_a_post_only(as_role, client):
    as_role("dpo")
    assert client.get(reverse("privacy:access-log-verify")).status_code == 405
    assert not AuditEvent.objects.exists()


# -- the home -----------------------------------------------------------------------------


def test_the_dpo_home_links_the_console_and_the_nav_leads_there(as_role, client):
    as_role("dpo")
    page = client.get("/personale/privacy/").content.decode()
    for name in ("access-log", "processing-list", "requests", "retention"):
        link = reverse(f"privacy:{name}")
        assert f'href="{link}"' in page, link
    assert "0 richieste aperte" in page and "Nessuna esecuzione finora." in page
    assert "La catena del registro non è ancora stata verificata" in page
    # The staff menu takes the DPO to the console, a coordinator to the log.
    assert '<a href="/personale/privacy/">Protezione dei dati</a>' in page


def test_the_home_counts_open_and_overdue_requests_and_shows_the_last_retention_run(
    as_role, client, frozen_now
):
    from sportello.privacy import retention, subject_requests
    from sportello.testing import rome

    dpo = as_role("dpo")
    frozen_now(rome(2026, 10, 1, 10, 0))
    subject_requests.register_request(dpo, "access", "Maria Rossi, carta d'identità", "")
    frozen_now(rome(2026, 11, 20, 10, 0))
    subject_requests.register_request(dpo, "erasure", "Luca Bianchi, carta d'identità", "")
    retention.apply(rome(2026, 11, 20, 10, 0), dry_run=True, by=dpo)
    page = client.get("/personale/privacy/").content.decode()
    assert "2 richieste aperte" in page and "1 scaduta" in page
    assert "Ultima esecuzione: 20/11/2026 10:00" in page and "(prova)" in page


def test_a_coordinator_menu_leads_to_the_log(as_role, client):
    as_role("coordinator")
    page = client.get(LOG).content.decode()
    assert f'<a href="{LOG}">Registro degli accessi</a>' in page
    assert 'href="/personale/privacy/"' not in page


def test_the_home_in_english(as_role, client):
    as_role("dpo")
    with translation.override("en"):
        response = client.get("/en/personale/privacy/")
    assert response.status_code == 200


# -- the chains checked ---------------------------------------------------------------------


def test_showing_the_page_never_verifies(as_role, log_read, client):
    dpo = as_role("dpo")
    log_read(dpo)
    page = client.get(LOG).content.decode()
    assert "non verificata" in page and "Verifica la catena" in page
    assert not AuditEvent.objects.exists()


def test_the_dpo_verifies_and_the_page_shows_when_who_and_how_many_rows(as_role, log_read, client):
    dpo = as_role("dpo")
    for n in range(3):
        log_read(dpo, object_id=n)
    response = client.post(reverse("privacy:access-log-verify"))
    assert response.status_code == 302 and response.url == LOG
    event = AuditEvent.objects.get(action="chain_verified")
    assert event.actor == dpo and event.detail["ok"] is True
    page = client.get(LOG).content.decode()
    assert "catena integra" in page
    assert f"Ultima verifica il 03/12/2026 16:00 ({dpo.username})." in page
    assert "Registro degli accessi: integro, 3 righe verificate." in page
    assert "catena interrotta" not in page
    # The last check is kept in the database: another server, or a restart, shows it too.
    from sportello.privacy.chain_checks import last_chain_check

    assert last_chain_check().ok and last_chain_check().logs[0].rows == 3


def test_a_tampered_row_shows_the_chain_broken_at_that_row(as_role, log_read, client):
    dpo = as_role("dpo")
    rows = [log_read(dpo, object_id=n, purpose="lettura ordinaria") for n in range(4)]
    with tampering(AccessLog):
        AccessLog.objects.filter(pk=rows[1].pk).update(purpose="nessuno ha letto niente")
    client.post(reverse("privacy:access-log-verify"))
    assert AuditEvent.objects.get(action="chain_verified").detail["ok"] is False
    page = client.get(LOG).content.decode()
    assert "catena interrotta" in page and "catena integra" not in page
    assert "Registro degli accessi: interrotto alla riga n. 2" in page
    assert "il contenuto della riga è stato modificato" in page
    # The broken row is marked in the table.
    row = page[page.index(f'data-seq="{rows[1].seq}"') :].split("</tr>")[0]
    assert 'class="table-danger"' in row and "catena interrotta qui" in row
    assert "catena interrotta" in client.get("/personale/privacy/").content.decode()


def test_a_row_cut_off_the_end_is_noticed(as_role, log_read, client):
    dpo = as_role("dpo")
    rows = [log_read(dpo, object_id=n) for n in range(3)]
    with tampering(AccessLog):
        AccessLog.objects.filter(pk=rows[-1].pk).delete()
    client.post(reverse("privacy:access-log-verify"))
    page = client.get(LOG).content.decode()
    assert "mancano le ultime righe: la catena ne contava 3, ne restano 2" in page


def test_a_coordinator_sees_the_result_but_cannot_verify(as_role, log_read, client, make_staff):
    coordinator = make_staff("coordinator")
    as_role("dpo")
    log_read(coordinator)
    client.post(reverse("privacy:access-log-verify"))
    client.force_login(coordinator)
    page = client.get(LOG).content.decode()
    assert "catena integra" in page and "Verifica la catena" not in page
    assert "Esporta in CSV" not in page


# -- the export -----------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


HEADERS = [
    "Numero",
    "Quando",
    "Utente",
    "Ruoli",
    "Azione",
    "Accesso in emergenza",
    "Tipo di dato",
    "Identificativo",
    "Presa in carico",
    "Finalità",
    "Indirizzo IP",
    "Pagina",
    "Browser",
    "Hash della riga precedente",
    "Hash della riga",
]


def test_the_export_is_the_filtered_log_in_page_order_with_italian_headers(
    as_role, log_read, make_staff, client, frozen_now
):
    as_role("dpo")
    nurse = make_staff("professional", username="verdi")
    log_read(nurse, at=rome(2026, 12, 1, 9, 0), case_id=7, purpose="colloquio è già fissato")
    log_read(nurse, at=rome(2026, 12, 2, 9, 0), case_id=7, action="break_glass", purpose="urgente")
    log_read(nurse, at=rome(2026, 12, 2, 10, 0), case_id=8)
    log_read(nurse, at=rome(2026, 12, 3, 9, 0), case_id=7, purpose='=HYPERLINK("x")')
    frozen_now(NOW)
    response = client.get(reverse("privacy:access-log-export"), {"case": 7})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="registro-accessi-20261203-1600.csv"'
    )
    table = _csv(response)
    assert table[0] == HEADERS
    assert [row[0] for row in table[1:]] == ["2", "4", "1"]  # break-glass first, then newest
    urgent, formula, first = table[1:]
    assert urgent[1] == "2026-12-02T09:00:00+01:00"
    assert urgent[2:9] == [
        "verdi",
        "Professionista",
        "accesso in emergenza",
        "sì",
        "presa in carico",
        "7",
        "7",
    ]
    assert first[9] == "colloquio è già fissato" and first[5] == "no"
    assert first[10] == "10.0.0.7" and first[11] == "/personale/casi/1/"
    # A cell a spreadsheet would run as a formula is written as text.
    assert formula[9] == '\'=HYPERLINK("x")'
    stored = AccessLog.objects.get(seq=1)
    assert first[13:] == [stored.prev_hash, stored.row_hash]


def test_exporting_is_written_to_the_log_and_the_file_ends_before_it(as_role, log_read, client):
    dpo = as_role("dpo")
    log_read(dpo, case_id=3)
    table = _csv(client.get(reverse("privacy:access-log-export"), {"date_from": "2026-12-01"}))
    assert [row[0] for row in table[1:]] == ["1"]
    export = AccessLog.objects.get(action="export")
    assert export.user == dpo and export.object_type == "access_log"
    assert export.object_id == "csv" and export.path == reverse("privacy:access-log-export")
    assert export.purpose == (
        "esportazione CSV del registro degli accessi, 1 righe; filtri: dal 2026-12-01"
    )
    # The next export holds the first one's row.
    again = _csv(client.get(reverse("privacy:access-log-export")))
    assert [row[0] for row in again[1:]] == [str(export.seq), "1"]
    assert again[1][4] == "esportazione"


def test_the_export_stays_italian_for_an_english_speaking_dpo(as_role, log_read, client):
    dpo = as_role("dpo")
    log_read(dpo)
    table = _csv(client.get("/en" + reverse("privacy:access-log-export")))
    assert table[0] == HEADERS and table[1][4] == "lettura"


def test_a_bad_filter_exports_nothing_and_goes_back_to_the_page(as_role, log_read, client):
    dpo = as_role("dpo")
    log_read(dpo)
    response = client.get(reverse("privacy:access-log-export"), {"date_from": "ieri"})
    assert response.status_code == 302 and response.url == f"{LOG}?date_from=ieri"
    assert not AccessLog.objects.filter(action="export").exists()
    page = client.get(response.url)
    assert page.status_code == 400 and "Scrivi la data come AAAA-MM-GG." in page.content.decode()


def test_the_export_link_keeps_the_filters(as_role, log_read, client):
    dpo = as_role("dpo")
    log_read(dpo, case_id=9)
    page = client.get(LOG, {"case": 9, "page": 1}).content.decode()
    assert f'href="{reverse("privacy:access-log-export")}?case=9"' in page
