"""The coordinator's operations on a proposed plan: hand edits checked against the hard rules,
publishing and discarding. Every refusal says why and writes nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sportello.privacy.models import AuditEvent
from sportello.rota import plan_operations
from sportello.rota.models import (
    AssignmentSource,
    Contract,
    PlanStatus,
    RosterPlan,
    SolveState,
)

from .conftest import (
    MONDAY_MORNING_SHORT,
    TUESDAY_10,
    finished_run,
    make_plan,
    named,
)

pytestmark = pytest.mark.django_db

TODAY = TUESDAY_10.date()  # the desk's today: Tuesday 1 December 2026
MONDAY, TUESDAY, WEDNESDAY, SATURDAY = 0, 1, 2, 5  # weekdays of the pattern


def shifts(plan):
    return sorted(
        (a.user.username, a.week, a.weekday, a.shift_kind.code, a.source)
        for a in plan.assignments.select_related("user", "shift_kind")
    )


def audits(action=None):
    rows = AuditEvent.objects.filter(object_type="rota.plan")
    return rows.filter(action=action) if action else rows


def refused(call, *sentences, error=ValidationError):
    with pytest.raises(error) as caught:
        call()
    if sentences:
        found = getattr(caught.value, "messages", None) or [str(caught.value)]
        assert found == list(sentences)
    return caught.value


# Hand edits ----------------------------------------------------------------------------------


def test_an_edit_puts_an_operator_on_a_shift_by_hand(desk, proposal):
    plan_operations.edit_assignment(
        desk.coordinator, proposal, user=desk.bianchi, week=0, weekday=TUESDAY,
        shift_kind=desk.morning,
    )  # fmt: skip
    assert ("bianchi", 0, TUESDAY, "morning", AssignmentSource.MANUAL) in shifts(proposal)
    event = audits("edit").get()
    assert event.object_id == str(proposal.pk) and event.actor == desk.coordinator
    assert event.detail == {
        "operator": desk.bianchi.pk,
        "week": 0,
        "weekday": TUESDAY,
        "shift": "morning",
        "previous": None,
    }


def test_an_edit_changes_a_shift_and_another_clears_one(desk, proposal):
    plan_operations.edit_assignment(
        desk.coordinator, proposal, user=desk.bianchi, week=0, weekday=MONDAY,
        shift_kind=desk.morning,
    )  # fmt: skip
    plan_operations.edit_assignment(
        desk.coordinator, proposal, user=desk.verdi, week=0, weekday=WEDNESDAY, shift_kind=None
    )
    assert shifts(proposal) == [
        ("bianchi", 0, MONDAY, "morning", AssignmentSource.MANUAL),
        ("rossi", 0, MONDAY, "morning", AssignmentSource.SOLVER),
    ]
    assert [e.detail["previous"] for e in audits("edit").order_by("seq")] == [
        "afternoon",
        "morning",
    ]


def test_an_edit_that_changes_nothing_writes_nothing(desk, proposal):
    before = shifts(proposal)
    plan_operations.edit_assignment(
        desk.coordinator, proposal, user=desk.rossi, week=0, weekday=MONDAY,
        shift_kind=desk.morning,
    )  # fmt: skip
    assert shifts(proposal) == before
    assert not audits().exists()


def test_an_edit_that_leaves_a_shift_without_its_competence_is_refused(desk, proposal):
    before = shifts(proposal)
    refused(
        lambda: plan_operations.edit_assignment(
            desk.coordinator, proposal, user=desk.rossi, week=0, weekday=MONDAY, shift_kind=None
        ),
        MONDAY_MORNING_SHORT,
    )
    assert shifts(proposal) == before
    assert not audits().exists()


def test_an_edit_breaking_two_rules_lists_both(desk, proposal):
    # Verdi works Monday to Friday, one shift a week, and already has Wednesday.
    before = shifts(proposal)
    refused(
        lambda: plan_operations.edit_assignment(
            desk.coordinator,
            proposal,
            user=desk.verdi,
            week=0,
            weekday=SATURDAY,
            shift_kind=desk.afternoon,
        ),
        "Anna Verdi non è disponibile sabato.",
        "Anna Verdi supera i turni settimanali del contratto.",
    )
    assert shifts(proposal) == before
    assert not audits().exists()


def test_an_edit_is_judged_on_what_it_introduces_not_on_what_was_already_wrong(desk, make_staff):
    """Monday morning is already short (nobody there); adding Bianchi on Tuesday leaves it as it
    was, so it is allowed; adding Verdi a second shift is not."""
    plan = make_plan(desk, [(desk.verdi, 0, WEDNESDAY, desk.morning)])
    finished_run(plan)
    plan_operations.edit_assignment(
        desk.coordinator, plan, user=desk.bianchi, week=0, weekday=TUESDAY,
        shift_kind=desk.afternoon,
    )  # fmt: skip
    assert ("bianchi", 0, TUESDAY, "afternoon", AssignmentSource.MANUAL) in shifts(plan)
    refused(
        lambda: plan_operations.edit_assignment(
            desk.coordinator,
            plan,
            user=desk.verdi,
            week=0,
            weekday=MONDAY,
            shift_kind=desk.afternoon,
        ),
        "Anna Verdi supera i turni settimanali del contratto.",
    )


def test_an_edit_that_mends_a_broken_rule_is_allowed(desk):
    plan = make_plan(desk, [(desk.bianchi, 0, MONDAY, desk.morning)])
    plan_operations.edit_assignment(
        desk.coordinator, plan, user=desk.rossi, week=0, weekday=MONDAY, shift_kind=desk.morning
    )
    assert ("rossi", 0, MONDAY, "morning", AssignmentSource.MANUAL) in shifts(plan)


def test_an_edit_in_the_second_week_of_a_two_week_pattern(desk):
    plan = make_plan(
        desk,
        [(desk.rossi, 0, MONDAY, desk.morning), (desk.rossi, 1, MONDAY, desk.morning)],
        weeks=2,
    )
    refused(
        lambda: plan_operations.edit_assignment(
            desk.coordinator, plan, user=desk.rossi, week=1, weekday=MONDAY, shift_kind=None
        ),
        MONDAY_MORNING_SHORT.replace("lunedì,", "lunedì della settimana 2,"),
    )
    refused(
        lambda: plan_operations.edit_assignment(
            desk.coordinator,
            plan,
            user=desk.bianchi,
            week=2,
            weekday=MONDAY,
            shift_kind=desk.morning,
        ),
        "Lo schema ha 2 settimane: la settimana 3 non esiste.",
    )
    assert len(shifts(plan)) == 2


def test_an_edit_for_someone_without_a_contract_is_refused(desk, proposal, make_staff):
    newcomer = named(make_staff, "nuovo", "Piero", "Gialli")
    refused(
        lambda: plan_operations.edit_assignment(
            desk.coordinator,
            proposal,
            user=newcomer,
            week=0,
            weekday=TUESDAY,
            shift_kind=desk.morning,
        ),
        "Piero Gialli non ha un contratto attivo: non può avere turni nel piano.",
    )
    assert not proposal.assignments.filter(user=newcomer).exists()
    assert not audits().exists()


def test_a_shift_of_someone_whose_contract_ended_can_still_be_cleared(desk, proposal):
    Contract.objects.filter(user=desk.bianchi).update(is_active=False)
    plan_operations.edit_assignment(
        desk.coordinator, proposal, user=desk.bianchi, week=0, weekday=MONDAY, shift_kind=None
    )
    assert not proposal.assignments.filter(user=desk.bianchi).exists()


def test_a_shift_not_held_that_day_is_refused(desk, proposal):
    refused(
        lambda: plan_operations.edit_assignment(
            desk.coordinator,
            proposal,
            user=desk.bianchi,
            week=0,
            weekday=6,
            shift_kind=desk.morning,
        ),
        "Il turno indicato non si svolge domenica.",
    )
    assert not proposal.assignments.filter(weekday=6).exists()


@pytest.mark.parametrize("status", [PlanStatus.PUBLISHED, PlanStatus.DISCARDED])
def test_only_a_proposal_is_edited_by_hand(desk, status):
    plan = make_plan(
        desk,
        [(desk.rossi, 0, MONDAY, desk.morning)],
        status=status,
        valid_from=TODAY if status == PlanStatus.PUBLISHED else None,
    )
    label = PlanStatus(status).label
    refused(
        lambda: plan_operations.edit_assignment(
            desk.coordinator,
            plan,
            user=desk.bianchi,
            week=0,
            weekday=TUESDAY,
            shift_kind=desk.morning,
        ),
        f"Questo piano non è più una proposta (stato: «{label}»): non si può cambiare.",
    )
    assert plan.assignments.count() == 1


@pytest.mark.parametrize("state", [SolveState.QUEUED, SolveState.RUNNING])
def test_no_edit_while_the_solver_is_still_working_on_the_proposal(desk, state):
    plan = make_plan(desk)
    finished_run(plan, state=state)
    refused(
        lambda: plan_operations.edit_assignment(
            desk.coordinator,
            plan,
            user=desk.rossi,
            week=0,
            weekday=MONDAY,
            shift_kind=desk.morning,
        ),
        "Il calcolo della proposta non è ancora finito.",
    )
    assert not plan.assignments.exists()


@pytest.mark.parametrize("role", ["professional", "switchboard", "dpo", "management"])
def test_only_coordinators_edit(desk, proposal, make_staff, role):
    someone = make_staff(role)
    before = shifts(proposal)
    refused(
        lambda: plan_operations.edit_assignment(
            someone,
            proposal,
            user=desk.bianchi,
            week=0,
            weekday=TUESDAY,
            shift_kind=desk.morning,
        ),
        "Solo i coordinatori preparano e pubblicano il piano turni.",
        error=PermissionDenied,
    )
    assert shifts(proposal) == before and not audits().exists()


# Publishing ----------------------------------------------------------------------------------


def test_publishing_puts_the_proposal_in_force_from_its_day(desk, proposal):
    monday = datetime.date(2026, 12, 7)
    published = plan_operations.publish(desk.coordinator, proposal, valid_from=monday)
    proposal.refresh_from_db()
    assert published.pk == proposal.pk
    assert proposal.status == PlanStatus.PUBLISHED and proposal.valid_from == monday
    assert proposal.published_by == desk.coordinator and proposal.published_at == TUESDAY_10
    event = audits("publish").get()
    assert event.detail == {"valid_from": "2026-12-07", "superseded": []}


def test_publishing_for_today_is_allowed(desk, proposal):
    plan_operations.publish(desk.coordinator, proposal, valid_from=TODAY)
    proposal.refresh_from_db()
    assert proposal.status == PlanStatus.PUBLISHED and proposal.valid_from == TODAY


def test_a_plan_published_for_the_same_day_is_superseded_the_others_stay(desk, proposal):
    monday = datetime.date(2026, 12, 7)
    rows = [(desk.rossi, 0, MONDAY, desk.morning)]
    same_day = make_plan(desk, rows, status=PlanStatus.PUBLISHED, valid_from=monday)
    earlier = make_plan(desk, rows, status=PlanStatus.PUBLISHED, valid_from=TODAY)
    later = make_plan(desk, rows, status=PlanStatus.PUBLISHED, valid_from=datetime.date(2027, 1, 4))
    plan_operations.publish(desk.coordinator, proposal, valid_from=monday)
    statuses = dict(RosterPlan.objects.values_list("pk", "status"))
    assert statuses[same_day.pk] == PlanStatus.SUPERSEDED
    assert statuses[earlier.pk] == statuses[later.pk] == statuses[proposal.pk] == "published"
    assert audits("publish").get().detail["superseded"] == [same_day.pk]


def test_a_proposal_made_by_hand_can_be_published_when_the_solver_found_nothing(desk):
    plan = make_plan(desk)
    finished_run(plan, outcome="infeasible")
    plan_operations.edit_assignment(
        desk.coordinator, plan, user=desk.rossi, week=0, weekday=MONDAY, shift_kind=desk.morning
    )
    plan_operations.publish(desk.coordinator, plan, valid_from=TODAY)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED


@pytest.mark.parametrize("outcome", ["infeasible", "unknown", None])
def test_nothing_to_publish_without_a_solution_or_hand_edits(desk, outcome):
    plan = make_plan(desk, [(desk.rossi, 0, MONDAY, desk.morning)])
    if outcome:
        finished_run(plan, outcome=outcome)
    refused(
        lambda: plan_operations.publish(desk.coordinator, plan, valid_from=TODAY),
        "Il calcolo non ha trovato una soluzione e non ci sono turni inseriti a mano: "
        "non c'è nulla da pubblicare.",
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.valid_from is None
    assert not audits().exists()


def test_a_plan_cannot_start_in_the_past(desk, proposal):
    refused(
        lambda: plan_operations.publish(
            desk.coordinator, proposal, valid_from=datetime.date(2026, 11, 30)
        ),
        "Il piano non può entrare in vigore in un giorno già passato.",
    )
    proposal.refresh_from_db()
    assert proposal.status == PlanStatus.DRAFT and not audits().exists()


def test_publishing_rechecks_the_whole_pattern_against_todays_rules(desk, proposal):
    # Since the solve, Verdi's contract shrank to Monday only and Bianchi's ended.
    Contract.objects.filter(user=desk.verdi).update(weekdays_available=[0])
    Contract.objects.filter(user=desk.bianchi).update(is_active=False)
    refused(
        lambda: plan_operations.publish(desk.coordinator, proposal, valid_from=TODAY),
        "Lucia Bianchi non ha più un contratto attivo: i suoi turni vanno tolti.",
        "Anna Verdi non è disponibile mercoledì.",
    )
    proposal.refresh_from_db()
    assert proposal.status == PlanStatus.DRAFT and not audits().exists()


def test_publishing_refuses_a_pattern_short_of_a_requirement(desk):
    plan = make_plan(desk, [(desk.bianchi, 0, MONDAY, desk.morning)])
    finished_run(plan)
    refused(
        lambda: plan_operations.publish(desk.coordinator, plan, valid_from=TODAY),
        MONDAY_MORNING_SHORT,
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_a_published_plan_is_not_published_again(desk):
    plan = make_plan(
        desk, [(desk.rossi, 0, MONDAY, desk.morning)], status=PlanStatus.PUBLISHED, valid_from=TODAY
    )
    refused(
        lambda: plan_operations.publish(
            desk.coordinator, plan, valid_from=datetime.date(2026, 12, 7)
        ),
        "Questo piano non è più una proposta (stato: «pubblicato»): non si può cambiare.",
    )
    plan.refresh_from_db()
    assert plan.valid_from == TODAY


def test_no_publishing_while_the_solver_is_still_working(desk):
    plan = make_plan(desk, [(desk.rossi, 0, MONDAY, desk.morning)])
    finished_run(plan, state=SolveState.RUNNING)
    refused(
        lambda: plan_operations.publish(desk.coordinator, plan, valid_from=TODAY),
        "Il calcolo della proposta non è ancora finito.",
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_only_coordinators_publish(desk, proposal, make_staff):
    refused(
        lambda: plan_operations.publish(make_staff("professional"), proposal, valid_from=TODAY),
        "Solo i coordinatori preparano e pubblicano il piano turni.",
        error=PermissionDenied,
    )
    proposal.refresh_from_db()
    assert proposal.status == PlanStatus.DRAFT and not audits().exists()


# Discarding ----------------------------------------------------------------------------------


def test_discarding_a_proposal(desk, proposal):
    plan_operations.discard(desk.coordinator, proposal)
    proposal.refresh_from_db()
    assert proposal.status == PlanStatus.DISCARDED
    assert audits("discard").get().object_id == str(proposal.pk)


def test_a_proposal_still_being_solved_can_be_discarded(desk):
    plan = make_plan(desk)
    finished_run(plan, state=SolveState.RUNNING)
    plan_operations.discard(desk.coordinator, plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DISCARDED


def test_a_published_plan_is_not_discarded(desk):
    plan = make_plan(desk, status=PlanStatus.PUBLISHED, valid_from=TODAY)
    refused(
        lambda: plan_operations.discard(desk.coordinator, plan),
        "Questo piano non è più una proposta (stato: «pubblicato»): non si può cambiare.",
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and not audits().exists()


def test_only_coordinators_discard(desk, proposal, make_staff):
    refused(
        lambda: plan_operations.discard(make_staff("professional"), proposal),
        "Solo i coordinatori preparano e pubblicano il piano turni.",
        error=PermissionDenied,
    )
    proposal.refresh_from_db()
    assert proposal.status == PlanStatus.DRAFT and not audits().exists()
