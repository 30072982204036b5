"""The calendar feed: the operator's own shifts, in Rome's time, at an address no one can guess,
that stops working when the password changes or the operator renews it."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from icalendar import Calendar

from sportello.rota import ical
from sportello.rota import swap_operations as swaps
from sportello.rota.models import Contract
from sportello.testing import ROME, rome

from .conftest import MONDAY_8, TUESDAY, kind, make_team

D = datetime.date
# Milan's holidays in the window (4 weeks back, 12 ahead): Tuesday 8/12 is the Immaculate
# Conception; the other holidays fall on days Anna does not work.
HOLIDAYS = {D(2026, 12, 8)}


@pytest.fixture
def team(milan, make_staff, frozen_now):
    frozen_now(MONDAY_8)
    # A plan in force since October, so the feed has shifts before today too.
    return make_team(make_staff, valid_from=D(2026, 10, 5))


def feed_url(user):
    return reverse("rota:ical-feed", args=[ical.feed_token(user, Contract.objects.get(user=user))])


def events_of(response):
    calendar = Calendar.from_ical(response.content)
    return {event.start: event for event in calendar.walk("VEVENT")}, calendar


def anna_expected():
    """Anna works Tuesday afternoons and Thursday mornings, from 2/11/2026 to 22/2/2027."""
    first, last = D(2026, 11, 2), D(2027, 2, 22)
    found = []
    day = first
    while day <= last:
        if day not in HOLIDAYS and day.weekday() == 1:
            found.append(datetime.datetime.combine(day, datetime.time(13, 45), tzinfo=ROME))
        if day not in HOLIDAYS and day.weekday() == 3:
            found.append(datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=ROME))
        day += datetime.timedelta(days=1)
    return found


def test_the_feed_lists_the_operators_shifts_in_romes_time(client, team):
    response = client.get(feed_url(team.anna))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    events, calendar = events_of(response)
    assert sorted(events) == anna_expected()
    tuesday = events[rome(2026, 12, 1, 13, 45)]
    assert str(tuesday["SUMMARY"]) == "Turno Sportello: Pomeriggio"
    assert tuesday.end == rome(2026, 12, 1, 18, 0)
    assert tuesday["DTSTART"].params["TZID"] == "Europe/Rome"
    # The zone is described in the feed itself, for apps that do not know it.
    assert [zone.tz_name for zone in calendar.timezones] == ["Europe/Rome"]
    # Summer time: a shift in the window keeps its local wall-clock time in winter too.
    assert events[rome(2027, 2, 18, 9, 30)].start.utcoffset() == datetime.timedelta(hours=1)
    assert str(events[rome(2026, 12, 3, 9, 30)]["SUMMARY"]) == "Turno Sportello: Mattina"


def test_event_uids_are_stable_across_fetches(client, team, frozen_now):
    first, _calendar = events_of(client.get(feed_url(team.anna)))
    frozen_now(MONDAY_8 + datetime.timedelta(hours=3))
    again, _calendar = events_of(client.get(feed_url(team.anna)))
    uid = str(first[rome(2026, 12, 1, 13, 45)]["UID"])
    assert uid == str(again[rome(2026, 12, 1, 13, 45)]["UID"])
    assert uid.startswith(f"20261201-afternoon-{team.anna.pk}@")
    assert len({str(event["UID"]) for event in first.values()}) == len(first)


def test_nobody_elses_shifts_or_names_are_in_the_feed(client, team):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    swaps.answer_swap(team.carla, swap, agree=True)
    swaps.decide_swap(team.coordinator, swap, approve=True)
    response = client.get(feed_url(team.carla))
    events, _calendar = events_of(response)
    # Carla's own pattern (Wednesday morning, Thursday afternoon) and the swapped Tuesday.
    assert {start.weekday() for start in events} == {1, 2, 3}
    assert [start for start in events if start.weekday() == 1] == [rome(2026, 12, 1, 13, 45)]
    swapped = events[rome(2026, 12, 1, 13, 45)]
    assert str(swapped["DESCRIPTION"]) == "Turno preso con un cambio turno."
    body = response.content.decode()
    for other in (team.anna, team.bruno, team.dario):
        for word in (other.first_name, other.last_name, other.username):
            assert word.lower() not in body.lower()
    # Anna's feed lost that Tuesday.
    anna, _calendar = events_of(client.get(feed_url(team.anna)))
    assert rome(2026, 12, 1, 13, 45) not in anna


@pytest.mark.parametrize(
    "token",
    ["", "abc", "999999-" + "0" * 64, "-" + "0" * 64],
)
def test_a_wrong_address_is_not_found(client, team, token):
    url = reverse("rota:ical-feed", args=["x"]).replace("x.ics", f"{token}.ics")
    assert client.get(url).status_code == 404


def test_another_users_id_with_a_valid_signature_is_not_found(client, team):
    anna_signature = ical.feed_token(team.anna, team.anna.rota_contract).partition("-")[2]
    url = reverse("rota:ical-feed", args=[f"{team.carla.pk}-{anna_signature}"])
    assert client.get(url).status_code == 404


def test_a_password_change_retires_the_address(client, team):
    old = feed_url(team.anna)
    team.anna.set_password("another-long-password")
    team.anna.save()
    assert client.get(old).status_code == 404
    assert client.get(feed_url(team.anna)).status_code == 200


def test_renewing_retires_the_old_address(client, team):
    old = feed_url(team.anna)
    contract = ical.renew_feed(team.anna)
    assert contract.feed_rotation == 1
    assert client.get(old).status_code == 404
    assert client.get(feed_url(team.anna)).status_code == 200
    assert team.anna.audit_events.filter(object_type="rota.feed", action="renew").exists()


def test_renewing_needs_a_contract(team, make_staff):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        ical.renew_feed(team.coordinator)
    assert "Non hai ancora un contratto di turno" in error.value.messages[0]


def test_an_operator_who_left_the_roles_has_no_feed(client, team):
    url = feed_url(team.anna)
    team.anna.groups.clear()
    assert client.get(url).status_code == 404
    team.anna.is_active = False
    team.anna.save()
    assert client.get(url).status_code == 404


def test_the_feed_needs_no_session_and_sets_none(client, team):
    response = client.get(feed_url(team.anna))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_fetches_are_rate_limited_per_operator(client, team, settings):
    settings.SPORTELLO_ROTA_FEED_RATE = "2/m"
    cache.clear()
    url = feed_url(team.anna)
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    # Another operator's feed is counted on its own.
    assert client.get(feed_url(team.carla)).status_code == 200


def test_wrong_addresses_are_rate_limited_per_network_address(client, team, settings):
    settings.SPORTELLO_ROTA_FEED_RATE = "2/m"
    cache.clear()
    wrong = reverse("rota:ical-feed", args=[f"{team.anna.pk}-{'0' * 64}"])
    assert [client.get(wrong).status_code for _ in range(3)] == [404, 404, 429]
    # Once limited, that address cannot try the right one either for a while.
    assert client.get(feed_url(team.anna)).status_code == 429
