"""The coordinator's planning pages: the plans, a plan's run and grid, hand edits (htmx and
plain forms), publishing and discarding; and who may open them."""

import datetime
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from sportello.privacy.models import AuditEvent
from sportello.rota import plan_queries, problems
from sportello.rota.models import (
    AssignmentSource,
    PatternAssignment,
    PlanStatus,
    RosterPlan,
    ShiftKind,
    SolverRun,
    SolveState,
)

from .conftest import MONDAY_MORNING_SHORT, TUESDAY_10, finished_run, make_plan

MONDAY, TUESDAY, WEDNESDAY, SATURDAY = 0, 1, 2, 5  # weekdays of the pattern
TODAY = TUESDAY_10.date()

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def coordinator_client(desk, client):
    client.force_login(desk.coordinator)
    return client


def text(response) -> str:
    """The page's text with tags and runs of white space collapsed, for sentence checks."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body)


def cell_url(plan, user, week, weekday):
    return reverse("rota:plan-cell", args=[plan.pk, user.pk, week, weekday])


def test_a_plan_that_does_not_exist_is_a_404(coordinator_client):
    assert coordinator_client.get(reverse("rota:plan", args=[999])).status_code == 404


# The plans -----------------------------------------------------------------------------------


def test_the_plans_page_lists_periods_drafts_and_the_generate_form(desk, proposal, client):
    rows = [(desk.rossi, 0, MONDAY, desk.morning)]
    current = make_plan(
        desk, rows, status=PlanStatus.PUBLISHED, valid_from=datetime.date(2026, 11, 2)
    )
    following = make_plan(
        desk, rows, status=PlanStatus.PUBLISHED, valid_from=datetime.date(2027, 1, 4)
    )
    client.force_login(desk.coordinator)
    response = client.get(reverse("rota:plans"))
    assert response.status_code == 200
    page = text(response)
    assert f"Piano n. {current.pk} in vigore oggi 02/11/2026 03/01/2027" in page
    assert f"Piano n. {following.pk} 04/01/2027 fino al prossimo piano" in page
    assert f"Proposta n. {proposal.pk}" in page and "calcolo: concluso (ottimo)" in page
    html = response.content.decode()
    assert 'name="time_limit_s" value="60"' in html  # settings.SPORTELLO_ROTA_TIME_LIMIT_SECONDS
    assert re.search(r'name="from_current"[^>]*checked', html)
    assert "3 operatori hanno un contratto attivo (su 4 professionisti e coordinatori)" in page
    assert "Psicotraumatologia: almeno 1, in 1 turno della settimana" in page
    assert reverse("admin:rota_coveragerequirement_changelist") in html
    assert reverse("admin:rota_contract_changelist") in html
    assert "orari di apertura che nessun turno copre" not in page


@override_settings(SPORTELLO_ROTA_TIME_LIMIT_SECONDS=17)
def test_the_time_limit_defaults_to_the_setting(coordinator_client):
    html = coordinator_client.get(reverse("rota:plans")).content.decode()
    assert 'name="time_limit_s" value="17"' in html


def test_the_plans_page_warns_about_open_hours_no_shift_covers(desk, coordinator_client):
    ShiftKind.objects.filter(code="afternoon").update(is_active=False)
    page = text(coordinator_client.get(reverse("rota:plans")))
    assert "orari di apertura che nessun turno copre" in page
    assert "lunedì dalle 13:45 alle 18:00" in page and "sabato dalle 13:45 alle 18:00" in page


def test_generating_a_proposal_solves_it_and_shows_the_outcome(
    desk, coordinator_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            reverse("rota:plans"), {"weeks": "1", "time_limit_s": "20", "from_current": "on"}
        )
    plan = RosterPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("rota:plan", args=[plan.pk])
    assert plan.status == PlanStatus.DRAFT and plan.based_on is None  # no plan in force
    run = plan.runs.get()
    assert run.time_limit_s == 20 and run.outcome == "optimal"
    page = text(coordinator_client.get(response.url))
    assert "Esito del calcolo Ottimo" in page
    assert plan.assignments.exists()


def test_generating_starts_from_the_plan_in_force_when_asked(
    desk, coordinator_client, django_capture_on_commit_callbacks
):
    current = make_plan(
        desk,
        [(desk.rossi, 0, MONDAY, desk.morning)],
        status=PlanStatus.PUBLISHED,
        valid_from=datetime.date(2026, 11, 2),
    )
    with django_capture_on_commit_callbacks(execute=False):
        coordinator_client.post(
            reverse("rota:plans"), {"weeks": "2", "time_limit_s": "5", "from_current": "on"}
        )
        coordinator_client.post(reverse("rota:plans"), {"weeks": "1", "time_limit_s": "5"})
    first, second = RosterPlan.objects.filter(status=PlanStatus.DRAFT).order_by("pk")
    assert (first.based_on, first.pattern_weeks) == (current, 2)
    assert second.based_on is None


def test_a_bad_generate_form_is_refused_with_reasons_and_creates_nothing(coordinator_client):
    response = coordinator_client.post(reverse("rota:plans"), {"weeks": "5", "time_limit_s": "0"})
    assert response.status_code == 400
    page = text(response)
    assert "Il tempo massimo è almeno 1 secondo." in page
    assert "Lo schema si ripete ogni" in page and "Controlla i dati inseriti" in page
    assert not RosterPlan.objects.exists() and not SolverRun.objects.exists()


# A plan's run --------------------------------------------------------------------------------


def running(plan, **fields):
    defaults = {
        "state": SolveState.RUNNING,
        "started_at": TUESDAY_10 - datetime.timedelta(seconds=12),
        "progress": [
            {"seconds": 1.0, "objective": 30, "bound": 0},
            {"seconds": 4.5, "objective": 8, "bound": 6},
        ],
    }
    return SolverRun.objects.create(
        kind="pattern",
        plan=plan,
        time_limit_s=60,
        requested_by=plan.created_by,
        requested_at=TUESDAY_10 - datetime.timedelta(seconds=13),
        **{**defaults, **fields},
    )


def test_while_the_run_works_the_page_polls_a_progress_fragment(desk, coordinator_client):
    plan = make_plan(desk)
    running(plan)
    response = coordinator_client.get(reverse("rota:plan", args=[plan.pk]))
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html and '"X-Sportello-Refresh": "1"' in html
    assert "plan-grid" not in html and "Pubblica il piano" not in html
    fragment = coordinator_client.get(reverse("rota:plan", args=[plan.pk]), **HTMX)
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body and 'id="run-progress"' in body
    assert "X-Sportello-Refresh" in body
    page = text(fragment)
    assert "Calcolo in corso" in page
    assert "Tempo trascorso 12 s su un massimo di 60 s" in page
    assert "Soluzioni trovate 2" in page
    assert "Costo della soluzione migliore 8" in page
    assert "Costo minimo possibile (limite dimostrato) 6" in page
    assert "Scarto 25,0%" in page


def test_a_queued_run_says_so(desk, coordinator_client):
    plan = make_plan(desk)
    running(plan, state=SolveState.QUEUED, started_at=None, progress=[])
    page = text(coordinator_client.get(reverse("rota:plan", args=[plan.pk]), **HTMX))
    assert "Calcolo in coda" in page and "Soluzioni trovate 0" in page


def test_the_fragment_reloads_the_page_once_the_run_has_finished(
    desk, proposal, coordinator_client
):
    response = coordinator_client.get(reverse("rota:plan", args=[proposal.pk]), **HTMX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"


def test_a_feasible_run_shows_its_proven_gap(desk, coordinator_client):
    plan = make_plan(desk, [(desk.rossi, 0, MONDAY, desk.morning)])
    running(plan, state=SolveState.DONE, outcome="feasible", objective=8, best_bound=6)
    page = text(coordinator_client.get(reverse("rota:plan", args=[plan.pk])))
    assert "Ammissibile: scarto dimostrato 25,0%" in page


@pytest.mark.parametrize(
    "outcome, words",
    [("unknown", "Nessuna soluzione nel tempo dato"), ("optimal", "Ottimo")],
)
def test_the_outcome_in_words(desk, coordinator_client, outcome, words):
    plan = make_plan(desk)
    running(plan, state=SolveState.DONE, outcome=outcome, objective=0, best_bound=0)
    assert f"Esito del calcolo {words}" in text(
        coordinator_client.get(reverse("rota:plan", args=[plan.pk]))
    )


def test_an_impossible_run_lists_every_shortfall_in_the_users_language(desk, coordinator_client):
    plan = make_plan(desk)
    running(
        plan,
        state=SolveState.DONE,
        outcome="infeasible",
        progress=[],
        shortfalls=[
            {
                "reason": "not_enough_qualified",
                "needed": 2,
                "available": 1,
                "text": {"it": "sabato, Pomeriggio: servono 2.", "en": "Saturday, Afternoon: 2."},
            },
            {
                "reason": "not_enough_capacity",
                "needed": 9,
                "available": 6,
                "text": {"it": "lunedì: servono 9.", "en": "Monday: 9 needed."},
            },
        ],
    )
    page = text(coordinator_client.get(reverse("rota:plan", args=[plan.pk])))
    assert "Esito del calcolo Impossibile" in page
    assert "sabato, Pomeriggio: servono 2." in page and "lunedì: servono 9." in page
    english = text(coordinator_client.get("/en" + reverse("rota:plan", args=[plan.pk])))
    assert "Saturday, Afternoon: 2." in english and "Monday: 9 needed." in english
    assert "servono" not in english


def test_the_penalties_are_explained_in_plain_words_with_totals(desk, coordinator_client):
    plan = make_plan(desk, [(desk.rossi, 0, MONDAY, desk.morning)])
    monday = {"it": "lunedì", "en": "Monday"}

    def penalty(kind, cost, amount=1, who="", shift=None, day=None):
        return {
            "kind": kind,
            "cost": cost,
            "amount": amount,
            "operator": None,
            "operator_name": who,
            "day": 0 if day else None,
            "shift": shift,
            "day_label": day,
        }

    running(
        plan,
        state=SolveState.DONE,
        outcome="optimal",
        objective=11,
        best_bound=11,
        penalties=[
            penalty("preference_wanted", 3, who="Mario Rossi", shift="morning", day=monday),
            penalty("preference_wanted", 2, who="Lucia Bianchi", shift="afternoon", day=monday),
            penalty("saturday_fairness", 4, amount=2),
            penalty("stability_removed", 2, who="Anna Verdi", shift="morning", day=monday),
        ],
    )
    page = text(coordinator_client.get(reverse("rota:plan", args=[plan.pk])))
    assert "Preferenza di Mario Rossi non rispettata: lunedì mattina (peso 3)" in page
    assert "Preferenza di Lucia Bianchi non rispettata: lunedì pomeriggio (peso 2)" in page
    assert "Preferenze non rispettate: 2 voci, costo 5" in page
    assert "Sabati distribuiti in modo diseguale: scarto 2" in page
    assert "Distribuzione dei sabati: 1 voce, costo 4" in page
    assert "Turno tolto a Anna Verdi: lunedì mattina" in page
    assert "costo totale più basso trovato: 11" in page


# The grid ------------------------------------------------------------------------------------


def test_the_grid_shows_operators_days_and_the_changes_from_the_plan_in_force(
    desk, proposal, coordinator_client
):
    make_plan(
        desk,
        [
            (desk.rossi, 0, MONDAY, desk.morning),  # the same
            (desk.bianchi, 0, MONDAY, desk.morning),  # morning → afternoon
            (desk.bianchi, 0, SATURDAY, desk.afternoon),  # removed
        ],
        status=PlanStatus.PUBLISHED,
        valid_from=datetime.date(2026, 11, 2),
    )  # Verdi's Wednesday is new
    response = coordinator_client.get(reverse("rota:plan", args=[proposal.pk]))
    html = response.content.decode()
    page = text(response)
    assert "3 turni diversi" in page
    assert html.count('class="table-warning"') == 3
    # Each change is marked by a symbol and, for screen readers, in words.
    assert "M Mattina + (nuovo) – cambia il turno di Anna Verdi, mercoledì" in page
    assert "P Pomeriggio + (nuovo) − M (tolto: Mattina) – cambia il turno di Lucia Bianchi" in page
    assert "– nessun turno − P (tolto: Pomeriggio) – cambia il turno di Lucia Bianchi" in page
    # Rows: name and competences (abbreviated, with the full name for screen readers).
    assert "Mario Rossi Cri Criminologia , Psi Psicotraumatologia" in page
    assert "Anna Verdi PC Psicologia clinica" in page
    # Columns: Monday to Saturday, Sunday has no shift.
    assert "lun lunedì" in page and "sab sabato" in page and "domenica" not in page
    # Each cell of a proposal opens its editor, with and without JavaScript.
    url = cell_url(proposal, desk.verdi, 0, WEDNESDAY)
    assert f'href="{url}" hx-get="{url}"' in html
    assert "cambia il turno di Anna Verdi, mercoledì" in page


def test_a_two_week_cycle_is_compared_week_by_week_from_next_monday(desk, coordinator_client):
    """The plan in force, from Monday 30/11, alternates Rossi and Bianchi on Monday mornings;
    next Monday (7/12, where the proposal would start) is its second week. A proposal that
    keeps the alternation from there on changes nothing, and the solver's stability reference
    is that same alternation."""
    in_force = make_plan(
        desk,
        [(desk.rossi, 0, MONDAY, desk.morning), (desk.bianchi, 1, MONDAY, desk.morning)],
        weeks=2,
        status=PlanStatus.PUBLISHED,
        valid_from=datetime.date(2026, 11, 30),
    )
    proposal = make_plan(
        desk,
        [(desk.bianchi, 0, MONDAY, desk.morning), (desk.rossi, 1, MONDAY, desk.morning)],
        weeks=2,
    )
    finished_run(proposal)
    grid = plan_queries.plan_grid(proposal, TODAY)
    assert grid.compared_with == in_force and grid.changes == 0
    response = coordinator_client.get(reverse("rota:plan", args=[proposal.pk]))
    assert "0 turni diversi" in text(response)
    assert "table-warning" not in response.content.decode()
    next_monday = datetime.date(2026, 12, 7)
    assert problems.plan_slots(in_force, 2, starting=next_monday) == {
        (str(desk.bianchi.pk), MONDAY, "morning"),
        (str(desk.rossi.pk), 7 + MONDAY, "morning"),
    }
    stable = problems.pattern_problem(2, current=in_force, starting=next_monday)
    assert stable.problem.current == problems.plan_slots(proposal)


def test_without_a_plan_in_force_nothing_is_marked_as_changed(desk, proposal, coordinator_client):
    response = coordinator_client.get(reverse("rota:plan", args=[proposal.pk]))
    assert "table-warning" not in response.content.decode()
    assert "Non c'è un altro piano in vigore" in text(response).replace("&#x27;", "'")


def test_the_grid_reports_the_coverage_of_each_shift(desk, coordinator_client):
    plan = make_plan(desk, [(desk.bianchi, 0, MONDAY, desk.morning)])
    finished_run(plan)
    page = text(coordinator_client.get(reverse("rota:plan", args=[plan.pk])))
    assert "1 turno non ha la copertura richiesta." in page
    assert "Lunedì, mattina Psicotraumatologia: almeno 1 0 ✗ non rispettata: ne manca 1" in page
    PatternAssignment.objects.create(
        plan=plan, user=desk.rossi, weekday=MONDAY, shift_kind=desk.morning
    )
    page = text(coordinator_client.get(reverse("rota:plan", args=[plan.pk])))
    assert "Tutte le coperture richieste sono rispettate." in page
    assert "Psicotraumatologia: almeno 1 1 ✓ rispettata" in page


def test_a_published_plan_is_shown_without_editing_or_publishing(desk, coordinator_client):
    plan = make_plan(
        desk,
        [(desk.rossi, 0, MONDAY, desk.morning)],
        status=PlanStatus.PUBLISHED,
        valid_from=TODAY,
    )
    finished_run(plan)
    html = coordinator_client.get(reverse("rota:plan", args=[plan.pk])).content.decode()
    assert "plan-grid" in html
    assert "hx-get" not in html.split('id="plan-grid"')[1]
    assert "Pubblica il piano" not in html and "Scarta la proposta" not in html


# Hand edits ----------------------------------------------------------------------------------


def test_a_cell_opens_a_select_of_the_shifts_held_that_day(desk, proposal, coordinator_client):
    response = coordinator_client.get(cell_url(proposal, desk.verdi, 0, WEDNESDAY), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'hx-target="#plan-grid"' in body
    options = re.findall(r'<option value="([^"]*)"( selected)?', body)
    assert options == [("", ""), ("morning", " selected"), ("afternoon", "")]
    assert "Turno di Anna Verdi, mercoledì" in text(response)
    sunday = coordinator_client.get(cell_url(proposal, desk.verdi, 0, 6), **HTMX)
    assert re.findall(r'<option value="([^"]*)"', sunday.content.decode()) == [""]


def test_a_cell_edit_with_htmx_rerenders_the_grid(desk, proposal, coordinator_client):
    response = coordinator_client.post(
        cell_url(proposal, desk.bianchi, 0, TUESDAY), {"shift": "morning"}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section id="plan-grid"')
    assert "Modifica salvata." in body
    assert (
        PatternAssignment.objects.get(plan=proposal, user=desk.bianchi, weekday=TUESDAY).source
        == AssignmentSource.MANUAL
    )


def test_a_refused_edit_with_htmx_shows_the_sentences_and_writes_nothing(
    desk, proposal, coordinator_client
):
    response = coordinator_client.post(
        cell_url(proposal, desk.rossi, 0, MONDAY), {"shift": ""}, **HTMX
    )
    assert response.status_code == 200
    page = text(response)
    assert "Modifica non salvata: infrange le regole del piano." in page
    assert MONDAY_MORNING_SHORT in page
    assert 'role="alert"' in response.content.decode()
    assert proposal.assignments.filter(user=desk.rossi, weekday=MONDAY).exists()
    assert not AuditEvent.objects.filter(action="edit").exists()


def test_a_cell_edit_without_javascript(desk, proposal, coordinator_client):
    url = cell_url(proposal, desk.bianchi, 0, TUESDAY)
    page = coordinator_client.get(url)
    assert page.status_code == 200 and "<html" in page.content.decode()
    response = coordinator_client.post(url, {"shift": "afternoon"})
    assert response.status_code == 302
    assert response.url == reverse("rota:plan", args=[proposal.pk]) + "#plan-grid"
    assert "Modifica salvata." in text(coordinator_client.get(response.url))
    assert proposal.assignments.filter(
        user=desk.bianchi, weekday=TUESDAY, shift_kind=desk.afternoon
    ).exists()


def test_a_refused_edit_without_javascript_says_why(desk, proposal, coordinator_client):
    response = coordinator_client.post(
        cell_url(proposal, desk.verdi, 0, SATURDAY), {"shift": "morning"}
    )
    assert response.status_code == 400
    page = text(response)
    assert "Anna Verdi non è disponibile sabato." in page
    assert "Anna Verdi supera i turni settimanali del contratto." in page
    assert not proposal.assignments.filter(user=desk.verdi, weekday=SATURDAY).exists()


def test_a_shift_not_offered_for_the_day_is_refused_by_the_form(desk, proposal, coordinator_client):
    response = coordinator_client.post(cell_url(proposal, desk.bianchi, 0, 6), {"shift": "morning"})
    assert response.status_code == 400
    assert "Quel turno non si svolge in questo giorno." in text(response)
    assert not proposal.assignments.filter(weekday=6).exists()


# Publishing and discarding -------------------------------------------------------------------


def test_the_publish_form_defaults_to_next_monday(desk, proposal, coordinator_client):
    html = coordinator_client.get(reverse("rota:plan", args=[proposal.pk])).content.decode()
    assert 'name="valid_from" value="2026-12-07"' in html


def test_publishing_from_the_page(desk, proposal, coordinator_client):
    response = coordinator_client.post(
        reverse("rota:plan-publish", args=[proposal.pk]), {"valid_from": "2026-12-07"}
    )
    assert response.status_code == 302
    assert "Piano pubblicato: in vigore dal 07/12/2026." in text(
        coordinator_client.get(response.url)
    )
    proposal.refresh_from_db()
    assert proposal.status == PlanStatus.PUBLISHED


def test_a_refused_publication_says_why_and_changes_nothing(desk, proposal, coordinator_client):
    response = coordinator_client.post(
        reverse("rota:plan-publish", args=[proposal.pk]), {"valid_from": "2026-11-30"}
    )
    assert response.status_code == 400
    assert "Il piano non può entrare in vigore in un giorno già passato." in text(response)
    bad = coordinator_client.post(
        reverse("rota:plan-publish", args=[proposal.pk]), {"valid_from": "7/12"}
    )
    assert bad.status_code == 400 and "Scrivi la data come AAAA-MM-GG." in text(bad)
    proposal.refresh_from_db()
    assert proposal.status == PlanStatus.DRAFT and not AuditEvent.objects.exists()


def test_discarding_needs_the_confirmation(desk, proposal, coordinator_client):
    url = reverse("rota:plan-discard", args=[proposal.pk])
    response = coordinator_client.post(url, {})
    assert response.status_code == 400
    assert "Spunta la conferma per scartare la proposta." in text(response)
    proposal.refresh_from_db()
    assert proposal.status == PlanStatus.DRAFT
    response = coordinator_client.post(url, {"confirm": "on"})
    assert response.status_code == 302 and response.url == reverse("rota:plans")
    proposal.refresh_from_db()
    assert proposal.status == PlanStatus.DISCARDED
    assert "Proposta scartata." in text(coordinator_client.get(response.url))
