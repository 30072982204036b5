"""Tests for the video providers: room names, signed Jitsi room tokens, and the settings adapter."""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured

from sportello.appointments.video import (
    JitsiProvider,
    JoinLink,
    LinkOnlyProvider,
    Participant,
    RoomTokenError,
    VideoProvider,
)
from sportello.appointments.video_settings import provider_from_settings
from sportello.testing import rome

SECRET = "a-jitsi-secret-of-at-least-32-bytes!"
OTHER_SECRET = "another-secret-of-at-least-32-bytes!"
JITSI = "https://video.comune.example.it"
START = rome(2026, 3, 10, 15, 0)
END = rome(2026, 3, 10, 15, 45)
BOOKED = rome(2026, 3, 9, 11, 0)
GUEST = Participant(name="Partecipante", moderator=False)
MINUTE = datetime.timedelta(minutes=1)
SECOND = datetime.timedelta(seconds=1)


def jitsi(secret: str = SECRET, *, app_id: str = "sportello", url: str = JITSI) -> JitsiProvider:
    return JitsiProvider(
        url, app_id, secret, datetime.timedelta(minutes=10), datetime.timedelta(minutes=30)
    )


def link(provider: VideoProvider, room: str, **overrides: object) -> JoinLink:
    arguments: dict[str, object] = {
        "starts_at": START,
        "ends_at": END,
        "participant": GUEST,
        "now": BOOKED,
    }
    arguments.update(overrides)
    return provider.join_url(room, **arguments)  # type: ignore[arg-type]


def token_of(join: JoinLink) -> str:
    (token,) = parse_qs(urlsplit(join.url).query)["jwt"]
    return token


# --- room names ----------------------------------------------------------------------------------


def test_room_names_are_unique_unguessable_and_url_safe():
    provider = jitsi()
    rooms = [provider.new_room() for _ in range(1000)]

    assert len(set(rooms)) == 1000
    for room in rooms:
        assert re.fullmatch(r"sportello-[a-z2-7]{32}", room), room
    # Jitsi folds room names to lower case: only lower case keeps the 160 random bits distinct.
    assert all(room == room.lower() for room in rooms)


def test_the_demo_provider_makes_room_names_the_same_way():
    provider = LinkOnlyProvider("http://127.0.0.1:8000", MINUTE, MINUTE)

    assert re.fullmatch(r"sportello-[a-z2-7]{32}", provider.new_room())


# --- the link and its token ----------------------------------------------------------------------


def test_the_link_opens_the_room_with_a_token_for_the_window():
    provider = jitsi()
    room = provider.new_room()

    join = link(provider, room)

    assert join.url.startswith(f"{JITSI}/{room}?jwt=")
    assert join.demo is False
    assert join.opens_at == START - datetime.timedelta(minutes=10)
    assert join.closes_at == END + datetime.timedelta(minutes=30)
    claims = provider.verify(token_of(join), room, at=START)
    assert claims["room"] == room
    assert claims["nbf"] == int(join.opens_at.timestamp())
    assert claims["exp"] == int(join.closes_at.timestamp())
    assert claims["iat"] == int(BOOKED.timestamp())


def test_the_claims_are_exactly_the_jitsi_ones_and_carry_no_personal_data():
    provider = jitsi()
    room = provider.new_room()

    claims = provider.verify(token_of(link(provider, room)), room, at=START)

    assert set(claims) == {"aud", "iss", "sub", "room", "nbf", "exp", "iat", "context"}
    assert claims["aud"] == "jitsi"
    assert claims["iss"] == "sportello"
    assert claims["sub"] == "video.comune.example.it"
    assert claims["context"] == {"user": {"name": "Partecipante", "moderator": False}}


def test_the_professional_joins_as_moderator():
    provider = jitsi()
    room = provider.new_room()
    host = Participant(name="Operatore", moderator=True)

    claims = provider.verify(token_of(link(provider, room, participant=host)), room, at=START)

    assert claims["context"]["user"] == {"name": "Operatore", "moderator": True}


def test_the_token_is_valid_from_the_opening_to_just_before_the_closing():
    provider = jitsi()
    room = provider.new_room()
    join = link(provider, room)
    token = token_of(join)

    for at in (join.opens_at, START, END, join.closes_at - SECOND):
        assert provider.verify(token, room, at=at)["room"] == room
        assert join.is_open(at)


def test_the_token_is_refused_before_the_room_opens():
    provider = jitsi()
    room = provider.new_room()
    join = link(provider, room)

    with pytest.raises(RoomTokenError, match="not open yet"):
        provider.verify(token_of(join), room, at=join.opens_at - SECOND)
    assert not join.is_open(join.opens_at - SECOND)


def test_the_token_is_refused_once_the_room_closes():
    provider = jitsi()
    room = provider.new_room()
    join = link(provider, room)

    for at in (join.closes_at, rome(2026, 3, 17, 15, 0)):
        with pytest.raises(RoomTokenError, match="expired"):
            provider.verify(token_of(join), room, at=at)
    assert not join.is_open(join.closes_at)


def test_the_token_is_bound_to_its_room():
    provider = jitsi()
    room, other_room = provider.new_room(), provider.new_room()

    with pytest.raises(RoomTokenError, match="for room"):
        provider.verify(token_of(link(provider, room)), other_room, at=START)


def test_a_token_signed_with_another_secret_is_refused():
    room = jitsi().new_room()
    forged = token_of(link(jitsi(OTHER_SECRET), room))

    with pytest.raises(RoomTokenError, match="Signature verification failed"):
        jitsi().verify(forged, room, at=START)


def test_a_token_of_another_issuer_or_audience_is_refused():
    provider = jitsi()
    room = provider.new_room()
    other_app = token_of(link(jitsi(app_id="another-app"), room))
    claims = provider.verify(token_of(link(provider, room)), room, at=START)
    other_audience = jwt.encode({**claims, "aud": "not-jitsi"}, SECRET, algorithm="HS256")

    with pytest.raises(RoomTokenError, match="issuer"):
        provider.verify(other_app, room, at=START)
    with pytest.raises(RoomTokenError, match=r"(?i)audience"):
        provider.verify(other_audience, room, at=START)


@pytest.mark.parametrize("claim", ["nbf", "exp", "room", "context"])
def test_a_token_missing_a_claim_is_refused(claim):
    provider = jitsi()
    room = provider.new_room()
    claims = provider.verify(token_of(link(provider, room)), room, at=START)
    del claims[claim]

    with pytest.raises(RoomTokenError, match=claim):
        provider.verify(jwt.encode(claims, SECRET, algorithm="HS256"), room, at=START)


def test_an_unsigned_token_is_refused():
    provider = jitsi()
    room = provider.new_room()
    claims = provider.verify(token_of(link(provider, room)), room, at=START)

    with pytest.raises(RoomTokenError):
        provider.verify(jwt.encode(claims, None, algorithm="none"), room, at=START)


def test_without_a_secret_the_link_carries_no_token():
    provider = jitsi(secret="")
    room = provider.new_room()

    join = link(provider, room)

    assert join.url == f"{JITSI}/{room}"
    assert "jwt" not in join.url
    assert join.demo is False
    assert not provider.signs_tokens
    with pytest.raises(RoomTokenError, match="no Jitsi secret"):
        provider.verify("anything", room, at=START)


def test_the_secret_never_appears_in_the_providers_repr():
    assert SECRET not in repr(jitsi())


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["starts_at", "ends_at", "now"])
def test_naive_datetimes_are_refused(field):
    provider = jitsi()
    naive = datetime.datetime(2026, 3, 10, 15, 0)

    with pytest.raises(ValueError, match=f"{field} must be timezone-aware"):
        link(provider, provider.new_room(), **{field: naive})


def test_verify_refuses_a_naive_instant():
    provider = jitsi()
    room = provider.new_room()
    token = token_of(link(provider, room))

    with pytest.raises(ValueError, match="at must be timezone-aware"):
        provider.verify(token, room, at=datetime.datetime(2026, 3, 10, 15, 0))


def test_a_session_must_end_after_it_starts():
    provider = jitsi()

    with pytest.raises(ValueError, match="end after it starts"):
        link(provider, provider.new_room(), ends_at=START)


@pytest.mark.parametrize("room", ["", "../admin", "room?jwt=x", "Sportello-ABC", "a b"])
def test_room_names_that_could_escape_the_url_are_refused(room):
    with pytest.raises(ValueError, match="not a valid room name"):
        link(jitsi(), room)


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "x" * 101])
def test_a_participant_needs_a_printable_display_name(name):
    with pytest.raises(ValueError, match="display name"):
        Participant(name=name, moderator=False)


@pytest.mark.parametrize(
    ("url", "secret", "message"),
    [
        ("video.example.it", SECRET, "http"),
        ("ftp://video.example.it", SECRET, "http"),
        ("https://video.example.it/?room=1", SECRET, "query"),
        (JITSI, "too-short", "at least 32 bytes"),
    ],
)
def test_a_bad_jitsi_configuration_is_refused(url, secret, message):
    with pytest.raises(ValueError, match=message):
        jitsi(secret, url=url)


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_link_is_a_placeholder_under_the_site():
    provider = LinkOnlyProvider("http://127.0.0.1:8000/", MINUTE * 10, MINUTE * 30)
    room = provider.new_room()

    join = link(provider, room)

    assert join == JoinLink(
        url=f"http://127.0.0.1:8000/video-demo/{room}",
        opens_at=START - MINUTE * 10,
        closes_at=END + MINUTE * 30,
        demo=True,
    )


# --- settings ------------------------------------------------------------------------------------


def test_the_default_settings_give_the_demo_without_any_video_server(settings):
    settings.SPORTELLO_SITE_URL = "https://sportello.comune.example.it"

    provider = provider_from_settings()

    assert isinstance(provider, LinkOnlyProvider)
    join = link(provider, provider.new_room())
    assert join.demo is True
    assert join.url.startswith("https://sportello.comune.example.it/video-demo/sportello-")
    assert join.opens_at == START - MINUTE * 10
    assert join.closes_at == END + MINUTE * 30


def test_settings_with_a_jitsi_server_and_secret_give_signed_links(settings):
    settings.SPORTELLO_JITSI_URL = JITSI
    settings.SPORTELLO_JITSI_APP_ID = "comune"
    settings.SPORTELLO_JITSI_SECRET = SECRET
    settings.SPORTELLO_VIDEO_OPENS_MINUTES_BEFORE = 5
    settings.SPORTELLO_VIDEO_CLOSES_MINUTES_AFTER = 15

    provider = provider_from_settings()

    assert isinstance(provider, JitsiProvider)
    room = provider.new_room()
    join = link(provider, room)
    assert join.opens_at == START - MINUTE * 5
    assert join.closes_at == END + MINUTE * 15
    claims = provider.verify(token_of(join), room, at=START)
    assert claims["iss"] == "comune"
    with pytest.raises(RoomTokenError):
        provider.verify(token_of(join), room, at=join.closes_at)


def test_settings_with_a_jitsi_server_and_no_secret_give_plain_links(settings):
    settings.SPORTELLO_JITSI_URL = JITSI + "/"

    provider = provider_from_settings()

    room = provider.new_room()
    assert link(provider, room).url == f"{JITSI}/{room}"


def test_the_demo_provider_can_be_chosen_even_with_a_jitsi_url(settings):
    settings.SPORTELLO_VIDEO_PROVIDER = "demo"
    settings.SPORTELLO_JITSI_URL = JITSI

    assert isinstance(provider_from_settings(), LinkOnlyProvider)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SPORTELLO_VIDEO_PROVIDER": "zoom"}, "SPORTELLO_VIDEO_PROVIDER"),
        ({"SPORTELLO_JITSI_URL": JITSI, "SPORTELLO_JITSI_SECRET": "s3cr3t-value"}, "32 bytes"),
        ({"SPORTELLO_JITSI_URL": "meet"}, "http"),
        ({"SPORTELLO_VIDEO_OPENS_MINUTES_BEFORE": -5}, "opens_before"),
    ],
)
def test_wrong_video_settings_are_reported_without_the_secret(settings, overrides, message):
    for name, value in overrides.items():
        setattr(settings, name, value)

    with pytest.raises(ImproperlyConfigured, match=message) as error:
        provider_from_settings()
    assert "s3cr3t-value" not in str(error.value)
