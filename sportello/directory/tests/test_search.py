"""Searching the directory: by need, municipio, open now (each service's hours through the
desk's opening-calendar kernel, holidays included), language, free of charge and text."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sportello.directory import queries
from sportello.directory.tests.search_factories import make_service, term
from sportello.testing import rome

pytestmark = pytest.mark.django_db

WEEKDAY_HOURS = [("MO,TU,WE,TH,FR", "09:00", "13:00"), ("TU,TH", "14:00", "17:00")]


def names(found: list[queries.Found]) -> list[str]:
    return [item.service.name for item in found]


@pytest.fixture
def network(milan, frozen_now):
    frozen_now(rome(2026, 11, 25, 10, 0))
    return {
        "cps": make_service(
            "CPS Niguarda",
            needs=["salute-mentale"],
            municipio=9,
            hours=WEEKDAY_HOURS,
            languages=["it", "en"],
        ),
        "consultorio": make_service(
            "Consultorio familiare Lorenteggio",
            needs=["consulenza-familiare"],
            municipio=6,
            hours=[("MO,WE", "14:00", "18:00")],
            languages=["it"],
        ),
        "antiviolenza": make_service(
            "Centro antiviolenza",
            needs=["violenza-donne"],
            areas=[None],
            hours=[("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59")],
            languages=["it", "en", "ar"],
        ),
        "legal": make_service(
            "Sportello legale a pagamento",
            needs=["aiuto-legale"],
            areas=[3],
            free=False,
            description="Consulenza legale per vittime di reato",
        ),
        "closed": make_service(
            "CPS chiuso", needs=["salute-mentale"], municipio=9, status="defunct"
        ),
    }


def test_only_active_services_are_found(network):
    assert names(queries.search()) == [
        "Centro antiviolenza",
        "Consultorio familiare Lorenteggio",
        "CPS Niguarda",
        "Sportello legale a pagamento",
    ]


def test_search_by_need_includes_the_needs_children(network):
    child = term("psichiatria-adulti", "Psichiatria adulti", parent=term("salute-mentale"))
    adults = make_service("CPS adulti Baggio", needs=[child.code])

    assert names(queries.search(need="salute-mentale")) == [adults.name, "CPS Niguarda"]
    assert names(queries.search(need="psichiatria-adulti")) == [adults.name]
    assert names(queries.search(need="violenza-donne")) == ["Centro antiviolenza"]


def test_municipio_matches_a_location_an_area_there_or_the_whole_city(network):
    # Municipio 9: the CPS has a location there; the anti-violence centre serves the whole city.
    assert names(queries.search(municipio=9)) == ["Centro antiviolenza", "CPS Niguarda"]
    # Municipio 3: the legal desk's service area.
    assert names(queries.search(municipio=3)) == [
        "Centro antiviolenza",
        "Sportello legale a pagamento",
    ]
    assert names(queries.search(need="salute-mentale", municipio=6)) == []


def test_a_service_with_several_matching_areas_comes_back_once(network):
    make_service("Servizi sociali Municipio 4", areas=[4, 4, None], municipio=4)

    assert names(queries.search(municipio=4)).count("Servizi sociali Municipio 4") == 1


@pytest.mark.parametrize(
    ("at", "expected_open"),
    [
        # Wednesday 10:00: inside the CPS's morning hours; the consultorio opens at 14.
        (rome(2026, 11, 25, 10, 0), {"CPS Niguarda", "Centro antiviolenza"}),
        # Wednesday 15:00: the CPS's afternoon is Tuesday and Thursday only.
        (rome(2026, 11, 25, 15, 0), {"Consultorio familiare Lorenteggio", "Centro antiviolenza"}),
        # Tuesday 15:00: the CPS's afternoon hours.
        (rome(2026, 12, 1, 15, 0), {"CPS Niguarda", "Centro antiviolenza"}),
        # Wednesday 8:59, before anything but the 24-hour centre.
        (rome(2026, 11, 25, 8, 59), {"Centro antiviolenza"}),
    ],
)
def test_open_now_uses_each_services_weekly_hours(network, frozen_now, at, expected_open):
    frozen_now(at)

    assert set(names(queries.search(open_now=True))) == expected_open


@pytest.mark.parametrize(
    "holiday",
    [
        rome(2026, 12, 7, 10, 0),  # Sant'Ambrogio, Milan's patron day (a Monday)
        rome(2026, 12, 8, 10, 0),  # Immacolata Concezione (a Tuesday)
    ],
)
def test_nothing_with_weekly_hours_is_open_on_a_public_holiday(network, frozen_now, holiday):
    frozen_now(holiday)

    assert names(queries.search(open_now=True)) == []
    found = {item.service.name: item for item in queries.search()}
    assert found["CPS Niguarda"].is_open is False
    # The day after Sant'Ambrogio is a holiday too, but not a week later.
    frozen_now(holiday + datetime.timedelta(days=7))
    assert "CPS Niguarda" in names(queries.search(open_now=True))


def test_a_service_that_keeps_its_hours_on_holidays_is_open_on_them(network, frozen_now):
    frozen_now(rome(2026, 12, 8, 10, 0))  # Immacolata Concezione
    service = next(item.service for item in queries.search() if item.service.name == "CPS Niguarda")
    service.open_on_holidays = True
    service.save()
    assert names(queries.search(open_now=True)) == ["CPS Niguarda"]


def test_open_now_can_be_asked_for_another_instant(network):
    assert names(queries.search(open_now=True, at=rome(2026, 11, 26, 15, 0))) == [
        "Centro antiviolenza",
        "CPS Niguarda",
    ]


def test_a_service_without_hours_is_neither_open_nor_closed(network):
    found = {item.service.name: item for item in queries.search()}

    assert found["Sportello legale a pagamento"].is_open is None
    assert found["Sportello legale a pagamento"].hours == []
    assert "Sportello legale a pagamento" not in names(queries.search(open_now=True))


def test_schedules_outside_their_validity_are_ignored(network, frozen_now):
    summer = make_service("Servizio estivo", hours=[("WE", "09:00", "18:00")])
    summer.schedules.update(valid_from="2026-06-01", valid_to="2026-09-30")

    assert "Servizio estivo" not in names(queries.search(open_now=True))
    frozen_now(rome(2026, 7, 1, 10, 0))
    assert "Servizio estivo" in names(queries.search(open_now=True))


def test_hours_are_written_out_with_days_folded(network):
    found = queries.service_detail(network["cps"].pk)

    assert found.hours == [
        ("lunedì", ["9:00–13:00"]),
        ("martedì", ["9:00–13:00", "14:00–17:00"]),
        ("mercoledì", ["9:00–13:00"]),
        ("giovedì", ["9:00–13:00", "14:00–17:00"]),
        ("venerdì", ["9:00–13:00"]),
    ]
    consultorio = queries.service_detail(network["consultorio"].pk)
    assert consultorio.hours == [("lunedì", ["14:00–18:00"]), ("mercoledì", ["14:00–18:00"])]


def test_service_calendar_is_the_kernel_with_the_desks_holidays(network):
    calendar = queries.service_calendar(network["cps"])

    assert calendar.is_open(rome(2026, 11, 25, 12, 59))
    assert not calendar.is_open(rome(2026, 11, 25, 13, 0))
    assert not calendar.is_open(rome(2026, 12, 7, 10, 0))
    assert calendar.next_opening(rome(2026, 12, 7, 10, 0)) == rome(2026, 12, 9, 9, 0)


def test_search_by_language(network):
    assert names(queries.search(language="ar")) == ["Centro antiviolenza"]
    assert names(queries.search(language="en")) == ["Centro antiviolenza", "CPS Niguarda"]


def test_free_only_leaves_out_paying_services(network):
    assert "Sportello legale a pagamento" in names(queries.search())
    assert "Sportello legale a pagamento" not in names(queries.search(free_only=True))
    assert len(queries.search(free_only=True)) == 3


def test_text_searches_names_descriptions_and_organizations(network):
    make_service("Centro ascolto", organization_name="Fondazione Sollievo")

    assert names(queries.search(text="niguarda")) == ["CPS Niguarda"]
    assert names(queries.search(text="vittime di reato")) == ["Sportello legale a pagamento"]
    assert names(queries.search(text="  SOLLIEVO ")) == ["Centro ascolto"]
    assert names(queries.search(text="nessuno così")) == []


def test_criteria_combine(network):
    assert names(
        queries.search(need="violenza-donne", municipio=2, language="ar", free_only=True)
    ) == ["Centro antiviolenza"]
    assert names(queries.search(need="violenza-donne", language="de")) == []


def test_a_search_reads_a_fixed_number_of_queries_however_many_services(network):
    with CaptureQueriesContext(connection) as few:
        found = queries.search()
        for item in found:
            _ = [location.phones.all() for location in item.locations]
            _ = list(item.service.languages.all()), list(item.service.service_areas.all())
    for number in range(6):
        make_service(
            f"Altro servizio {number}",
            needs=["salute-mentale", "aiuto-legale"],
            municipio=number + 1,
            areas=[number + 1],
            hours=WEEKDAY_HOURS,
            languages=["it", "en"],
            phones=["02 1234", "02 5678"],
        )
    with CaptureQueriesContext(connection) as many:
        found = queries.search()
        for item in found:
            _ = [location.phones.all() for location in item.locations]
            _ = list(item.service.languages.all()), list(item.service.service_areas.all())

    assert len(found) == 10
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 12


def test_service_detail_finds_any_status_and_refuses_unknown_ids(network):
    assert queries.service_detail(network["closed"].pk).service.status == "defunct"
    with pytest.raises(queries.Service.DoesNotExist):
        queries.service_detail("00000000-0000-0000-0000-000000000000")


def test_phones_fall_back_to_the_organizations(network):
    from sportello.directory.models import Phone

    service = network["legal"]
    Phone.objects.create(organization=service.organization, number="02 999")
    assert [phone.number for phone in queries.service_detail(service.pk).phones] == ["02 999"]
    Phone.objects.create(service=service, number="02 111")
    assert [phone.number for phone in queries.service_detail(service.pk).phones] == ["02 111"]


def test_a_need_finds_services_filed_however_deep_under_it():
    top = term("sostegno_test", "Sostegno")
    middle = term("sostegno_lutto_test", "Lutto", parent=top)
    term("lutto_perinatale_test", "Lutto perinatale", parent=middle)
    deep = make_service("Gruppo di auto aiuto", needs=["lutto_perinatale_test"])
    assert [found.service for found in queries.search(need="sostegno_test")] == [deep]
