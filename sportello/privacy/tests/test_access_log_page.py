"""The DPO's access-log page and the read-only logs in the admin."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse

from sportello.accounts.roles import ADMIN_ROLES, Role
from sportello.privacy.models import AccessLog, AuditEvent
from sportello.privacy.operations import record_access, record_audit
from sportello.testing import rome

URL = "/personale/privacy/registro-accessi/"
NOW = rome(2026, 12, 3, 16, 0)


@pytest.fixture
def log_read(frozen_now):
    """Record a read at a given instant, as a case page would."""

    def record(user, at=NOW, **fields):
        frozen_now(at)
        fields.setdefault("object_type", "case")
        fields.setdefault("object_id", fields.get("case_id") or 1)
        request = RequestFactory().get("/personale/casi/1/", REMOTE_ADDR="10.0.0.7")
        with transaction.atomic():
            return record_access(request, user, **fields)

    return record


@pytest.fixture
def dpo(milan, make_staff, client):
    user = make_staff("dpo")
    client.force_login(user)
    return user


def _seqs(response) -> list[int]:
    return [row.seq for row in response.context["page"].object_list]


def test_the_url_is_where_the_project_mounts_it():
    assert reverse("privacy:access-log") == URL


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_only_the_dpo_and_the_coordinators_see_it_others_get_404(milan, make_staff, client, role):
    client.force_login(make_staff(role))
    response = client.get(URL)
    assert response.status_code == (200 if role in {"dpo", "coordinator"} else 404), role


def test_anonymous_visitors_are_sent_to_sign_in(milan, client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/personale/accesso/")


def test_no_copy_is_kept_by_browsers_or_proxies(dpo, client):
    assert "no-store" in client.get(URL)["Cache-Control"]


def test_newest_first_with_the_metadata_only(dpo, make_staff, log_read, client):
    professional = make_staff("professional", username="verdi")
    log_read(professional, at=NOW - datetime.timedelta(hours=1), case_id=7, purpose="colloquio")
    log_read(professional, object_type="note", object_id=31, case_id=7, purpose="nota del caso")
    response = client.get(URL)
    assert response.status_code == 200 and _seqs(response) == [2, 1]
    page = response.content.decode()
    for shown in ("verdi", "Professionista", "lettura", "nota 31", "nota del caso", "10.0.0.7"):
        assert shown in page, shown
    assert "03/12/2026 16:00:00" in page


def test_filters_by_user_case_break_glass_and_days(dpo, make_staff, log_read, client):
    first, second = make_staff("professional"), make_staff("professional")
    monday = rome(2026, 11, 30, 23, 30)  # late evening in Rome, already 22:30 UTC
    log_read(first, at=monday, case_id=1)  # 1
    log_read(second, at=rome(2026, 12, 1, 0, 15), case_id=2)  # 2
    log_read(first, at=rome(2026, 12, 2, 12, 0), case_id=2, action="break_glass", purpose="x")  # 3
    log_read(second, at=rome(2026, 12, 3, 9, 0), case_id=1)  # 4

    def seqs(**query) -> list[int]:
        response = client.get(URL, query)
        assert response.status_code == 200, response.context["form"].errors
        return _seqs(response)

    assert seqs() == [4, 3, 2, 1]
    assert seqs(user=first.pk) == [3, 1]
    assert seqs(case_id=2) == [3, 2]
    assert seqs(break_glass_only="on") == [3]
    # Days are the desk's days (Europe/Rome), both ends included.
    assert seqs(date_from="2026-11-30", date_to="2026-11-30") == [1]
    assert seqs(date_from="2026-12-01", date_to="2026-12-02") == [3, 2]
    assert seqs(date_from="2026-12-02") == [4, 3]
    assert seqs(user=second.pk, case_id=1, date_to="2026-12-03") == [4]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"date_from": "2026-12-03", "date_to": "2026-12-01"},
            "date_to",
            "Il giorno finale viene prima di quello iniziale.",
        ),
        ({"case_id": "abc"}, "case_id", "Il numero della presa in carico è un numero intero."),
        ({"date_from": "3/12/2026"}, "date_from", "Scrivi la data come AAAA-MM-GG."),
        ({"user": "999999"}, "user", "Scegli un utente dell'elenco."),
    ],
)
def test_a_bad_filter_is_a_400_in_italian_listing_nothing(
    dpo, log_read, client, query, field, message
):
    log_read(dpo)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert response.context["page"] is None
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert 'data-seq="' not in response.content.decode()


def test_fifty_a_page_and_the_page_links_keep_the_filters(dpo, log_read, client):
    for n in range(51):
        log_read(dpo, case_id=5, object_id=n)
    log_read(dpo, case_id=6)
    first = client.get(URL, {"case_id": 5})
    assert len(first.context["page"].object_list) == 50
    assert _seqs(first)[0] == 51
    assert "?case_id=5&amp;page=2" in first.content.decode()
    second = client.get(URL, {"case_id": 5, "page": 2})
    assert _seqs(second) == [1]
    # A page past the end is the last page, not an error.
    assert _seqs(client.get(URL, {"case_id": 5, "page": 99})) == [1]


def test_reading_the_page_writes_nothing_to_the_logs(dpo, log_read, client):
    log_read(dpo)
    client.get(URL)
    assert AccessLog.objects.count() == 1 and not AuditEvent.objects.exists()


def _admin_user(role: Role):
    from sportello.accounts.models import User

    user = User.objects.create_user(
        username=f"admin-{role}", password="a-long-test-password", is_staff=role in ADMIN_ROLES
    )
    user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.mark.parametrize("role", list(Role))
def test_the_dpo_browses_the_logs_in_the_admin_and_nobody_changes_them(
    milan, log_read, client, frozen_now, role
):
    row = log_read(None)
    with transaction.atomic():
        event = record_audit(None, object_type="case", object_id=1, action="opened")
    client.force_login(_admin_user(role))
    for model, pk in (("accesslog", row.pk), ("auditevent", event.pk)):
        listing = client.get(f"/admin/privacy/{model}/")
        assert (listing.status_code == 200) is (role == Role.DPO), (role, model)
        # Refused (403), or sent to sign in to the back office they have no access to (302).
        assert client.get(f"/admin/privacy/{model}/add/").status_code in (302, 403)
        assert client.post(f"/admin/privacy/{model}/{pk}/delete/").status_code in (302, 403)
        change = client.post(f"/admin/privacy/{model}/{pk}/change/", {"action": "export"})
        assert change.status_code in (302, 403)
    assert AccessLog.objects.get().action == "read" and AuditEvent.objects.get() == event


def test_the_admin_gives_the_dpo_a_read_only_view(milan, log_read, client):
    row = log_read(None, purpose="controllo periodico")
    client.force_login(_admin_user(Role.DPO))
    page = client.get(f"/admin/privacy/accesslog/{row.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "controllo periodico" in content and 'name="_save"' not in content
