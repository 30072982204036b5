"""What a coordinator types in the admin is checked by the models' clean(): clear Italian errors."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from sportello.services.models import (
    CalendarException,
    EmergencyProgramme,
    Organisation,
    Service,
    WeeklyHours,
)

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_hours_must_close_after_they_open(milan):
    hours = WeeklyHours(
        organisation=Organisation.objects.get(),
        weekday=6,
        opens=datetime.time(18),
        closes=datetime.time(9),
    )
    with pytest.raises(ValidationError) as error:
        hours.full_clean()
    assert "L'orario di chiusura deve seguire quello di apertura." in messages(error.value)


@pytest.mark.parametrize(
    ("kind", "opens", "closes", "message"),
    [
        ("closed", datetime.time(9), datetime.time(12), "Una chiusura non ha orari"),
        ("open", None, None, "Indica l'orario di apertura e di chiusura."),
        ("hours", datetime.time(14), datetime.time(10), "L'orario di chiusura deve seguire"),
    ],
)
def test_a_calendar_exception_needs_hours_that_match_its_kind(milan, kind, opens, closes, message):
    exception = CalendarException(
        organisation=Organisation.objects.get(),
        day=datetime.date(2026, 12, 1),
        kind=kind,
        opens=opens,
        closes=closes,
    )
    with pytest.raises(ValidationError) as error:
        exception.full_clean()
    assert message in messages(error.value)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"patron_day_month": 12, "patron_day_day": None}, "sia il mese sia il giorno"),
        ({"patron_day_month": 2, "patron_day_day": 30}, "La data del patrono non esiste."),
        ({"timezone": "Europe/Atlantis"}, "Fuso orario sconosciuto."),
    ],
)
def test_organisation_patron_day_and_timezone(milan, changes, message):
    organisation = Organisation.objects.get()
    for field, value in changes.items():
        setattr(organisation, field, value)
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert message in messages(error.value)


def test_a_service_must_be_reachable(milan):
    service = Service.objects.get(code="emergency")
    service.by_phone = service.by_video = False
    with pytest.raises(ValidationError, match="telefono o in video"):
        service.full_clean()


def test_a_programme_cannot_end_before_it_starts(milan):
    programme = EmergencyProgramme.objects.get(code="covid19")
    programme.ends_on = datetime.date(2019, 1, 1)
    with pytest.raises(ValidationError) as error:
        programme.full_clean()
    assert "La fine non può precedere l'inizio." in messages(error.value)
