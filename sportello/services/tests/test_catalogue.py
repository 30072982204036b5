"""Milan's catalogue is installed as the leaflet describes it, and bad catalogues write nothing."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command

from sportello.services.models import (
    Competence,
    EmergencyNumber,
    EmergencyProgramme,
    Organisation,
    Service,
    TargetGroup,
    WeeklyHours,
)
from sportello.testing import MILAN_CATALOGUE

pytestmark = pytest.mark.django_db


def test_the_four_services_of_the_leaflet(milan):
    assert [(s.code, s.name_it) for s in Service.objects.all()] == [
        ("emergency", "Servizio per le emergenze psicologiche e relazionali"),
        ("victims", "Servizio psicotraumatologico per le vittime di reato"),
        ("mediation", "Servizio di mediazione sociale e penale"),
        ("criminology", "Presidio criminologico territoriale"),
    ]
    for service in Service.objects.all():
        assert service.name_en and service.description_it and service.description_en
        assert service.by_phone and service.by_video and service.is_active
        assert service.required_competences.exists()
    assert set(
        Service.objects.get(code="victims").required_competences.values_list("code", flat=True)
    ) == {"psychotraumatology", "victim_support"}


def test_organisation_hours_and_numbers(milan):
    organisation = Organisation.objects.get()
    assert organisation.switchboard_number == "020202"
    assert (organisation.patron_day_month, organisation.patron_day_day) == (12, 7)
    assert organisation.holiday_subdivision == "MI"
    assert list(EmergencyNumber.objects.values_list("number", "label_it")) == [
        ("112", "Numero unico di emergenza"),
        ("1522", "Numero antiviolenza e stalking"),
    ]
    hours = list(WeeklyHours.objects.values_list("weekday", "opens", "closes"))
    assert hours == [(day, datetime.time(9, 30), datetime.time(18, 0)) for day in range(6)]


def test_three_target_groups_and_the_covid_programme(milan):
    assert list(TargetGroup.objects.values_list("code", flat=True)) == [
        "painful_events",
        "negative_emotions",
        "impulsive_acts_risk",
    ]
    covid = EmergencyProgramme.objects.get(code="covid19")
    assert covid.services.count() == 4
    assert covid.target_groups.count() == 3
    assert list(EmergencyProgramme.objects.running_on(datetime.date(2026, 11, 25))) == [covid]
    assert list(EmergencyProgramme.objects.running_on(datetime.date(2019, 1, 1))) == []


def test_localized_fields_follow_the_active_language(milan):
    from django.utils import translation

    service = Service.objects.get(code="emergency")
    with translation.override("en"):
        assert service.name == "Psychological and relational emergency service"
    with translation.override("it"):
        assert service.name == "Servizio per le emergenze psicologiche e relazionali"
    service.name_en = ""
    with translation.override("en"):
        assert service.name == service.name_it  # an untranslated row falls back to Italian


def test_load_catalogue_twice_changes_nothing(milan, tmp_path):
    before = (Service.objects.count(), Competence.objects.count(), WeeklyHours.objects.count())
    call_command("load_catalogue", str(MILAN_CATALOGUE), stdout=None)
    call_command("load_catalogue", str(MILAN_CATALOGUE), stdout=None)
    assert (
        Service.objects.count(),
        Competence.objects.count(),
        WeeklyHours.objects.count(),
    ) == before


def test_a_new_emergency_is_a_new_row(milan, tmp_path):
    data = json.loads(MILAN_CATALOGUE.read_text())
    data["programmes"].append(
        {
            "code": "heatwave",
            "name_it": "Ondata di calore",
            "name_en": "Heat wave",
            "starts_on": "2027-07-01",
            "ends_on": "2027-09-15",
            "services": ["emergency"],
            "target_groups": ["painful_events"],
        }
    )
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data))
    call_command("load_catalogue", str(path))
    heatwave = EmergencyProgramme.objects.get(code="heatwave")
    assert list(heatwave.services.values_list("code", flat=True)) == ["emergency"]


def _snapshot():
    return (
        list(Organisation.objects.values()),
        list(Service.objects.values()),
        list(WeeklyHours.objects.values("weekday", "opens", "closes")),
        list(EmergencyProgramme.objects.values()),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["services"][1].update(required_competences=["telepathy"]), "telepathy"),
        (
            lambda d: d["weekly_hours"].append({"weekday": 6, "opens": "18:00", "closes": "09:00"}),
            "chiusura",
        ),
        (
            lambda d: d["weekly_hours"].append({"weekday": 6, "opens": "nine", "closes": "18:00"}),
            "HH:MM",
        ),
        (lambda d: d["services"][0].update(code="Not A Code"), "lettere minuscole"),
        (lambda d: d["programmes"][0].update(starts_on="2020-13-40"), "AAAA-MM-GG"),
        (lambda d: d["organisation"].update(switchboard_number="call us"), "numero"),
        (lambda d: d.update(colours=[]), "Sezioni sconosciute"),
        (lambda d: d["services"][0].update(by_phone=False, by_video=False), "telefono o in video"),
    ],
)
def test_a_bad_catalogue_is_refused_whole(milan, tmp_path, change, message):
    data = json.loads(MILAN_CATALOGUE.read_text())
    # A valid change early in the file must be rolled back too when a later row is bad.
    data["organisation"]["name_it"] = "Comune modificato"
    change(data)
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data))
    before = _snapshot()
    with pytest.raises(CommandError) as error:
        call_command("load_catalogue", str(path))
    assert "nessuna modifica salvata" in str(error.value)
    assert message in str(error.value)
    assert _snapshot() == before


def test_a_file_that_is_not_json_is_refused(milan, tmp_path):
    path = tmp_path / "catalogue.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="non è un JSON valido"):
        call_command("load_catalogue", str(path))
    with pytest.raises(CommandError, match="File non trovato"):
        call_command("load_catalogue", str(tmp_path / "missing.json"))
