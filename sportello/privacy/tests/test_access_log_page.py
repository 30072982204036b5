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


def test_filters_by_user_case_break_glass_and_days_break_glass_first(
    dpo, make_staff, log_read, client
):
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

    # The break-glass access comes first, then the others newest first.
    assert seqs() == [3, 4, 2, 1]
    assert seqs(user=first.pk) == [3, 1]
    assert seqs(case=2) == [3, 2]
    assert seqs(break_glass_only="on") == [3]
    # Days are the desk's days (Europe/Rome), both ends included.
    assert seqs(date_from="2026-11-30", date_to="2026-11-30") == [1]
    assert seqs(date_from="2026-12-01", date_to="2026-12-02") == [3, 2]
    assert seqs(date_from="2026-12-02") == [3, 4]
    assert seqs(user=second.pk, case=1, date_to="2026-12-03") == [4]


def test_break_glass_rows_carry_a_visible_badge(dpo, make_staff, log_read, client):
    professional = make_staff("professional", username="rossi")
    log_read(professional, case_id=4, action="break_glass", purpose="paziente in pericolo")
    log_read(professional, case_id=5)
    page = client.get(URL).content.decode()
    first_row = page[page.index('data-seq="1"') : page.index('data-seq="2"')]
    assert 'data-break-glass="1"' in first_row
    assert '<span class="badge bg-danger">emergenza</span>' in first_row
    later = page[page.index('data-seq="2"') :]
    assert "badge bg-danger" not in later.split("</tr>")[0]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"date_from": "2026-12-03", "date_to": "2026-12-01"},
            "date_to",
            "Il giorno finale viene prima di quello iniziale.",
        ),
        (
            {"case": "abc"},
            "case",
            "Nessuna presa in carico ha questo riferimento: scrivilo come PC-2026-000042.",
        ),
        ({"case": "0"}, "case", "Il numero della presa in carico è maggiore di zero."),
        ({"person": "P-NONE-00"}, "person", "Nessuna persona ha questo pseudonimo."),
        ({"person": "P" * 17}, "person", "Lo pseudonimo ha al massimo 16 caratteri."),
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
    first = client.get(URL, {"case": 5})
    assert len(first.context["page"].object_list) == 50
    assert _seqs(first)[0] == 51
    assert "?case=5&amp;page=2" in first.content.decode()
    second = client.get(URL, {"case": 5, "page": 2})
    assert _seqs(second) == [1]
    # A page past the end is the last page, not an error.
    assert _seqs(client.get(URL, {"case": 5, "page": 99})) == [1]


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


@pytest.fixture
def person_with_a_case(milan, make_staff, make_contact, frozen_now):
    """A person, their case opened from one contact and joined by another, with a screening of
    the first contact; and somebody else's case, contact and screening beside them."""
    from sportello.cases.models import Case, Person
    from sportello.services.models import Service
    from sportello.triage.models import Screening

    frozen_now(NOW)
    opener = make_staff("professional", username="apre")

    def make(pseudonym: str, reference: str):
        person = Person.objects.create(pseudonym=pseudonym, created_at=NOW)
        first, second = make_contact(NOW), make_contact(NOW)
        case = Case.objects.create(
            reference=reference,
            person=person,
            service=Service.objects.get(code="emergency"),
            opened_from=first,
            opened_at=NOW,
            opened_by=opener,
        )
        case.contacts.add(second)
        screening = Screening.objects.create(
            contact=first,
            at=NOW,
            by=opener,
            instrument_version="1",
            answers="{}",
            computed_level=1,
            level=1,
        )
        return person, case, first, second, screening

    return make


def test_search_by_person_finds_their_cases_contacts_and_screenings_only(
    dpo, log_read, person_with_a_case, client
):
    _person, case, first, second, screening = person_with_a_case("P-AAAA-22", "PC-2026-000001")
    _other, other_case, other_contact, _o, other_screening = person_with_a_case(
        "P-BBBB-33", "PC-2026-000002"
    )
    ours = [
        log_read(dpo, case_id=case.pk, object_type="case", object_id=case.pk),
        log_read(dpo, case_id=case.pk, object_type="session", object_id=99),
        log_read(dpo, object_type="contact", object_id=first.pk),  # the contact it came from
        log_read(dpo, object_type="contact", object_id=second.pk),  # a contact joined later
        log_read(dpo, object_type="screening", object_id=screening.pk),
    ]
    theirs = [
        log_read(dpo, case_id=other_case.pk, object_type="case", object_id=other_case.pk),
        log_read(dpo, object_type="contact", object_id=other_contact.pk),
        log_read(dpo, object_type="screening", object_id=other_screening.pk),
        # The same number, another kind of record: not a read of the person's contact.
        log_read(dpo, object_type="note", object_id=first.pk),
    ]
    assert theirs  # rows that must stay out
    response = client.get(URL, {"person": " p-aaaa-22 "})  # spaces and case forgiven
    assert response.status_code == 200
    assert sorted(_seqs(response)) == sorted(row.seq for row in ours)


def test_search_by_case_reference_or_number(dpo, log_read, person_with_a_case, client):
    _person, case, *_rest = person_with_a_case("P-CCCC-44", "PC-2026-000042")
    mine = log_read(dpo, case_id=case.pk)
    log_read(dpo, case_id=case.pk + 1000)
    for query in ("PC-2026-000042", "pc-2026-000042", str(case.pk)):
        response = client.get(URL, {"case": query})
        assert response.status_code == 200 and _seqs(response) == [mine.seq], query
    # A number the log knows needs no case: the log outlives the cases it speaks of.
    assert _seqs(client.get(URL, {"case": case.pk + 1000})) == [mine.seq + 1]
