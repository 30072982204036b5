"""Shift swaps: asked by the operator on the shift, answered by the colleague, decided by a
coordinator after the same checks as the roster (coverage and contracts); every refusal says why
and writes nothing."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from sportello.privacy.models import AuditEvent
from sportello.rota import queries
from sportello.rota import swap_operations as swaps
from sportello.rota.models import (
    Absence,
    AbsenceKind,
    ChangeReason,
    CoverageRequirement,
    ShiftChange,
    SwapRequest,
    SwapStatus,
)
from sportello.services.models import Competence
from sportello.testing import rome

from .conftest import (
    MONDAY_8,
    SATURDAY,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
    kind,
    on_shift,
    rostered,
)


def swap_audits(action=None):
    rows = AuditEvent.objects.filter(object_type="rota.swap")
    return rows.filter(action=action) if action else rows


@pytest.fixture
def agreed(team):
    """Anna offers her Tuesday afternoon to Carla, who agrees."""
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    return swaps.answer_swap(team.carla, swap, agree=True)


# --- Asking ------------------------------------------------------------------------------------


def test_an_operator_offers_a_shift_to_a_free_colleague(team):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla, note="visita"
    )
    assert swap.status == SwapStatus.ASKED
    assert (swap.requester, swap.colleague, swap.day) == (team.anna, team.carla, TUESDAY)
    assert swap.asked_at == MONDAY_8
    audit = swap_audits("ask").get()
    assert audit.object_id == str(swap.pk)
    assert audit.detail["colleague"] == team.carla.pk
    assert "visita" not in str(audit.detail)  # free text stays out of the audit
    # Asking changes nothing yet.
    assert on_shift(TUESDAY, "afternoon") == ["anna"]


def test_a_swap_may_take_one_of_the_colleagues_shifts_back(team):
    swap = swaps.ask_swap(
        team.anna,
        day=TUESDAY,
        shift_kind=kind("afternoon"),
        colleague=team.carla,
        return_day=WEDNESDAY,
        return_shift_kind=kind("morning"),
    )
    assert (swap.return_day, swap.return_shift_kind.code) == (WEDNESDAY, "morning")


def test_two_shifts_of_the_same_day_can_be_exchanged(team):
    swap = swaps.ask_swap(
        team.bruno,
        day=TUESDAY,
        shift_kind=kind("morning"),
        colleague=team.anna,
        return_day=TUESDAY,
        return_shift_kind=kind("afternoon"),
    )
    assert swap.status == SwapStatus.ASKED


def refused(run, *messages):
    """The operation refuses with every message given and writes nothing."""
    before = (SwapRequest.objects.count(), swap_audits().count(), ShiftChange.objects.count())
    with pytest.raises(ValidationError) as error:
        run()
    text = " ".join(error.value.messages)
    for message in messages:
        assert message in text
    assert (SwapRequest.objects.count(), swap_audits().count(), ShiftChange.objects.count()) == (
        before
    )
    return text


def test_a_shift_the_operator_does_not_hold_cannot_be_offered(team):
    refused(
        lambda: swaps.ask_swap(
            team.anna, day=TUESDAY, shift_kind=kind("morning"), colleague=team.carla
        ),
        "Secondo il piano in vigore, Anna Bianchi non è nel turno di martedì 01/12/2026, Mattina.",
    )


def test_a_shift_already_started_cannot_be_offered(team, frozen_now):
    frozen_now(rome(2026, 12, 1, 14, 0))
    refused(
        lambda: swaps.ask_swap(
            team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
        ),
        "Il turno di martedì 01/12/2026, Pomeriggio è già cominciato o passato.",
    )


def test_the_colleague_must_be_someone_else(team):
    refused(
        lambda: swaps.ask_swap(
            team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.anna
        ),
        "Scegli un collega diverso da te.",
    )


def test_the_colleague_must_be_rostered(team, make_staff):
    outsider = make_staff("professional", "ugo")
    paused = rostered(make_staff, "pia", "Pia", "Galli", ("criminology",), active=False)
    for colleague, name in ((outsider, "Professional"), (paused, "Pia Galli")):
        refused(
            lambda colleague=colleague: swaps.ask_swap(
                team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=colleague
            ),
            f"{name} non è tra gli operatori in turno",
        )


def test_the_colleague_must_be_free_that_day(team):
    refused(
        lambda: swaps.ask_swap(
            team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.bruno
        ),
        "Bruno Rossi ha già un turno martedì 01/12/2026.",
    )


def test_an_absent_colleague_cannot_take_the_shift(team):
    Absence.objects.create(
        user=team.carla,
        kind=AbsenceKind.SICKNESS,
        first_day=TUESDAY,
        last_day=TUESDAY,
        recorded_by=team.coordinator,
        recorded_at=MONDAY_8,
    )
    text = refused(
        lambda: swaps.ask_swap(
            team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
        ),
        "Carla Verdi non è disponibile martedì 01/12/2026.",
    )
    assert "malattia" not in text  # the kind of someone else's absence is not told


def test_the_shift_taken_back_must_be_the_colleagues(team):
    refused(
        lambda: swaps.ask_swap(
            team.anna,
            day=TUESDAY,
            shift_kind=kind("afternoon"),
            colleague=team.carla,
            return_day=WEDNESDAY,
            return_shift_kind=kind("afternoon"),
        ),
        "Secondo il piano in vigore, Carla Verdi non è nel turno di mercoledì 02/12/2026, "
        "Pomeriggio.",
    )


def test_the_operator_must_be_free_on_the_day_taken_back(team):
    refused(
        lambda: swaps.ask_swap(
            team.anna,
            day=TUESDAY,
            shift_kind=kind("afternoon"),
            colleague=team.carla,
            return_day=THURSDAY,
            return_shift_kind=kind("afternoon"),
        ),
        "Anna Bianchi ha già un turno giovedì 03/12/2026.",
    )


def test_a_return_shift_needs_both_day_and_shift(team):
    refused(
        lambda: swaps.ask_swap(
            team.anna,
            day=TUESDAY,
            shift_kind=kind("afternoon"),
            colleague=team.carla,
            return_day=WEDNESDAY,
        ),
        "Per il turno in cambio indica sia il giorno sia il turno.",
    )


def test_one_pending_request_per_shift(team):
    swaps.ask_swap(team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla)
    refused(
        lambda: swaps.ask_swap(
            team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.dario
        ),
        "Hai già una richiesta di cambio in corso per questo turno",
    )


def test_a_note_is_short(team):
    refused(
        lambda: swaps.ask_swap(
            team.anna,
            day=TUESDAY,
            shift_kind=kind("afternoon"),
            colleague=team.carla,
            note="x" * 301,
        ),
        "La nota può avere al massimo 300 caratteri.",
    )


def test_only_rostered_roles_ask(team, make_staff):
    switchboard = make_staff("switchboard")
    with pytest.raises(PermissionDenied):
        swaps.ask_swap(switchboard, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla)
    assert not SwapRequest.objects.exists()


# --- Answering and withdrawing -----------------------------------------------------------------


def test_the_colleague_agrees(team):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    swap = swaps.answer_swap(team.carla, swap, agree=True)
    assert swap.status == SwapStatus.AGREED
    assert swap.answered_at == MONDAY_8
    assert swap_audits("agree").count() == 1
    assert on_shift(TUESDAY, "afternoon") == ["anna"]  # still waiting for a coordinator


def test_the_colleague_declines(team):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    swap = swaps.answer_swap(team.carla, swap, agree=False)
    assert SwapRequest.objects.get().status == SwapStatus.DECLINED
    assert swap_audits("decline").count() == 1


def test_only_the_colleague_answers(team):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    for someone in (team.anna, team.bruno):
        with pytest.raises(PermissionDenied):
            swaps.answer_swap(someone, swap, agree=True)
    assert SwapRequest.objects.get().status == SwapStatus.ASKED
    assert not swap_audits("agree").exists()


def test_an_answer_is_given_once(agreed, team):
    refused(
        lambda: swaps.answer_swap(team.carla, agreed, agree=False),
        "Questa richiesta non aspetta più la tua risposta (stato: in attesa del coordinatore).",
    )
    assert SwapRequest.objects.get().status == SwapStatus.AGREED


def test_a_shift_already_started_cannot_be_agreed(team, frozen_now):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    frozen_now(rome(2026, 12, 1, 13, 45))
    refused(
        lambda: swaps.answer_swap(team.carla, swap, agree=True),
        "Il turno di martedì 01/12/2026, Pomeriggio è già cominciato o passato.",
    )
    assert SwapRequest.objects.get().status == SwapStatus.ASKED


def test_the_requester_withdraws_before_the_decision(agreed, team):
    swap = swaps.withdraw_swap(team.anna, agreed)
    assert swap.status == SwapStatus.WITHDRAWN
    assert swap_audits("withdraw").count() == 1


def test_only_the_requester_withdraws(agreed, team):
    with pytest.raises(PermissionDenied):
        swaps.withdraw_swap(team.carla, agreed)
    assert SwapRequest.objects.get().status == SwapStatus.AGREED


def test_an_approved_swap_cannot_be_withdrawn(agreed, team):
    swaps.decide_swap(team.coordinator, agreed, approve=True)
    refused(
        lambda: swaps.withdraw_swap(team.anna, agreed),
        "Questa richiesta non si può più ritirare (stato: approvato).",
    )
    assert SwapRequest.objects.get().status == SwapStatus.APPROVED


# --- Deciding ----------------------------------------------------------------------------------


def test_approving_moves_the_shift(agreed, team):
    swap = swaps.decide_swap(team.coordinator, agreed, approve=True)
    assert swap.status == SwapStatus.APPROVED
    assert (swap.decided_by, swap.decided_at) == (team.coordinator, MONDAY_8)
    changes = {(c.user.username, c.on_shift) for c in swap.changes.all()}
    assert changes == {("anna", False), ("carla", True)}
    assert all(
        c.reason == ChangeReason.SWAP and c.applied and c.day == TUESDAY for c in swap.changes.all()
    )
    assert on_shift(TUESDAY, "afternoon") == ["carla"]
    assert swap_audits("approve").get().detail["changes"] == sorted(
        c.pk for c in swap.changes.all()
    )


def test_approving_an_exchange_moves_both_shifts(team):
    swap = swaps.ask_swap(
        team.anna,
        day=TUESDAY,
        shift_kind=kind("afternoon"),
        colleague=team.carla,
        return_day=WEDNESDAY,
        return_shift_kind=kind("morning"),
    )
    swaps.answer_swap(team.carla, swap, agree=True)
    swap = swaps.decide_swap(team.coordinator, swap, approve=True)
    assert swap.status == SwapStatus.APPROVED
    assert swap.changes.count() == 4
    assert on_shift(TUESDAY, "afternoon") == ["carla"]
    assert on_shift(WEDNESDAY, "morning") == ["anna"]


def test_approving_a_same_day_exchange(team):
    swap = swaps.ask_swap(
        team.bruno,
        day=TUESDAY,
        shift_kind=kind("morning"),
        colleague=team.anna,
        return_day=TUESDAY,
        return_shift_kind=kind("afternoon"),
    )
    swaps.answer_swap(team.anna, swap, agree=True)
    assert swaps.decide_swap(team.coordinator, swap, approve=True).status == SwapStatus.APPROVED
    assert on_shift(TUESDAY, "morning") == ["anna"]
    assert on_shift(TUESDAY, "afternoon") == ["bruno"]


def test_a_substitute_handed_on_is_replaced_not_doubled(team):
    """Bruno covers Saturday morning as a substitute and gives it to Carla: the substitute's
    change stays as history, not applied, and the swap's changes apply."""
    substitute = ShiftChange.objects.create(
        day=SATURDAY,
        shift_kind=kind("morning"),
        user=team.bruno,
        on_shift=True,
        reason=ChangeReason.SUBSTITUTE,
        created_by=team.coordinator,
        created_at=MONDAY_8,
    )
    swap = swaps.ask_swap(
        team.bruno, day=SATURDAY, shift_kind=kind("morning"), colleague=team.carla
    )
    swaps.answer_swap(team.carla, swap, agree=True)
    swap = swaps.decide_swap(team.coordinator, swap, approve=True)
    assert swap.status == SwapStatus.APPROVED
    substitute.refresh_from_db()
    assert not substitute.applied
    assert on_shift(SATURDAY, "morning") == ["carla"]
    assert swap_audits("approve").get().detail["superseded"] == [substitute.pk]


def test_a_coordinator_refuses_with_a_reason(agreed, team):
    swap = swaps.decide_swap(team.coordinator, agreed, approve=False, reason="Serve Anna in sede")
    assert swap.status == SwapStatus.REFUSED
    assert swap.refusal_reason == "Serve Anna in sede"
    assert not ShiftChange.objects.exists()
    audit = swap_audits("refuse").get()
    assert audit.detail["automatic"] is False
    assert "Serve Anna" not in str(audit.detail)


def test_a_refusal_by_hand_needs_a_reason(agreed, team):
    refused(
        lambda: swaps.decide_swap(team.coordinator, agreed, approve=False, reason="  "),
        "Scrivi il motivo per cui non approvi il cambio",
    )
    assert SwapRequest.objects.get().status == SwapStatus.AGREED


def test_only_coordinators_decide(agreed, team):
    for someone in (team.anna, team.carla, team.bruno):
        with pytest.raises(PermissionDenied):
            swaps.decide_swap(someone, agreed, approve=True)
    assert SwapRequest.objects.get().status == SwapStatus.AGREED
    assert not ShiftChange.objects.exists()


def test_a_swap_the_colleague_has_not_accepted_cannot_be_decided(team):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    refused(
        lambda: swaps.decide_swap(team.coordinator, swap, approve=True),
        "Il collega non ha ancora accettato questo cambio.",
    )
    assert SwapRequest.objects.get().status == SwapStatus.ASKED


def test_a_decided_swap_is_not_decided_again(agreed, team):
    swaps.decide_swap(team.coordinator, agreed, approve=False, reason="no")
    refused(
        lambda: swaps.decide_swap(team.coordinator, agreed, approve=True),
        "Questo cambio è già stato chiuso (stato: non approvato).",
    )
    assert SwapRequest.objects.get().status == SwapStatus.REFUSED


def test_a_swap_that_breaks_coverage_is_refused_with_the_reason(agreed, team):
    """Anna is the only criminologist on Tuesday afternoon; Carla is not a criminologist."""
    CoverageRequirement.objects.create(
        shift_kind=kind("afternoon"),
        weekday=1,
        competence=Competence.objects.get(code="criminology"),
        minimum=1,
    )
    expected = (
        "martedì 01/12/2026, Pomeriggio: serve 1 operatore con la competenza «Criminologia», "
        "in turno ne resterebbe 0."
    )
    assert swaps.approval_problems(agreed) == [expected]  # what the coordinator sees first
    swap = swaps.decide_swap(team.coordinator, agreed, approve=True)
    assert swap.status == SwapStatus.REFUSED
    assert swap.refusal_reason == expected
    assert swap.decided_by == team.coordinator
    assert not ShiftChange.objects.exists()
    assert on_shift(TUESDAY, "afternoon") == ["anna"]
    assert swap_audits("refuse").get().detail["automatic"] is True


def test_a_swap_between_two_criminologists_keeps_coverage(team):
    CoverageRequirement.objects.create(
        shift_kind=kind("afternoon"),
        weekday=1,
        competence=Competence.objects.get(code="criminology"),
        minimum=1,
    )
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.dario
    )
    swaps.answer_swap(team.dario, swap, agree=True)
    assert swaps.approval_problems(swap) == []
    assert swaps.decide_swap(team.coordinator, swap, approve=True).status == SwapStatus.APPROVED
    assert on_shift(TUESDAY, "afternoon") == ["dario"]


def test_a_swap_that_breaks_a_contract_is_refused(team):
    contract = team.carla.rota_contract
    contract.max_shifts_per_week = 2
    contract.save()
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    swaps.answer_swap(team.carla, swap, agree=True)
    swap = swaps.decide_swap(team.coordinator, swap, approve=True)
    assert swap.status == SwapStatus.REFUSED
    assert "Carla Verdi supera i turni settimanali del contratto." in swap.refusal_reason
    assert not ShiftChange.objects.exists()


def test_a_shift_that_has_passed_is_refused(agreed, team, frozen_now):
    frozen_now(rome(2026, 12, 1, 15, 0))
    swap = swaps.decide_swap(team.coordinator, agreed, approve=True)
    assert swap.status == SwapStatus.REFUSED
    assert swap.refusal_reason == (
        "Il turno di martedì 01/12/2026, Pomeriggio è già cominciato o passato."
    )
    assert not ShiftChange.objects.exists()


def test_a_roster_changed_meanwhile_is_refused(agreed, team):
    ShiftChange.objects.create(
        day=TUESDAY,
        shift_kind=kind("afternoon"),
        user=team.anna,
        on_shift=False,
        reason=ChangeReason.MANUAL,
        created_by=team.coordinator,
        created_at=MONDAY_8,
    )
    swap = swaps.decide_swap(team.coordinator, agreed, approve=True)
    assert swap.status == SwapStatus.REFUSED
    assert "Anna Bianchi non è nel turno di martedì 01/12/2026, Pomeriggio" in swap.refusal_reason
    assert ShiftChange.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrency is proven on PostgreSQL (row locks); run `make test-postgres`",
)
def test_two_approvals_racing_for_one_colleague_give_her_one_shift(team, make_staff):
    """Anna and Bruno both hand Tuesday to Carla; two coordinators approve at the same instant:
    one swap wins, the other is refused because Carla is already on a shift that day."""
    second_coordinator = make_staff("coordinator", "coord2")
    asked = [
        swaps.ask_swap(team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla),
        swaps.ask_swap(team.bruno, day=TUESDAY, shift_kind=kind("morning"), colleague=team.carla),
    ]
    for swap in asked:
        swaps.answer_swap(team.carla, swap, agree=True)
    deciders = [team.coordinator, second_coordinator]
    barrier = threading.Barrier(2)
    outcomes: list[str] = ["", ""]
    errors: list[BaseException] = []

    def approve(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = swaps.decide_swap(deciders[index], asked[index], approve=True).status
        except BaseException as error:  # reported below, never swallowed
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(outcomes) == [SwapStatus.APPROVED, SwapStatus.REFUSED]
    refused_swap = SwapRequest.objects.get(status=SwapStatus.REFUSED)
    assert refused_swap.refusal_reason == "Carla Verdi ha già un turno martedì 01/12/2026."
    carla_tuesday = [
        entry
        for entry in queries.roster_between(TUESDAY, TUESDAY)[0].rostered
        if entry.user.pk == team.carla.pk
    ]
    assert len(carla_tuesday) == 1


def test_a_shift_given_away_is_not_missed_when_its_former_holder_is_absent(team, agreed):
    """Anna handed her Tuesday afternoon to Carla, then falls ill on Tuesday: the roster misses
    nobody that afternoon, and no search for substitutes would replace Anna there."""
    swaps.decide_swap(team.coordinator, agreed, approve=True)
    Absence.objects.create(
        user=team.anna,
        kind=AbsenceKind.SICKNESS,
        first_day=TUESDAY,
        last_day=TUESDAY,
        recorded_by=team.coordinator,
        recorded_at=MONDAY_8,
    )
    day = queries.roster_between(TUESDAY, TUESDAY)[0]
    assert on_shift(TUESDAY, "afternoon") == ["carla"]
    assert day.absent == []
