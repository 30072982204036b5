"""What each table of the dashboard counts, on small hand-built examples; the refresh, the
command and the periodic task."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from sportello.reports import queries, raw_figures, rollups, tasks
from sportello.reports.models import DailyFigure, RollupState
from sportello.rota.models import PatternAssignment, PlanStatus, RosterPlan, ShiftKind
from sportello.services import queries as catalogue
from sportello.services.models import Service
from sportello.testing import rome

from . import rollup_factories as make

MONDAY = datetime.date(2026, 3, 2)
SATURDAY = datetime.date(2026, 3, 7)
WEEK = queries.Scope(MONDAY, datetime.date(2026, 3, 8))


@pytest.fixture
def pro(milan, make_staff, frozen_now):
    frozen_now(rome(2026, 3, 10, 12, 0))
    return make_staff("professional", services=("emergency", "victims"))


def table(key, scope=WEEK):
    """The table from both sources, which must agree."""
    rollups.rebuild(scope.first_day - datetime.timedelta(days=1), scope.last_day)
    rolled = queries.dashboard_table(scope, key)
    assert queries.dashboard_table(scope, key, source="raw") == rolled
    return rolled


def column(found, index=0):
    return dict(zip(found.row_labels, [row[index] for row in found.counts], strict=True))


def test_waiting_minutes_count_only_the_open_minutes_across_a_closed_evening(pro):
    # Friday 17:50 to Saturday 9:35: ten minutes before closing and five after opening.
    make.contact(rome(2026, 3, 6, 17, 50), taken_at=rome(2026, 3, 7, 9, 35), taken_by=pro)
    make.contact(rome(2026, 3, 6, 10, 0), taken_at=rome(2026, 3, 6, 10, 4), taken_by=pro)
    make.contact(rome(2026, 3, 6, 11, 0))  # nobody has answered yet
    found = column(table("waiting-time"))
    assert found["Da 0 a meno di 5 minuti"] == 1
    assert found["Da 15 a meno di 30 minuti"] == 1
    assert found["Non ancora risposto"] == 1
    assert sum(found.values()) == 3


def test_the_working_clock_agrees_with_the_opening_calendar(pro):
    calendar = catalogue.opening_calendar()
    start, end = rome(2026, 3, 1, 0, 0), rome(2026, 3, 20, 0, 0)
    clock = raw_figures.WorkingClock(calendar, start, end)
    pairs = [
        (rome(2026, 3, 6, 17, 50), rome(2026, 3, 7, 9, 35)),
        (rome(2026, 3, 7, 17, 0), rome(2026, 3, 9, 10, 0)),  # over a closed Sunday
        (rome(2026, 3, 2, 8, 0), rome(2026, 3, 2, 9, 0)),  # before opening: nothing
        (rome(2026, 3, 3, 12, 0, 30), rome(2026, 3, 3, 12, 1, 15)),
    ]
    for begin, finish in pairs:
        assert clock.working_microseconds(begin, finish) / 60_000_000 == pytest.approx(
            calendar.working_minutes(begin, finish)
        )
    assert clock.working_microseconds(*pairs[0]) == 15 * 60_000_000


def test_service_level_counts_live_calls_answered_within_the_target(pro, settings):
    settings.SPORTELLO_ROTA_TARGET_SECONDS = 60.0
    make.contact(rome(2026, 3, 3, 10, 0), taken_at=rome(2026, 3, 3, 10, 0, 50), taken_by=pro)
    make.contact(rome(2026, 3, 3, 10, 0), taken_at=rome(2026, 3, 3, 10, 2), taken_by=pro)
    make.contact(
        rome(2026, 3, 3, 10, 0),
        channel="web_callback",
        taken_at=rome(2026, 3, 3, 10, 0, 10),
        taken_by=pro,
    )
    found = table("service-level")
    assert found.column_labels == ["Entro l'obiettivo", "Oltre l'obiettivo"]
    assert found.row_labels == ["Settimana 10 del 2026"]
    assert found.counts == [[1, 1]]
    assert "80%" in found.title and "60 secondi" in found.title


def test_callbacks_are_counted_by_the_attempt_that_reached_the_person(pro):
    second = make.contact(rome(2026, 3, 3, 10, 0), channel="web_callback")
    make.attempt(second, pro, rome(2026, 3, 3, 11, 0), "no_answer")
    make.attempt(second, pro, rome(2026, 3, 3, 12, 0), "reached")
    fifth = make.contact(rome(2026, 3, 3, 10, 0), channel="web_callback")
    for hour in range(4):
        make.attempt(fifth, pro, rome(2026, 3, 4, 10 + hour, 0), "no_answer")
    make.attempt(fifth, pro, rome(2026, 3, 4, 15, 0), "reached")
    never = make.contact(rome(2026, 3, 3, 10, 0), channel="web_callback")
    make.attempt(never, pro, rome(2026, 3, 3, 11, 0), "wrong_number")
    make.contact(rome(2026, 3, 3, 10, 0))  # never called back: not in the table
    found = column(table("callback-attempts"))
    assert found == {
        "Raggiunto al primo tentativo": 0,
        "Raggiunto al secondo tentativo": 1,
        "Raggiunto al terzo tentativo": 0,
        "Raggiunto dopo il terzo tentativo": 1,
        "Non raggiunto": 1,
    }


def test_target_groups_reasons_and_risk_come_from_the_latest_screening(pro):
    contact = make.contact(rome(2026, 3, 3, 10, 0))
    make.screening(contact, pro, rome(2026, 3, 3, 10, 10), level=4, groups=("painful_events",))
    make.screening(
        contact,
        pro,
        rome(2026, 3, 3, 10, 30),
        level=1,
        groups=("negative_emotions", "impulsive_acts_risk"),
        reasons=("isolation",),
    )
    make.contact(rome(2026, 3, 4, 10, 0))  # not screened
    groups = column(table("contacts-by-target-group"))
    assert groups["Persone coinvolte in eventi dolorosi"] == 0
    assert groups["Persone in difficoltà con emozioni negative"] == 1
    assert groups["Persone a rischio di gesti impulsivi"] == 1
    # The unscreened contact is counted once, in the risk table: a count repeated across
    # tables, hidden in one and shown in another, would give itself away.
    assert "Senza valutazione del rischio" not in groups
    risks = column(table("contacts-by-risk-level"))
    assert risks["Rischio basso"] == 1 and risks["Rischio imminente"] == 0
    assert risks["Senza valutazione del rischio"] == 1
    reasons = column(table("contacts-by-reason"))
    assert reasons["Isolamento e solitudine"] == 1
    assert "Senza valutazione del rischio" not in reasons


def test_contacts_by_day_week_channel_service_and_outcome(pro):
    make.contact(rome(2026, 3, 1, 23, 30))  # Sunday evening: week 9
    make.contact(rome(2026, 3, 2, 0, 30), channel="telephony", service="victims")  # Monday, Rome
    make.contact(
        rome(2026, 3, 2, 9, 0),
        closed_at=rome(2026, 3, 2, 9, 5),
        close_reason="wrong_number",
    )
    scope = queries.Scope(datetime.date(2026, 3, 1), datetime.date(2026, 3, 2))
    assert table("contacts-by-day", scope).counts == [[1], [2]]
    assert table("contacts-by-day", scope).row_labels == ["01/03/2026", "02/03/2026"]
    weeks = table("contacts-by-week", scope)
    assert weeks.row_labels == ["Settimana 09 del 2026", "Settimana 10 del 2026"]
    assert weeks.counts == [[1], [2]]
    assert column(table("contacts-by-channel", scope))["Telefonata trasferita automaticamente"] == 1
    services = column(table("contacts-by-service", scope))
    assert services["Servizio psicotraumatologico per le vittime di reato"] == 1
    assert services["Servizio per le emergenze psicologiche e relazionali"] == 2
    outcomes = column(table("contacts-by-outcome", scope))
    assert outcomes["Ancora aperto"] == 2 and outcomes["Numero errato"] == 1
    victims = queries.Scope(scope.first_day, scope.last_day, Service.objects.get(code="victims"))
    assert table("contacts-by-day", victims).counts == [[0], [1]]


def test_sessions_per_case_and_referrals_by_destination_and_outcome(pro):
    quiet = make.case(rome(2026, 3, 3, 10, 0), pro)
    busy = make.case(rome(2026, 3, 3, 11, 0), pro)
    for day in range(4):
        make.session(busy, pro, rome(2026, 3, 4 + day, 10, 0))
    sessions = column(table("sessions-per-case"))
    assert sessions["Nessun colloquio"] == 1
    assert sessions["Da 3 a 5 colloqui"] == 1
    make.referral(busy, make.directory_entry("mental_health"), pro, rome(2026, 3, 4, 9, 0))
    make.referral(
        quiet, make.directory_entry(internal="victims"), pro, rome(2026, 3, 4, 9, 0), status="sent"
    )
    make.referral(quiet, make.directory_entry(), pro, rome(2026, 3, 5, 9, 0), status="refused")
    found = table("referrals-by-destination")
    assert found.row_labels == [
        "Servizi del dipartimento",
        "Salute mentale",
        "Altri servizi territoriali",
    ]
    assert found.column_labels[:4] == ["Proposto", "Inviato", "Accettato", "Rifiutato"]
    assert found.counts[0][:4] == [0, 1, 0, 0]
    assert found.counts[1][:4] == [1, 0, 0, 0]
    assert found.counts[2][:4] == [0, 0, 0, 1]


def test_staffing_versus_demand_counts_rostered_operator_hours(pro, make_staff):
    coordinator = make_staff("coordinator")
    other = make_staff("professional", services=("mediation",), competences=("mediation",))
    plan = RosterPlan.objects.create(
        status=PlanStatus.PUBLISHED,
        valid_from=MONDAY,
        created_by=coordinator,
        created_at=rome(2026, 2, 20, 9, 0),
        published_by=coordinator,
        published_at=rome(2026, 2, 20, 9, 0),
    )
    kind = ShiftKind.objects.order_by("starts").first()
    hours = (kind.minutes + 30) // 60
    PatternAssignment.objects.create(plan=plan, user=pro, weekday=0, shift_kind=kind)
    PatternAssignment.objects.create(plan=plan, user=other, weekday=0, shift_kind=kind)
    make.contact(rome(2026, 3, 2, 10, 0))
    make.contact(rome(2026, 3, 2, 11, 0))
    everyone = table("staffing-vs-demand")
    assert everyone.column_labels == ["Contatti ricevuti", "Ore-operatore in turno"]
    assert everyone.counts[0] == [2, 2 * kind.minutes // 60 + (2 * kind.minutes % 60 >= 30)]
    assert everyone.counts[1] == [0, 0]
    emergency = queries.Scope(WEEK.first_day, WEEK.last_day, Service.objects.get(code="emergency"))
    assert table("staffing-vs-demand", emergency).counts[0] == [2, hours]


def test_no_figure_carries_a_name_or_a_reason_written_by_someone(pro):
    contact = make.contact(
        rome(2026, 3, 3, 10, 0), caller_name="Mariolina Zanzibar", reason="Lite furibonda"
    )
    make.screening(contact, pro, rome(2026, 3, 3, 10, 5), groups=("painful_events",))
    case = make.case(rome(2026, 3, 3, 11, 0), pro)
    make.referral(
        case,
        make.directory_entry("housing"),
        pro,
        rome(2026, 3, 3, 12, 0),
        reason="Sfratto Zanzibar",
    )
    rollups.rebuild(MONDAY, SATURDAY)
    categories = list(DailyFigure.objects.values_list("category", flat=True))
    assert categories
    for text in ("Mariolina", "Zanzibar", "Lite", "Sfratto"):
        assert not any(text.lower() in category.lower() for category in categories)
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789_-+:")
    assert all(set(category) <= allowed for category in categories)


def test_refreshing_a_day_twice_replaces_its_figures(pro):
    make.contact(rome(2026, 3, 3, 10, 0))
    rollups.refresh_days([datetime.date(2026, 3, 3)])
    rollups.refresh_days([datetime.date(2026, 3, 3)])
    assert DailyFigure.objects.get(measure="contacts").count == 1
    assert queries.dashboard_table(WEEK, "contacts-by-day").counts[1] == [1]


def test_refresh_pending_recomputes_only_the_days_touched_since_the_watermark(pro, frozen_now):
    # Answered: a live call still waiting has its day looked at on every run.
    old = make.contact(rome(2026, 3, 3, 10, 0), taken_at=rome(2026, 3, 3, 10, 1), taken_by=pro)
    make.contact(rome(2026, 3, 4, 10, 0), taken_at=rome(2026, 3, 4, 10, 1), taken_by=pro)
    assert rollups.refresh_pending(rome(2026, 3, 10, 12, 0)) == 3  # two days with data, today
    assert RollupState.objects.get().refreshed_through == rome(2026, 3, 10, 12, 0)
    # Screened later: only its receiving day (and today) is recomputed.
    make.screening(old, pro, rome(2026, 3, 11, 9, 0), level=3)
    frozen_now(rome(2026, 3, 11, 9, 30))
    assert rollups.refresh_pending() == 2
    assert column(queries.dashboard_table(WEEK, "contacts-by-risk-level"))["Rischio alto"] == 1
    state = RollupState.objects.get()
    assert state.refreshed_through == rome(2026, 3, 11, 9, 30)
    assert state.last_run_days == 2


def test_the_rollups_are_read_in_a_few_queries(pro, django_assert_max_num_queries):
    make.contact(rome(2026, 3, 3, 10, 0))
    rollups.rebuild(MONDAY, SATURDAY)
    with django_assert_max_num_queries(8):  # three sums, then the catalogue's labels
        tables = queries.dashboard_tables(WEEK)
    assert [found.key for found in tables] == list(queries.TABLE_KEYS)


def test_an_unknown_table_or_source_is_refused(pro):
    with pytest.raises(KeyError):
        queries.dashboard_table(WEEK, "contacts-by-mood")
    with pytest.raises(ValueError):
        queries.dashboard_tables(WEEK, source="guess")


def test_the_command_rebuilds_a_period(pro):
    make.contact(rome(2026, 3, 3, 10, 0))
    out = io.StringIO()
    call_command("refresh_statistics", "--from", "2026-03-01", "--to", "2026-03-05", stdout=out)
    assert "5 giorni" in out.getvalue()
    assert DailyFigure.objects.filter(measure="contacts", day=datetime.date(2026, 3, 3)).exists()


def test_the_command_without_dates_refreshes_what_changed(pro):
    make.contact(rome(2026, 3, 3, 10, 0))
    out = io.StringIO()
    call_command("refresh_statistics", stdout=out)
    assert "2 giorni" in out.getvalue()
    assert RollupState.objects.get().refreshed_through is not None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2026-02-30", "--to", "2026-03-05"], "non è valida"),
        (["--from", "ieri", "--to", "2026-03-05"], "AAAA-MM-GG"),
        (["--from", "2026-03-05"], "sia --from sia --to"),
        (["--from", "2026-03-05", "--to", "2026-03-01"], "non può precedere"),
    ],
)
def test_the_command_refuses_bad_dates_and_writes_nothing(pro, arguments, message):
    make.contact(rome(2026, 3, 3, 10, 0))
    with pytest.raises(CommandError, match=message):
        call_command("refresh_statistics", *arguments, stdout=io.StringIO())
    assert not DailyFigure.objects.exists()
    assert not RollupState.objects.filter(refreshed_through__isnull=False).exists()


def test_the_periodic_task_refreshes_the_pending_days(pro):
    make.contact(rome(2026, 3, 3, 10, 0))
    assert tasks.refresh_rollups.apply().get() == 2
    assert DailyFigure.objects.filter(measure="contacts").exists()
    entry = settings.CELERY_BEAT_SCHEDULE["statistics-rollups"]
    assert entry["task"] == tasks.refresh_rollups.name
    assert entry["schedule"] == 300.0
