"""The queue as the database reads it: the same order as the kernel, at a fixed query cost."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sportello.intake import operations, queries
from sportello.intake.models import Contact
from sportello.intake.queue_order import Taker, next_for, rank
from sportello.services import queries as catalogue
from sportello.testing import rome

NOW = rome(2026, 12, 2, 11, 0)

contacts = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3 * 24 * 60),  # minutes before now it arrived
        st.booleans(),  # danger now
        st.one_of(st.none(), st.integers(min_value=-600, max_value=600)),  # callback due offset
        st.sampled_from(["emergency", "victims", "mediation"]),
    ),
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(contacts)
def test_the_claim_query_orders_the_queue_exactly_as_the_kernel(milan, frozen_now, rows):
    frozen_now(NOW)
    Contact.objects.all().delete()
    services = {service.code: service for service in catalogue.active_services()}
    for minutes_ago, danger, due_offset, service in rows:
        received = NOW - datetime.timedelta(minutes=minutes_ago)
        contact = operations.register_contact(
            operations.ContactRequest(
                channel="switchboard",
                service=services[service],
                received_at=received,
                danger_now=danger,
                caller_number="+393331234567",
            )
        ).contact
        # Force the shape under test whatever the calendar made of it.
        Contact.objects.filter(pk=contact.pk).update(
            status="waiting" if due_offset is None else "callback_scheduled",
            callback_due_at=None
            if due_offset is None
            else NOW + datetime.timedelta(minutes=due_offset),
            closed_at=None,
            close_reason="",
        )
    calendar = catalogue.opening_calendar()
    required = queries._required_competences()
    entries = [
        queries._entry(contact, required[contact.service_id][1])
        for contact in Contact.objects.select_related("service")
    ]
    everyone = Taker(services=None, competences=frozenset())
    from_sql = list(queries.queue_head(everyone, NOW).values_list("pk", flat=True))
    assert from_sql == [ranked.entry.contact_id for ranked in rank(entries, NOW, calendar)]
    # A professional's "take the next" is the kernel's next_for over the same queue.
    trauma_specialist = Taker(
        services=frozenset({"emergency", "victims"}), competences=frozenset({"psychotraumatology"})
    )
    first = queries.queue_head(trauma_specialist, NOW).first()
    expected = next_for(trauma_specialist, entries, NOW, calendar)
    assert (first.pk if first else None) == (expected.entry.contact_id if expected else None)


@pytest.fixture
def coordinator(milan, make_staff):
    return make_staff("coordinator")


def test_the_queue_page_costs_the_same_queries_for_3_or_30_contacts(
    milan, make_contact, coordinator, client, frozen_now, django_assert_num_queries
):
    frozen_now(NOW)
    client.force_login(coordinator)

    def queries_for(n: int) -> int:
        Contact.objects.all().delete()
        for minute in range(n):
            make_contact(NOW - datetime.timedelta(minutes=minute + 1), danger_now=minute % 7 == 0)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get("/personale/coda/")
        assert response.status_code == 200
        assert response.content.decode().count("data-reference=") == n
        return len(captured)

    assert queries_for(3) == queries_for(30)


def test_the_live_partial_is_served_to_htmx(milan, make_contact, coordinator, client, frozen_now):
    frozen_now(NOW)
    make_contact(NOW - datetime.timedelta(minutes=3))
    client.force_login(coordinator)
    response = client.get("/personale/coda/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="queue-live"') and "<html" not in body
    assert "SP-2026-000001" in body


@pytest.mark.parametrize(
    ("minutes", "level", "words"),
    [(2, "ok", ""), (6, "warning", "vicino all'obiettivo"), (12, "late", "oltre")],
)
def test_waits_are_coloured_and_worded_against_the_target(
    milan, make_contact, coordinator, client, frozen_now, settings, minutes, level, words
):
    settings.SPORTELLO_QUEUE_TARGET_MINUTES = 10
    frozen_now(NOW)
    make_contact(NOW - datetime.timedelta(minutes=minutes))
    client.force_login(coordinator)
    body = client.get("/personale/coda/").content.decode()
    assert f"wait-badge wait-{level}" in body
    assert f"{minutes} min" in body and words in body


def test_a_repeat_caller_is_recognised_and_earlier_reasons_shown_only_to_who_may(
    milan, make_contact, make_staff, frozen_now, client
):
    frozen_now(NOW)
    first_listener, second = make_staff("professional"), make_staff("professional")
    earlier = make_contact(
        NOW - datetime.timedelta(days=1), caller_number="+393331234567", reason="lutto"
    )
    operations.take_contact(first_listener, earlier.pk)
    operations.record_outcome(first_listener, earlier.pk, "reached")
    make_contact(NOW - datetime.timedelta(hours=1), caller_number="+393339999999")
    again = make_contact(NOW, caller_number="333 123 4567", reason="di nuovo")
    operations.take_contact(second, again.pk)

    client.force_login(second)
    page = client.get(f"/personale/contatti/{again.pk}/").content.decode()
    assert earlier.reference in page and "SP-2026-000002" not in page
    assert "lutto" not in page  # heard by someone else

    coordinator = make_staff("coordinator")
    client.force_login(coordinator)
    assert "lutto" in client.get(f"/personale/contatti/{again.pk}/").content.decode()


def test_a_contact_sheet_is_closed_to_colleagues_who_do_not_hold_it(
    milan, make_contact, make_staff, frozen_now, client
):
    frozen_now(NOW)
    contact = make_contact(NOW, caller_number="+393331234567")
    holder, other = make_staff("professional"), make_staff("professional")
    operations.take_contact(holder, contact.pk)
    client.force_login(other)
    assert client.get(f"/personale/contatti/{contact.pk}/").status_code == 403
    client.force_login(holder)
    response = client.get(f"/personale/contatti/{contact.pk}/")
    assert response.status_code == 200 and "333 123 4567" in response.content.decode()


def test_the_contact_sheet_costs_the_same_queries_for_1_or_10_earlier_contacts(
    milan, make_contact, make_staff, frozen_now, client
):
    """Each earlier contact asks the policy whether its reason may be shown: the user's roles
    are read once, not once per contact."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    frozen_now(NOW)
    professional = make_staff("professional")
    client.force_login(professional)

    def queries_for(earlier: int) -> int:
        Contact.objects.all().delete()
        for hour in range(earlier):
            make_contact(NOW - datetime.timedelta(hours=hour + 1), caller_number="+393331234567")
        current = make_contact(NOW, caller_number="+393331234567")
        operations.take_contact(professional, current.pk)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/personale/contatti/{current.pk}/").content.decode()
        assert page.count("SP-2026-") >= earlier + 1
        return len(captured)

    assert queries_for(1) == queries_for(10)


def test_the_queue_page_decrypts_nothing_personal(
    milan, make_contact, coordinator, client, frozen_now, monkeypatch
):
    from sportello import field_encryption

    frozen_now(NOW)
    for minute in range(5):
        make_contact(
            NOW - datetime.timedelta(minutes=minute + 1),
            caller_number="+393331234567",
            reason="lutto",
        )
    decrypted: list[str] = []
    real = field_encryption.decrypt
    monkeypatch.setattr(
        field_encryption, "decrypt", lambda token: decrypted.append(token) or real(token)
    )
    client.force_login(coordinator)
    assert client.get("/personale/coda/").content.decode().count("data-reference=") == 5
    assert decrypted == []
