"""GET /api/v1/status/ as DESIGN.md §5 fixes it, on holidays and across DST changes."""

import urllib.parse

import pytest

from sportello.services.models import CalendarException, Organisation
from sportello.testing import rome

pytestmark = pytest.mark.django_db


def status(client, at=None, **headers):
    url = "/api/v1/status/"
    if at is not None:
        url += "?" + urllib.parse.urlencode({"at": at})
    return client.get(url, **headers)


@pytest.mark.parametrize(
    ("at", "is_open", "closes_at", "next_opening"),
    [
        # Easter Monday 2026, then Tuesday.
        ("2026-04-06T10:00:00+02:00", False, None, "2026-04-07T09:30:00+02:00"),
        # 25 April 2026 is a Saturday: closed, next is Monday 27.
        ("2026-04-25T10:00:00+02:00", False, None, "2026-04-27T09:30:00+02:00"),
        ("2026-05-01T10:00:00+02:00", False, None, "2026-05-02T09:30:00+02:00"),
        ("2026-06-02T10:00:00+02:00", False, None, "2026-06-03T09:30:00+02:00"),
        ("2026-08-15T10:00:00+02:00", False, None, "2026-08-17T09:30:00+02:00"),
        ("2026-11-01T10:00:00+01:00", False, None, "2026-11-02T09:30:00+01:00"),
        # Sant'Ambrogio (7) and the Immaculate Conception (8): reopens Wednesday 9.
        ("2026-12-07T10:00:00+01:00", False, None, "2026-12-09T09:30:00+01:00"),
        ("2026-12-08T10:00:00+01:00", False, None, "2026-12-09T09:30:00+01:00"),
        ("2026-12-25T10:00:00+01:00", False, None, "2026-12-28T09:30:00+01:00"),
        ("2026-12-26T10:00:00+01:00", False, None, "2026-12-28T09:30:00+01:00"),
        # A Sunday.
        ("2026-11-29T10:00:00+01:00", False, None, "2026-11-30T09:30:00+01:00"),
        # An ordinary Wednesday at the edges of the day.
        ("2026-11-25T09:29:00+01:00", False, None, "2026-11-25T09:30:00+01:00"),
        (
            "2026-11-25T09:30:00+01:00",
            True,
            "2026-11-25T18:00:00+01:00",
            "2026-11-26T09:30:00+01:00",
        ),
        (
            "2026-11-25T17:59:00+01:00",
            True,
            "2026-11-25T18:00:00+01:00",
            "2026-11-26T09:30:00+01:00",
        ),
        ("2026-11-25T18:00:00+01:00", False, None, "2026-11-26T09:30:00+01:00"),
        # DST starts on Sunday 29 March 2026: Saturday is +01:00, Monday +02:00.
        ("2026-03-28T16:59:00Z", True, "2026-03-28T18:00:00+01:00", "2026-03-30T09:30:00+02:00"),
        ("2026-03-28T18:00:00+01:00", False, None, "2026-03-30T09:30:00+02:00"),
        ("2026-03-30T07:30:00Z", True, "2026-03-30T18:00:00+02:00", "2026-03-31T09:30:00+02:00"),
        # DST ends on Sunday 25 October 2026.
        ("2026-10-24T15:59:00Z", True, "2026-10-24T18:00:00+02:00", "2026-10-26T09:30:00+01:00"),
        ("2026-10-26T08:29:00Z", False, None, "2026-10-26T09:30:00+01:00"),
        ("2026-10-26T08:30:00Z", True, "2026-10-26T18:00:00+01:00", "2026-10-27T09:30:00+01:00"),
        # Year end: 31 December is a Thursday, 1 January a holiday, Saturday 2 open.
        ("2026-12-31T18:00:00+01:00", False, None, "2027-01-02T09:30:00+01:00"),
        ("2027-01-06T10:00:00+01:00", False, None, "2027-01-07T09:30:00+01:00"),
    ],
)
def test_status_on_named_dates(client, milan, at, is_open, closes_at, next_opening):
    response = status(client, at)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["open"] is is_open
    assert body["closes_at"] == closes_at
    assert body["next_opening"] == next_opening
    assert body["phone"] == "020202"


def test_status_answers_in_rome_time_with_every_field(client, milan):
    body = status(client, "2026-03-30T07:30:00Z").json()
    assert body == {
        "open": True,
        "at": "2026-03-30T09:30:00+02:00",
        "closes_at": "2026-03-30T18:00:00+02:00",
        "next_opening": "2026-03-31T09:30:00+02:00",
        "phone": "020202",
        "emergency_numbers": [
            {"number": "112", "label": "Numero unico di emergenza"},
            {"number": "1522", "label": "Numero antiviolenza e stalking"},
        ],
    }


def test_labels_follow_accept_language(client, milan):
    body = status(client, "2026-03-30T09:30:00+02:00", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["emergency_numbers"][1]["label"] == "Anti-violence and stalking helpline"


def test_now_by_default(client, milan, frozen_now):
    frozen_now(rome(2026, 12, 7, 11, 0))
    body = status(client).json()
    assert body["at"] == "2026-12-07T11:00:00+01:00"
    assert body["open"] is False


def test_an_unencoded_plus_sign_still_means_an_offset(client, milan):
    response = client.get("/api/v1/status/?at=2026-03-30T09:30:00+02:00")
    assert response.status_code == 200
    assert response.json()["at"] == "2026-03-30T09:30:00+02:00"


def test_a_time_without_offset_is_rome_time(client, milan):
    assert status(client, "2026-07-01T09:30:00").json()["at"] == "2026-07-01T09:30:00+02:00"


@pytest.mark.parametrize(
    "bad", ["yesterday", "2026-13-01T10:00:00+01:00", "2026-12-07", "1200-01-01T00:00:00Z"]
)
def test_a_bad_at_is_a_400_with_a_clear_message(client, milan, bad):
    response = status(client, bad)
    assert response.status_code == 400
    assert list(response.json()) == ["at"]
    assert "ISO 8601" in response.json()["at"][0] or "intervallo" in response.json()["at"][0]


def test_the_400_message_is_english_when_asked(client, milan):
    response = status(client, "yesterday", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["at"][0].startswith("Invalid date and time")


def test_dated_exceptions_from_the_database(client, milan):
    organisation = Organisation.objects.get()
    CalendarException.objects.create(
        organisation=organisation, day="2026-11-26", kind="closed", reason_it="Sciopero"
    )
    CalendarException.objects.create(
        organisation=organisation, day="2026-11-29", kind="open", opens="10:00", closes="13:00"
    )
    CalendarException.objects.create(
        organisation=organisation, day="2026-11-27", kind="hours", opens="9:30", closes="14:00"
    )
    assert status(client, "2026-11-26T10:00:00+01:00").json()["next_opening"] == (
        "2026-11-27T09:30:00+01:00"
    )
    friday = status(client, "2026-11-27T13:00:00+01:00").json()
    assert friday["closes_at"] == "2026-11-27T14:00:00+01:00"
    sunday = status(client, "2026-11-29T11:00:00+01:00").json()
    assert sunday["open"] is True
    assert sunday["closes_at"] == "2026-11-29T13:00:00+01:00"


def test_patron_day_comes_from_the_organisation_not_only_the_holiday_package(client, milan):
    organisation = Organisation.objects.get()
    # A city the holiday package knows nothing about: its patron day still closes the desk.
    organisation.holiday_subdivision = ""
    organisation.patron_day_month, organisation.patron_day_day = 6, 24
    organisation.save()
    assert status(client, "2027-06-24T10:00:00+02:00").json()["open"] is False
    # Without the MI subdivision, 7 December is an ordinary Monday.
    assert status(client, "2026-12-07T10:00:00+01:00").json()["open"] is True


def test_the_openapi_schema_documents_the_status(client, milan):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/v1/status/"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["at"]
    assert {"open", "at", "closes_at", "next_opening", "phone", "emergency_numbers"} <= set(
        schema["components"]["schemas"]["DeskStatus"]["properties"]
    )


def test_the_api_docs_load_nothing_from_a_cdn(client, milan):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()
