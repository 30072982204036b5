"""Staff sessions end after a spell without requests, and when the browser closes."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

REPOSITORY = Path(__file__).resolve().parents[3]


@pytest.fixture
def signed_in(milan, make_staff, client):
    user = make_staff("professional")
    client.force_login(user)
    return user


def stored_session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_request_after_the_idle_time_is_sent_to_sign_in(signed_in, client):
    assert client.get("/personale/").url != "/personale/accesso/?next=/personale/"
    idle_since = timezone.now() - datetime.timedelta(
        minutes=settings.SPORTELLO_SESSION_IDLE_MINUTES
    )
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=idle_since - datetime.timedelta(seconds=1)
    )
    response = client.get("/personale/")
    assert response.status_code == 302
    assert response.url == "/personale/accesso/?next=/personale/"


def test_each_request_moves_the_expiry_forward(signed_in, client):
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )
    client.get("/personale/")
    left = stored_session(client).expire_date - timezone.now()
    assert left > datetime.timedelta(minutes=settings.SPORTELLO_SESSION_IDLE_MINUTES - 1)


def test_the_session_cookie_ends_with_the_browser(signed_in, client):
    response = client.get("/personale/")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""


def _setting(name: str, **environment: str) -> str:
    """A setting as a fresh process reads it from the environment (the test settings fill in
    what production requires)."""
    code = f"import sportello.test_settings, sportello.settings as s; print(getattr(s, {name!r}))"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=REPOSITORY,
        env={**os.environ, "DJANGO_DEBUG": "0", **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_idle_time_and_the_second_factor_come_from_the_environment():
    assert _setting("SESSION_COOKIE_AGE") == str(30 * 60)
    assert _setting("SESSION_COOKIE_AGE", SPORTELLO_SESSION_IDLE_MINUTES="15") == str(15 * 60)
    assert _setting("SPORTELLO_REQUIRE_MFA") == "True"
    assert _setting("SPORTELLO_REQUIRE_MFA", DJANGO_DEBUG="1") == "False"
    assert _setting("SPORTELLO_REQUIRE_MFA", SPORTELLO_REQUIRE_MFA="0") == "False"


def test_the_queues_automatic_refresh_does_not_keep_an_idle_session_alive(signed_in, client):
    """An unattended queue page polls every few seconds: that is not the person."""
    soon = timezone.now() + datetime.timedelta(minutes=1)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=soon)
    response = client.get(
        "/personale/coda/", headers={"HX-Request": "true", "X-Sportello-Refresh": "1"}
    )
    assert response.status_code == 200
    assert stored_session(client).expire_date == soon
    client.get("/personale/coda/")  # the person clicks: now the session moves forward
    assert stored_session(client).expire_date > soon + datetime.timedelta(minutes=20)


def test_the_polling_elements_mark_their_requests_as_automatic(signed_in, client):
    page = client.get("/personale/coda/").content.decode()
    assert '"X-Sportello-Refresh": "1"' in page
