"""The pages: homes, the case page, forms with errors, and where each role lands."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sportello.cases import operations
from sportello.cases.models import Case, Person, Session
from sportello.privacy.models import AccessLog, AuditEvent
from sportello.testing import rome
from sportello.triage import operations as triage

from .conftest import TUESDAY_10


def _cases(make_case, primary, n: int) -> list[Case]:
    return [make_case(primary) for _ in range(n)]


def test_the_professional_home_puts_high_risk_first_and_lists_todays_work(
    cast, make_case, screen, client
):
    quiet = cast.case
    urgent = make_case(cast.primary)
    screen(cast.primary, urgent.opened_from, "high")
    suspended = make_case(cast.primary)
    operations.suspend(cast.primary, suspended.pk)
    someone_elses = make_case(cast.team_member)
    operations.record_session(
        cast.primary,
        quiet.pk,
        held_at=rome(2026, 12, 1, 9, 40),
        mode="video",
        duration_minutes=20,
    )
    triage.schedule_follow_up(cast.primary, urgent.opened_from_id, due_at=rome(2026, 12, 1, 17, 0))
    client.force_login(cast.primary)
    page = client.get(reverse("cases:home")).content.decode()
    assert page.index(urgent.reference) < page.index(quiet.reference)
    assert suspended.reference not in page and someone_elses.reference not in page
    assert "Mancano:" in page  # the high-risk case says what its protocol lacks
    assert "09:40" in page and urgent.opened_from.reference in page  # session and follow-up
    # Lists are not reads of a record: no access-log row, nothing decrypted for them.
    assert AccessLog.objects.count() == 0


def test_the_homes_read_a_bounded_number_of_queries(
    cast, make_case, screen, client, django_assert_max_num_queries
):
    def count(user, url) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    homes = [
        (cast.primary, reverse("cases:home")),
        (cast.coordinator, reverse("cases:coordination")),
    ]
    with_one = [count(user, url) for user, url in homes]
    for case in _cases(make_case, cast.primary, 6):
        screen(cast.primary, case.opened_from, "high")
        case.team.add(cast.team_member)
        operations.record_session(
            cast.primary, case.pk, held_at=TUESDAY_10, mode="phone", duration_minutes=10
        )
    assert [count(user, url) for user, url in homes] == with_one
    for user, url in homes:
        client.force_login(user)
        with django_assert_max_num_queries(18):
            client.get(url)


def test_the_coordination_home_shows_high_risk_unassigned_and_suspended_cases(
    cast, make_case, make_coordinator, held_contact, screen, client
):
    urgent = make_case(cast.primary)
    screen(cast.primary, urgent.opened_from, "high")
    unassigned = operations.open_case(
        cast.coordinator, held_contact(cast.outsider).pk, person_data=operations.PersonData()
    )
    operations.suspend(cast.primary, cast.case.pk)
    client.force_login(cast.coordinator)
    page = client.get(reverse("cases:coordination")).content.decode()
    high, rest = page.split('id="unassigned-heading"')
    assert urgent.reference in high and "coordinatore informato" in high
    unassigned_part, suspended_part = rest.split('id="suspended-heading"')
    assert unassigned.reference in unassigned_part and cast.outsider.first_name in unassigned_part
    assert cast.case.reference in suspended_part
    response = client.post(
        reverse("cases:assign", args=[unassigned.pk]),
        {"professional": cast.outsider.pk, "next": reverse("cases:coordination")},
    )
    assert response.status_code == 302 and response.url == reverse("cases:coordination")
    unassigned.refresh_from_db()
    assert unassigned.primary_professional == cast.outsider

    client.force_login(cast.coordinator_elsewhere)
    elsewhere = client.get(reverse("cases:coordination")).content.decode()
    assert urgent.reference not in elsewhere and cast.case.reference not in elsewhere


def test_the_case_page_shows_the_record_but_leaves_the_notes_to_the_session_page(cast, client):
    case = cast.case
    operations.save_section(cast.primary, case.pk, {"target_group": "painful_events"})
    older = operations.record_session(
        cast.primary,
        case.pk,
        held_at=TUESDAY_10 - datetime.timedelta(days=1),
        mode="phone",
        duration_minutes=30,
        notes="Prima nota riservata",
    )
    newer = operations.record_session(
        cast.primary,
        case.pk,
        held_at=TUESDAY_10 - datetime.timedelta(hours=1),
        mode="video",
        duration_minutes=50,
    )
    operations.record_consent(cast.primary, case.pk, given_how="verbal_video", given_at=TUESDAY_10)
    client.force_login(cast.primary)
    response = client.get(reverse("cases:case", args=[case.pk]))
    page = response.content.decode()
    assert response["Cache-Control"].count("no-store") == 1
    assert case.person.pseudonym in page and "Ridurre l&#x27;ansia notturna" in page
    assert "Persone coinvolte in eventi dolorosi" in page
    newer_link = reverse("cases:session", args=[case.pk, newer.pk])
    older_link = reverse("cases:session", args=[case.pk, older.pk])
    assert page.index(newer_link) < page.index(older_link)
    assert "Prima nota riservata" not in page and "consenso-2026-01" in page
    session_page = client.get(older_link)
    assert "Prima nota riservata" in session_page.content.decode()
    log = AccessLog.objects.filter(user=cast.primary).order_by("seq").last()
    assert (log.object_type, log.object_id, log.case_id) == ("session", str(older.pk), case.pk)


def test_the_transfer_history_stays_on_the_case_page(cast, client):
    operations.transfer(cast.coordinator, cast.case.pk, "victims", "Ha subito un furto in casa")
    client.force_login(cast.team_member)  # serves both services
    page = client.get(reverse("cases:case", args=[cast.case.pk])).content.decode()
    assert "Servizio per le emergenze psicologiche e relazionali →" in page


def test_opening_a_case_from_the_contact_and_its_errors(cast, held_contact, client):
    contact = held_contact(cast.primary)
    url = reverse("cases:open") + f"?contatto={contact.pk}"
    client.force_login(cast.primary)
    before = (Case.objects.count(), Person.objects.count(), AuditEvent.objects.count())
    response = client.post(url, {"full_name": "", "birth_year": "1850"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_full_name_error"' in page and "Scrivi nome e cognome" in page
    assert 'id="id_birth_year_error"' in page and 'aria-invalid="true"' in page
    assert (Case.objects.count(), Person.objects.count(), AuditEvent.objects.count()) == before
    response = client.post(url, {"anonymous": "on", "goals": "Capire cosa fare"})
    case = Case.objects.get(opened_from=contact)
    assert response.status_code == 302 and response.url == reverse("cases:case", args=[case.pk])
    again = client.get(url).content.decode()
    assert case.reference in again and "fa già parte" in again


def test_a_bad_session_form_is_shown_again_and_nothing_is_written(cast, client):
    client.force_login(cast.team_member)
    response = client.post(
        reverse("cases:session-new", args=[cast.case.pk]),
        {
            "held_at": "2026-12-02T09:00",
            "mode": "phone",
            "duration_minutes": "300",
            "notes": "Nota",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "al massimo di 240 minuti" in page
    assert Session.objects.count() == 0


def test_the_section_form_speaks_english_at_the_english_address(cast, client):
    client.force_login(cast.primary)
    page = client.get(f"/en/personale/casi/{cast.case.pk}/sezione/").content.decode()
    assert "Target group" in page and "People going through painful events" in page


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("professional", "/personale/casi/"),
        ("coordinator", "/personale/casi/coordinamento/"),
        ("switchboard", "/personale/centralino/"),
    ],
)
def test_each_role_lands_on_its_home(milan, make_staff, client, role, target):
    client.force_login(make_staff(role))
    assert client.get("/personale/").url == target


def test_the_demo_opens_its_sample_cases_once(milan, frozen_now):
    from sportello.accounts.operations import ensure_demo_staff
    from sportello.cases.demo_cases import ensure_demo_cases

    frozen_now(TUESDAY_10)
    ensure_demo_staff()
    assert ensure_demo_cases() == 3 and ensure_demo_cases() == 0
    waiting = Case.objects.get(service__code="victims")
    assert waiting.primary_professional is None  # for the coordinator to assign
    assert Session.objects.filter(case__primary_professional__username="psicologa").count() == 2
