"""The roster's pages: the week for everyone who needs it (absences' reasons for coordinators
only), absences and the search for substitutes for coordinators, 403 for everyone else."""

import datetime

import pytest
from django.urls import reverse

from sportello.rota.models import (
    Absence,
    AbsenceKind,
    ChangeReason,
    Contract,
    CoverageRequirement,
    PatternAssignment,
    PlanStatus,
    RosterPlan,
    ShiftChange,
    SolveKind,
    SolverRun,
    SolveState,
)
from sportello.testing import rome

from .conftest import kind

D = datetime.date
TUESDAY = D(2026, 12, 15)
WEEK = "?settimana=2026-12-16"  # any day of the week shows the week from its Monday


@pytest.fixture(autouse=True)
def today(frozen_now):
    frozen_now(rome(2026, 12, 14, 8, 0))


@pytest.fixture
def coordinator(milan, make_staff):
    return make_staff("coordinator", "carla")


def operator(make_staff, username, first, last, competences):
    user = make_staff("professional", username, competences=competences)
    user.first_name, user.last_name = first, last
    user.save()
    Contract.objects.create(
        user=user, hours_per_week=36, weekdays_available=[0, 1, 2, 3, 4, 5], max_shifts_per_week=6
    )
    return user


@pytest.fixture
def rossi(milan, make_staff):
    return operator(make_staff, "rossi", "Mario", "Rossi", ("clinical_psychology",))


@pytest.fixture
def bianchi(milan, make_staff):
    return operator(make_staff, "bianchi", "Anna", "Bianchi", ("criminology",))


@pytest.fixture
def plan(coordinator, rossi, bianchi):
    """From 30/11/2026: Rossi on Tuesday mornings, Bianchi on Tuesday afternoons; one operator
    is required on Tuesday mornings."""
    plan = RosterPlan.objects.create(
        status=PlanStatus.PUBLISHED,
        valid_from=D(2026, 11, 30),
        created_by=coordinator,
        created_at=rome(2026, 11, 1, 9, 0),
        published_by=coordinator,
        published_at=rome(2026, 11, 1, 9, 0),
    )
    PatternAssignment.objects.create(
        plan=plan, user=rossi, week=0, weekday=1, shift_kind=kind("morning")
    )
    PatternAssignment.objects.create(
        plan=plan, user=bianchi, week=0, weekday=1, shift_kind=kind("afternoon")
    )
    CoverageRequirement.objects.create(shift_kind=kind("morning"), weekday=1, minimum=1)
    return plan


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def page(response):
    return response.content.decode()


def absent_rossi(coordinator, rossi, kind_=AbsenceKind.SICKNESS):
    return Absence.objects.create(
        user=rossi,
        kind=kind_,
        first_day=TUESDAY,
        last_day=TUESDAY,
        note="influenza",
        recorded_by=coordinator,
        recorded_at=rome(2026, 12, 14, 8, 0),
    )


def cover_run(coordinator, plan, bianchi, **fields):
    run = SolverRun.objects.create(
        kind=SolveKind.COVER,
        plan=plan,
        first_day=TUESDAY,
        last_day=TUESDAY,
        time_limit_s=10,
        requested_by=coordinator,
        requested_at=rome(2026, 12, 14, 8, 0),
        **fields,
    )
    return run


# The week ----------------------------------------------------------------------------------


def test_the_week_shows_who_works_and_names_the_holidays(plan, coordinator, signed_in):
    html = page(signed_in(coordinator).get(reverse("rota:roster") + "?settimana=2026-12-07"))
    assert "Piano turni dal 07/12/2026 al 13/12/2026" in html
    assert "Sant&#x27;Ambrogio: chiuso" in html  # Milan's patron saint, Monday 7
    assert "Immacolata Concezione: chiuso" in html  # Tuesday 8: nobody works
    assert "Mario Rossi dal turno" not in html  # nobody to take off a closed day
    html = page(signed_in(coordinator).get(reverse("rota:roster") + WEEK))
    assert "Mario Rossi" in html and "Anna Bianchi" in html
    # Competences as abbreviations, with their full names for screen readers.
    assert '<abbr title="Criminologia" aria-hidden="true"' in html
    assert '<span class="visually-hidden">Criminologia' in html
    assert "?settimana=2026-12-07" in html and "?settimana=2026-12-21" in html


def test_the_week_shows_each_requirement_met_or_not(plan, coordinator, rossi, signed_in):
    client = signed_in(coordinator)
    html = page(client.get(reverse("rota:roster") + WEEK))
    assert "Soddisfatta</span>" not in html  # the word is text, next to an icon
    assert "Soddisfatta:" in html and "NON soddisfatta" not in html
    assert "almeno 1 operatore: 1 in turno." in html
    absent_rossi(coordinator, rossi)
    html = page(client.get(reverse("rota:roster") + WEEK))
    assert "<strong>NON soddisfatta</strong>: almeno 1 operatore: 0 in turno." in html
    assert "#it-close-circle" in html


def test_only_coordinators_see_why_someone_is_absent(
    plan, coordinator, rossi, make_staff, signed_in
):
    absent_rossi(coordinator, rossi)
    coordinator_page = page(signed_in(coordinator).get(reverse("rota:roster") + WEEK))
    assert "Mario Rossi: assente (malattia)" in coordinator_page
    for role in ("professional", "switchboard"):
        html = page(signed_in(make_staff(role)).get(reverse("rota:roster") + WEEK))
        assert "Mario Rossi: assente" in html
        assert "malattia" not in html and "influenza" not in html
        assert "Togli" not in html and "Aggiungi" not in html  # read only


def test_changes_are_marked_with_a_symbol_and_words(plan, coordinator, rossi, bianchi, signed_in):
    ShiftChange.objects.create(
        day=TUESDAY,
        shift_kind=kind("morning"),
        user=bianchi,
        on_shift=True,
        reason=ChangeReason.SUBSTITUTE,
        created_by=coordinator,
        created_at=rome(2026, 12, 14, 8, 0),
    )
    ShiftChange.objects.create(
        day=TUESDAY,
        shift_kind=kind("afternoon"),
        user=bianchi,
        on_shift=False,
        reason=ChangeReason.MANUAL,
        created_by=coordinator,
        created_at=rome(2026, 12, 14, 8, 0),
    )
    html = page(signed_in(rossi).get(reverse("rota:roster") + WEEK))
    assert '<span aria-hidden="true">+</span> Anna Bianchi' in html
    assert "(sostituzione)" in html
    assert "<s>Anna Bianchi</s>" in html and "tolto: modifica del coordinatore" in html


@pytest.mark.parametrize("week", ["domani", "9999-12-31", "0001-01-01"])
def test_a_bad_week_falls_back_to_this_week(plan, coordinator, signed_in, week):
    """Not a date, or one at the ends of the calendar (whose weeks have no neighbours)."""
    response = signed_in(coordinator).get(reverse("rota:roster") + f"?settimana={week}")
    assert response.status_code == 200
    assert "Piano turni dal 14/12/2026 al 20/12/2026" in page(response)


def test_an_absence_up_to_the_last_day_of_the_calendar_is_shown_with_its_days_to_cover(
    plan, coordinator, rossi, signed_in
):
    response = signed_in(coordinator).post(
        reverse("rota:absences"),
        {
            "user": rossi.pk,
            "kind": AbsenceKind.LEAVE,
            "first_day": "9999-12-27",
            "last_day": "9999-12-31",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Assenza di Mario Rossi registrata dal 27/12/9999 al 31/12/9999." in page(response)


def test_a_coordinator_adds_and_removes_operators_from_the_week(
    plan, coordinator, rossi, bianchi, signed_in
):
    client = signed_in(coordinator)
    html = page(client.get(reverse("rota:roster") + WEEK))
    assert 'for="add-20261215-morning"' in html and 'id="add-20261215-morning"' in html
    response = client.post(
        reverse("rota:shift-change"),
        {
            "user": bianchi.pk,
            "day": "2026-12-16",
            "shift_kind": kind("morning").pk,
            "on_shift": "1",
        },
        follow=True,
    )
    assert "Anna Bianchi aggiunto al turno «Mattina» del 16/12/2026." in page(response)
    assert ShiftChange.objects.filter(user=bianchi, day=D(2026, 12, 16), applied=True).count() == 1
    response = client.post(
        reverse("rota:shift-change"),
        {"user": rossi.pk, "day": "2026-12-15", "shift_kind": kind("morning").pk, "on_shift": "0"},
        follow=True,
    )
    assert "serve 1 operatore, in turno ne resterebbe 0." in page(response)
    assert "Piano turni dal 14/12/2026" in page(response)
    assert ShiftChange.objects.count() == 1


def test_a_malformed_hand_edit_is_refused_with_words(plan, coordinator, signed_in):
    response = signed_in(coordinator).post(
        reverse("rota:shift-change"), {"user": "999", "day": "ieri", "on_shift": "1"}, follow=True
    )
    html = page(response)
    assert "Scegli un operatore dell&#x27;elenco." in html and "Il giorno non è valido." in html
    assert ShiftChange.objects.count() == 0


# Absences ----------------------------------------------------------------------------------


def test_the_absence_form_refuses_bad_input_and_writes_nothing(plan, coordinator, rossi, signed_in):
    client = signed_in(coordinator)
    response = client.post(
        reverse("rota:absences"),
        {"user": rossi.pk, "kind": "leave", "first_day": "2026-12-18", "last_day": "2026-12-15"},
    )
    assert response.status_code == 400
    assert "L&#x27;assenza finisce prima di cominciare." in page(response)
    absent_rossi(coordinator, rossi)
    response = client.post(
        reverse("rota:absences"),
        {"user": rossi.pk, "kind": "leave", "first_day": "2026-12-15", "last_day": "2026-12-16"},
    )
    assert response.status_code == 400
    assert "ha già un&#x27;assenza registrata dal 15/12/2026 al 15/12/2026" in page(response)
    assert Absence.objects.count() == 1


def test_recording_an_absence_that_leaves_a_shift_short_offers_substitutes(
    plan, coordinator, rossi, signed_in
):
    client = signed_in(coordinator)
    response = client.post(
        reverse("rota:absences"),
        {
            "user": rossi.pk,
            "kind": "sickness",
            "first_day": "2026-12-15",
            "last_day": "2026-12-15",
            "note": "influenza",
        },
        follow=True,
    )
    html = page(response)
    absence = Absence.objects.get()
    assert "Assenza di Mario Rossi registrata dal 15/12/2026 al 15/12/2026." in html
    assert "Con questa assenza 1 copertura richiesta non è rispettata" in html
    assert "martedì 15/12/2026, Mattina: almeno 1 operatore: 0 in turno." in html
    assert reverse("rota:absence-cover", args=[absence.pk]) in html
    assert "influenza" in html and "malattia" in html  # coordinators see the note


def test_an_absence_that_leaves_every_requirement_met_says_so(
    plan, coordinator, bianchi, signed_in
):
    response = signed_in(coordinator).post(
        reverse("rota:absences"),
        {"user": bianchi.pk, "kind": "leave", "first_day": "2026-12-15", "last_day": "2026-12-15"},
        follow=True,
    )
    assert "Le coperture richieste restano rispettate anche con questa assenza." in page(response)


def test_cancelling_an_absence_from_the_list(plan, coordinator, rossi, signed_in):
    absence = absent_rossi(coordinator, rossi)
    client = signed_in(coordinator)
    response = client.post(reverse("rota:absence-cancel", args=[absence.pk]), follow=True)
    assert "Assenza di Mario Rossi annullata." in page(response)
    absence.refresh_from_db()
    assert absence.cancelled_at is not None
    response = client.post(reverse("rota:absence-cancel", args=[absence.pk]), follow=True)
    assert "già stata annullata" in page(response)
    assert client.post(reverse("rota:absence-cancel", args=[999])).status_code == 404


def test_no_cover_without_a_published_plan(coordinator, rossi, signed_in):
    absence = absent_rossi(coordinator, rossi)
    response = signed_in(coordinator).post(
        reverse("rota:absence-cover", args=[absence.pk]), follow=True
    )
    assert "Non c&#x27;è un piano turni pubblicato in vigore in quei giorni." in page(response)
    assert SolverRun.objects.count() == 0


# Cover runs --------------------------------------------------------------------------------


def test_the_cover_page_polls_while_the_run_is_queued(plan, coordinator, bianchi, signed_in):
    run = cover_run(coordinator, plan, bianchi)
    client = signed_in(coordinator)
    html = page(client.get(reverse("rota:cover", args=[run.pk])))
    assert 'hx-trigger="every 2s"' in html and '"X-Sportello-Refresh": "1"' in html
    assert "Ricerca in coda…" in html
    partial = page(
        client.get(
            reverse("rota:cover", args=[run.pk]),
            headers={"HX-Request": "true", "X-Sportello-Refresh": "1"},
        )
    )
    assert partial.lstrip().startswith('<div id="cover-live"') and "<html" not in partial
    SolverRun.objects.filter(pk=run.pk).update(
        state=SolveState.DONE,
        outcome="infeasible",
        shortfalls=[
            {
                "reason": "not_enough_qualified",
                "needed": 1,
                "available": 0,
                "text": {
                    "it": "martedì 15/12/2026, Mattina: servono 1 operatore, "
                    "ne sono disponibili 0.",
                    "en": "Tuesday",
                },
            }
        ],
    )
    html = page(client.get(reverse("rota:cover", args=[run.pk])))
    assert "hx-trigger" not in html
    assert "Nessuna soluzione" in html
    assert "servono 1 operatore, ne sono disponibili 0." in html
    assert "Applica al piano turni" not in html


def test_a_pattern_run_has_no_cover_page(plan, coordinator, signed_in):
    run = SolverRun.objects.create(
        kind=SolveKind.PATTERN,
        plan=plan,
        time_limit_s=10,
        requested_by=coordinator,
        requested_at=rome(2026, 12, 14, 8, 0),
    )
    assert signed_in(coordinator).get(reverse("rota:cover", args=[run.pk])).status_code == 404


def test_the_whole_cover_flow(
    plan, coordinator, rossi, bianchi, signed_in, settings, django_capture_on_commit_callbacks
):
    """Rossi is ill on Tuesday: the coordinator records it, searches for substitutes, reads
    the proposal and applies it; the roster then has Bianchi on Tuesday morning."""
    settings.SPORTELLO_ROTA_TIME_LIMIT_SECONDS = 10
    # With more workers CP-SAT reports progress from its own threads, whose database
    # connections cannot write inside this test's transaction.
    settings.SPORTELLO_ROTA_SOLVER_WORKERS = 1
    # Bianchi's afternoon would make the morning a second shift: free her for this test.
    PatternAssignment.objects.filter(user=bianchi).delete()
    client = signed_in(coordinator)
    client.post(
        reverse("rota:absences"),
        {"user": rossi.pk, "kind": "sickness", "first_day": "2026-12-15", "last_day": "2026-12-15"},
    )
    absence = Absence.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rota:absence-cover", args=[absence.pk]))
    run = SolverRun.objects.get(kind=SolveKind.COVER)
    assert response.status_code == 302 and response["Location"].endswith(
        reverse("rota:cover", args=[run.pk])
    )
    run.refresh_from_db()
    assert (run.state, run.outcome, run.first_day, run.last_day) == (
        SolveState.DONE,
        "optimal",
        TUESDAY,
        TUESDAY,
    )
    html = page(client.get(reverse("rota:cover", args=[run.pk])))
    assert "Anna Bianchi sostituisce Mario Rossi, martedì 15/12 mattina" in html
    assert "1 cambiamento al piano turni." in html
    response = client.post(reverse("rota:cover-apply", args=[run.pk]), follow=True)
    html = page(response)
    assert "1 cambiamento applicato al piano turni." in html
    assert '<span aria-hidden="true">+</span> Anna Bianchi' in html and "(sostituzione)" in html
    assert ShiftChange.objects.get().applied is True
    assert "Già applicati." in page(client.get(reverse("rota:cover", args=[run.pk])))


def test_rejecting_a_proposal_from_the_cover_page(plan, coordinator, bianchi, signed_in):
    run = cover_run(coordinator, plan, bianchi, state=SolveState.DONE, outcome="optimal")
    ShiftChange.objects.create(
        day=D(2026, 12, 16),
        shift_kind=kind("morning"),
        user=bianchi,
        on_shift=True,
        reason=ChangeReason.SUBSTITUTE,
        run=run,
        applied=False,
        created_by=coordinator,
        created_at=rome(2026, 12, 14, 8, 0),
    )
    client = signed_in(coordinator)
    html = page(client.get(reverse("rota:cover", args=[run.pk])))
    assert "Anna Bianchi entra in turno, mercoledì 16/12 mattina" in html
    response = client.post(reverse("rota:cover-reject", args=[run.pk]), follow=True)
    assert "Sostituzioni proposte scartate." in page(response)
    assert ShiftChange.objects.count() == 0
    assert "La proposta è stata scartata." in page(client.get(reverse("rota:cover", args=[run.pk])))
    response = client.post(reverse("rota:cover-apply", args=[run.pk]), follow=True)
    assert "Le sostituzioni di questa ricerca sono già state scartate." in page(response)
