"""Absences, substitutes and hand edits of the dated roster: each operation's success, and each
refusal with its message and nothing written."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sportello.accounts.models import User
from sportello.privacy.models import AuditEvent
from sportello.rota import absence_operations as operations
from sportello.rota import queries
from sportello.rota import swap_operations as swaps
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
    SwapStatus,
)
from sportello.testing import rome

from .conftest import kind

D = datetime.date
TUESDAY = D(2026, 12, 15)


@pytest.fixture
def today(frozen_now):
    frozen_now(rome(2026, 12, 14, 8, 0))


@pytest.fixture
def coordinator(milan, make_staff):
    return make_staff("coordinator", "carla")


@pytest.fixture
def operator(milan, make_staff):
    """A professional with a contract for Monday to Saturday."""

    def make(username, first, last, competences=("clinical_psychology",), contract=True):
        user = make_staff("professional", username, competences=competences)
        user.first_name, user.last_name = first, last
        user.save()
        if contract:
            Contract.objects.create(
                user=user,
                hours_per_week=36,
                weekdays_available=[0, 1, 2, 3, 4, 5],
                max_shifts_per_week=6,
            )
        return user

    return make


@pytest.fixture
def rossi(operator):
    return operator("rossi", "Mario", "Rossi")


@pytest.fixture
def bianchi(operator):
    return operator("bianchi", "Anna", "Bianchi", competences=("criminology",))


@pytest.fixture
def plan(coordinator, rossi):
    """Published from 30/11/2026: Rossi works every Tuesday morning."""
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
    return plan


@pytest.fixture
def tuesday_morning_needs_one(milan):
    return CoverageRequirement.objects.create(shift_kind=kind("morning"), weekday=1, minimum=1)


def on_tuesday_morning():
    day = queries.roster_between(TUESDAY, TUESDAY)[0]
    return [entry.user.username for entry in day.on(kind("morning"))]


def audits(action):
    return list(AuditEvent.objects.filter(action=action, object_type__startswith="rota."))


def refused(call, message):
    with pytest.raises(ValidationError) as error:
        call()
    assert any(message in text for text in error.value.messages), error.value.messages
    return error.value.messages


# Absences ----------------------------------------------------------------------------------


def test_an_absence_is_recorded_and_audited_without_its_note(today, coordinator, rossi):
    absence = operations.record_absence(
        coordinator,
        user=rossi,
        kind=AbsenceKind.SICKNESS,
        first_day=TUESDAY,
        last_day=D(2026, 12, 18),
        note="febbre alta, certificato",
    )
    absence.refresh_from_db()
    assert (absence.user, absence.kind, absence.recorded_by) == (rossi, "sickness", coordinator)
    assert absence.note == "febbre alta, certificato"
    assert absence.recorded_at == rome(2026, 12, 14, 8, 0)
    (event,) = audits("record")
    assert (event.object_type, event.object_id) == ("rota.absence", str(absence.pk))
    assert event.detail["first_day"] == "2026-12-15" and event.detail["user"] == rossi.pk
    assert "febbre" not in str(event.detail)


def test_a_professional_without_a_contract_may_be_absent(today, coordinator, operator):
    newcomer = operator("nuovo", "Nino", "Nuovo", contract=False)
    absence = operations.record_absence(
        coordinator, user=newcomer, kind=AbsenceKind.TRAINING, first_day=TUESDAY, last_day=TUESDAY
    )
    assert absence.pk is not None


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (D(2026, 12, 18), TUESDAY, "L'assenza finisce prima di cominciare."),
        (D(2026, 1, 1), D(2027, 1, 2), "al massimo 366 giorni"),
    ],
)
def test_bad_dates_are_refused(today, coordinator, rossi, first, last, message):
    refused(
        lambda: operations.record_absence(
            coordinator, user=rossi, kind=AbsenceKind.LEAVE, first_day=first, last_day=last
        ),
        message,
    )
    assert Absence.objects.count() == 0 and audits("record") == []


def test_a_full_year_is_the_longest_absence(today, coordinator, rossi):
    operations.record_absence(
        coordinator,
        user=rossi,
        kind=AbsenceKind.LEAVE,
        first_day=D(2027, 1, 1),
        last_day=D(2028, 1, 1),  # 366 days
    )
    assert Absence.objects.count() == 1


def test_an_unknown_kind_is_refused(today, coordinator, rossi):
    refused(
        lambda: operations.record_absence(
            coordinator, user=rossi, kind="holiday", first_day=TUESDAY, last_day=TUESDAY
        ),
        "Scegli il tipo di assenza",
    )
    assert Absence.objects.count() == 0


def test_staff_who_work_no_shifts_cannot_be_absent_from_them(today, coordinator, make_staff):
    agent = make_staff("switchboard", "centralino")
    refused(
        lambda: operations.record_absence(
            coordinator, user=agent, kind=AbsenceKind.LEAVE, first_day=TUESDAY, last_day=TUESDAY
        ),
        "non ha un contratto né un ruolo che lavori a turni",
    )
    assert Absence.objects.count() == 0 and audits("record") == []


def test_a_switchboard_agent_with_a_contract_may_be_absent(today, coordinator, make_staff):
    agent = make_staff("switchboard", "centralino")
    Contract.objects.create(
        user=agent, hours_per_week=20, weekdays_available=[0, 1], max_shifts_per_week=2
    )
    operations.record_absence(
        coordinator, user=agent, kind=AbsenceKind.LEAVE, first_day=TUESDAY, last_day=TUESDAY
    )
    assert Absence.objects.filter(user=agent).count() == 1


def test_an_overlapping_absence_is_refused_a_cancelled_one_is_not(today, coordinator, rossi):
    first = operations.record_absence(
        coordinator, user=rossi, kind=AbsenceKind.LEAVE, first_day=TUESDAY, last_day=D(2026, 12, 18)
    )
    refused(
        lambda: operations.record_absence(
            coordinator,
            user=rossi,
            kind=AbsenceKind.SICKNESS,
            first_day=D(2026, 12, 18),
            last_day=D(2026, 12, 22),
        ),
        "ha già un'assenza registrata dal 15/12/2026 al 18/12/2026",
    )
    assert Absence.objects.count() == 1
    operations.cancel_absence(coordinator, first)
    operations.record_absence(
        coordinator,
        user=rossi,
        kind=AbsenceKind.SICKNESS,
        first_day=D(2026, 12, 18),
        last_day=D(2026, 12, 22),
    )
    assert Absence.objects.filter(cancelled_at__isnull=True).count() == 1


def test_only_coordinators_record_and_cancel_absences(today, coordinator, rossi, make_staff):
    colleague = make_staff("professional", "collega")
    with pytest.raises(PermissionDenied):
        operations.record_absence(
            colleague, user=rossi, kind=AbsenceKind.LEAVE, first_day=TUESDAY, last_day=TUESDAY
        )
    assert Absence.objects.count() == 0
    absence = operations.record_absence(
        coordinator, user=rossi, kind=AbsenceKind.LEAVE, first_day=TUESDAY, last_day=TUESDAY
    )
    with pytest.raises(PermissionDenied):
        operations.cancel_absence(colleague, absence)
    absence.refresh_from_db()
    assert absence.cancelled_at is None


def test_a_cancelled_absence_gives_the_shift_back_and_cannot_be_cancelled_twice(
    today, coordinator, rossi, plan
):
    absence = operations.record_absence(
        coordinator, user=rossi, kind=AbsenceKind.LEAVE, first_day=TUESDAY, last_day=TUESDAY
    )
    assert on_tuesday_morning() == []
    operations.cancel_absence(coordinator, absence)
    absence.refresh_from_db()
    assert absence.cancelled_at == rome(2026, 12, 14, 8, 0)
    assert on_tuesday_morning() == ["rossi"]
    assert len(audits("cancel")) == 1
    refused(lambda: operations.cancel_absence(coordinator, absence), "già stata annullata")
    assert len(audits("cancel")) == 1


# Hand edits --------------------------------------------------------------------------------


def test_a_coordinator_puts_an_operator_on_a_dated_shift(today, coordinator, bianchi, plan):
    change = operations.change_shift(
        coordinator, user=bianchi, day=TUESDAY, shift_kind=kind("morning"), on_shift=True
    )
    assert (change.reason, change.applied, change.on_shift) == (ChangeReason.MANUAL, True, True)
    assert on_tuesday_morning() == ["bianchi", "rossi"]
    next_tuesday = queries.roster_between(D(2026, 12, 22), D(2026, 12, 22))[0]
    assert [e.user.username for e in next_tuesday.on(kind("morning"))] == ["rossi"]
    (event,) = audits("add")
    assert event.detail == {
        "user": bianchi.pk,
        "day": "2026-12-15",
        "shift_kind": "morning",
        "superseded": [],
    }


def test_a_coordinator_takes_an_operator_off_and_back_on(today, coordinator, rossi, plan):
    operations.change_shift(
        coordinator, user=rossi, day=TUESDAY, shift_kind=kind("morning"), on_shift=False
    )
    assert on_tuesday_morning() == []
    operations.change_shift(
        coordinator, user=rossi, day=TUESDAY, shift_kind=kind("morning"), on_shift=True
    )
    assert on_tuesday_morning() == ["rossi"]
    # The newer edit replaced the older one: one applied change per operator and shift.
    assert ShiftChange.objects.filter(applied=True).count() == 1


def test_a_hand_edit_that_breaks_a_rule_is_refused_with_the_rules_words(
    today, coordinator, rossi, plan, tuesday_morning_needs_one
):
    refused(
        lambda: operations.change_shift(
            coordinator, user=rossi, day=TUESDAY, shift_kind=kind("morning"), on_shift=False
        ),
        "martedì 15/12/2026, Mattina: serve 1 operatore, in turno ne resterebbe 0.",
    )
    refused(
        lambda: operations.change_shift(
            coordinator, user=rossi, day=TUESDAY, shift_kind=kind("afternoon"), on_shift=True
        ),
        "Mario Rossi ha due turni martedì 15/12/2026.",
    )
    assert ShiftChange.objects.count() == 0 and audits("add") == audits("remove") == []


def test_an_absent_operator_cannot_be_put_on_shift(today, coordinator, bianchi, plan):
    operations.record_absence(
        coordinator, user=bianchi, kind=AbsenceKind.LEAVE, first_day=TUESDAY, last_day=TUESDAY
    )
    refused(
        lambda: operations.change_shift(
            coordinator, user=bianchi, day=TUESDAY, shift_kind=kind("morning"), on_shift=True
        ),
        "Anna Bianchi non è disponibile martedì 15/12/2026.",
    )
    assert ShiftChange.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "day", "code", "on_shift", "message"),
    [
        (
            "bianchi",
            D(2026, 12, 8),
            "morning",
            True,
            "Il turno «Mattina» non si svolge il 08/12/2026.",
        ),
        ("bianchi", D(2026, 12, 20), "morning", True, "non si svolge il 20/12/2026"),  # Sunday
        (
            "rossi",
            TUESDAY,
            "morning",
            True,
            "Mario Rossi è già nel turno «Mattina» del 15/12/2026.",
        ),
        ("bianchi", TUESDAY, "morning", False, "Anna Bianchi non è nel turno «Mattina»"),
        ("nuovo", TUESDAY, "afternoon", True, "Nino Nuovo non ha un contratto attivo"),
    ],
)
def test_impossible_hand_edits_are_refused(
    today, coordinator, bianchi, operator, plan, who, day, code, on_shift, message
):
    operator("nuovo", "Nino", "Nuovo", contract=False)
    user = User.objects.get(username=who)
    refused(
        lambda: operations.change_shift(
            coordinator, user=user, day=day, shift_kind=kind(code), on_shift=on_shift
        ),
        message,
    )
    assert ShiftChange.objects.count() == 0


def test_only_coordinators_edit_the_roster(today, rossi, bianchi, plan):
    with pytest.raises(PermissionDenied):
        operations.change_shift(
            rossi, user=bianchi, day=TUESDAY, shift_kind=kind("morning"), on_shift=True
        )
    assert ShiftChange.objects.count() == 0


# Cover runs --------------------------------------------------------------------------------


@pytest.fixture
def cover_run(coordinator, plan, bianchi):
    """A finished cover run proposing Bianchi on Tuesday morning (as the solver would)."""

    def make(state=SolveState.DONE, outcome="optimal", kind_of_run=SolveKind.COVER):
        run = SolverRun.objects.create(
            kind=kind_of_run,
            plan=plan,
            first_day=TUESDAY,
            last_day=TUESDAY,
            time_limit_s=10,
            state=state,
            outcome=outcome,
            requested_by=coordinator,
            requested_at=rome(2026, 12, 14, 8, 0),
        )
        ShiftChange.objects.create(
            day=TUESDAY,
            shift_kind=kind("morning"),
            user=bianchi,
            on_shift=True,
            reason=ChangeReason.SUBSTITUTE,
            run=run,
            applied=False,
            created_by=coordinator,
            created_at=rome(2026, 12, 14, 8, 0),
        )
        return run

    return make


def test_applying_a_cover_run_makes_its_proposals_the_roster(today, coordinator, rossi, cover_run):
    operations.record_absence(
        coordinator, user=rossi, kind=AbsenceKind.SICKNESS, first_day=TUESDAY, last_day=TUESDAY
    )
    run = cover_run()
    assert on_tuesday_morning() == []
    assert operations.apply_cover(coordinator, run) == 1
    assert on_tuesday_morning() == ["bianchi"]
    assert run.changes.get().applied is True
    (event,) = audits("apply")
    assert event.detail["changes"] == 1 and event.object_id == str(run.pk)
    refused(lambda: operations.apply_cover(coordinator, run), "già state applicate")
    refused(lambda: operations.reject_cover(coordinator, run), "già state applicate")
    assert run.changes.count() == 1 and len(audits("apply")) == 1


@pytest.mark.parametrize(
    ("state", "outcome", "kind_of_run", "message"),
    [
        (SolveState.RUNNING, "", SolveKind.COVER, "concluse con una soluzione"),
        (SolveState.DONE, "infeasible", SolveKind.COVER, "concluse con una soluzione"),
        (SolveState.FAILED, "", SolveKind.COVER, "concluse con una soluzione"),
        (SolveState.DONE, "optimal", SolveKind.PATTERN, "non è una ricerca di sostituti"),
    ],
)
def test_only_a_finished_cover_run_with_a_solution_is_applied(
    today, coordinator, cover_run, state, outcome, kind_of_run, message
):
    run = cover_run(state=state, outcome=outcome, kind_of_run=kind_of_run)
    refused(lambda: operations.apply_cover(coordinator, run), message)
    refused(lambda: operations.reject_cover(coordinator, run), message)
    assert run.changes.get().applied is False and audits("apply") == audits("reject") == []


def test_a_cover_that_the_roster_has_overtaken_is_refused(today, coordinator, bianchi, cover_run):
    run = cover_run()
    # Meanwhile Bianchi was put on Tuesday afternoon: the morning would be a second shift.
    operations.change_shift(
        coordinator, user=bianchi, day=TUESDAY, shift_kind=kind("afternoon"), on_shift=True
    )
    messages = refused(
        lambda: operations.apply_cover(coordinator, run), "Il piano turni è cambiato"
    )
    assert "Anna Bianchi ha due turni martedì 15/12/2026." in messages
    assert run.changes.get().applied is False and audits("apply") == []


def test_rejecting_a_cover_run_deletes_its_proposals(today, coordinator, cover_run):
    run = cover_run()
    assert operations.reject_cover(coordinator, run) == 1
    assert ShiftChange.objects.count() == 0
    (event,) = audits("reject")
    assert event.detail["changes"] == 1
    refused(lambda: operations.reject_cover(coordinator, run), "già state scartate")
    refused(lambda: operations.apply_cover(coordinator, run), "già state scartate")
    assert len(audits("reject")) == 1


def test_only_coordinators_apply_or_reject(today, rossi, cover_run):
    run = cover_run()
    with pytest.raises(PermissionDenied):
        operations.apply_cover(rossi, run)
    with pytest.raises(PermissionDenied):
        operations.reject_cover(rossi, run)
    assert run.changes.get().applied is False


def test_a_substitute_a_swap_replaced_stays_history_and_is_no_new_proposal(
    today, coordinator, rossi, bianchi, operator, cover_run, client
):
    """Bianchi substitutes Rossi, then swaps that shift to Verdi: the substitute's change stops
    applying (run still set, applied=False) but it was decided on, so the run offers nothing
    to apply or reject again, and applying it again cannot undo the swap."""
    operations.record_absence(
        coordinator, user=rossi, kind=AbsenceKind.SICKNESS, first_day=TUESDAY, last_day=TUESDAY
    )
    run = cover_run()
    operations.apply_cover(coordinator, run)
    verdi = operator("verdi", "Anna", "Verdi")
    swap = swaps.ask_swap(bianchi, day=TUESDAY, shift_kind=kind("morning"), colleague=verdi)
    swaps.answer_swap(verdi, swap, agree=True)
    assert swaps.decide_swap(coordinator, swap, approve=True).status == SwapStatus.APPROVED
    substitute = run.changes.get()
    assert (substitute.applied, substitute.run_id) == (False, run.pk)
    assert on_tuesday_morning() == ["verdi"]
    assert queries.pending_proposals(run) == []
    changes = list(ShiftChange.objects.values_list("pk", "applied").order_by("pk"))
    refused(lambda: operations.apply_cover(coordinator, run), "già state applicate")
    refused(lambda: operations.reject_cover(coordinator, run), "già state applicate")
    assert list(ShiftChange.objects.values_list("pk", "applied").order_by("pk")) == changes
    assert on_tuesday_morning() == ["verdi"] and len(audits("apply")) == 1
    client.force_login(coordinator)
    html = client.get(reverse("rota:cover", args=[run.pk])).content.decode()
    assert "Già applicati." in html
    assert reverse("rota:cover-apply", args=[run.pk]) not in html


def test_a_hand_edit_replaces_an_earlier_change_and_keeps_it_as_history(
    today, coordinator, bianchi, plan
):
    added = operations.change_shift(
        coordinator, user=bianchi, day=TUESDAY, shift_kind=kind("morning"), on_shift=True
    )
    removed = operations.change_shift(
        coordinator, user=bianchi, day=TUESDAY, shift_kind=kind("morning"), on_shift=False
    )
    added.refresh_from_db()
    assert (added.applied, removed.applied) == (False, True)
    assert on_tuesday_morning() == ["rossi"]
    (event,) = audits("remove")
    assert event.detail["superseded"] == [added.pk]
