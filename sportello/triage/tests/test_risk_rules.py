"""Tests for the risk-rules kernel: plain functions, runnable without Django or a database."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.triage.risk_rules import (
    FINDING_CODES,
    INSTRUMENT_VERSION,
    REQUIRED_ACTIONS,
    RISK_QUESTIONS,
    Action,
    Answers,
    Finding,
    Level,
    OverrideError,
    assess,
    final_level,
    missing_actions,
    needs_location,
    starts_protocol,
)

NONE, LOW, MODERATE, HIGH, IMMINENT = (
    Level.NONE,
    Level.LOW,
    Level.MODERATE,
    Level.HIGH,
    Level.IMMINENT,
)


def yes(*questions: str, protective_factors: frozenset[str] = frozenset()) -> Answers:
    return Answers(**dict.fromkeys(questions, True), protective_factors=protective_factors)


def codes(answers: Answers) -> list[str]:
    return [finding.code for finding in assess(answers).findings]


# Rules ------------------------------------------------------------------------------------------

# Written out by hand from the clinical specification, not derived from the kernel: each rule
# with the smallest set of "yes" answers that fires it.
RULE_TABLE: list[tuple[str, tuple[str, ...], Level]] = [
    ("wish_dead", ("wish_dead",), LOW),
    ("past_violence", ("past_violence",), LOW),
    ("weapon_access", ("weapon_access",), LOW),
    ("suicidal_thoughts", ("suicidal_thoughts",), MODERATE),
    ("method", ("method",), MODERATE),
    ("past_attempt", ("past_attempt",), MODERATE),
    ("threats", ("threats",), MODERATE),
    ("harm_intent", ("harm_intent",), MODERATE),
    ("intent", ("intent",), HIGH),
    ("plan", ("plan",), HIGH),
    ("recent_attempt", ("recent_attempt",), HIGH),
    ("thoughts_now", ("thoughts_now",), HIGH),
    ("threats_named_person", ("threats", "named_person_at_risk"), HIGH),
    ("harm_intent_named_person", ("harm_intent", "named_person_at_risk"), HIGH),
    ("threats_weapon_access", ("threats", "weapon_access"), HIGH),
    ("harm_intent_weapon_access", ("harm_intent", "weapon_access"), HIGH),
    ("thoughts_now_with_intent", ("thoughts_now", "intent"), IMMINENT),
    ("thoughts_now_with_plan", ("thoughts_now", "plan"), IMMINENT),
    ("thoughts_now_with_method", ("thoughts_now", "method"), IMMINENT),
    ("act_in_progress", ("act_in_progress",), IMMINENT),
    (
        "harm_intent_weapon_named_person",
        ("harm_intent", "weapon_access", "named_person_at_risk"),
        IMMINENT,
    ),
]


@pytest.mark.parametrize(
    ("code", "questions", "level"), RULE_TABLE, ids=[row[0] for row in RULE_TABLE]
)
def test_each_rule_alone_gives_its_level_and_finding(
    code: str, questions: tuple[str, ...], level: Level
) -> None:
    assessment = assess(yes(*questions))
    assert assessment.level == level
    assert Finding(code, level) in assessment.findings
    # The finding that sets the level is listed first.
    assert assessment.findings[0] == Finding(code, level)


def test_the_table_covers_every_rule_of_the_kernel() -> None:
    assert sorted(FINDING_CODES) == sorted(row[0] for row in RULE_TABLE)


def test_a_combination_of_answers_alone_does_not_fire_the_combined_rule() -> None:
    # Named person without threat or intent is a fact, not a risk by itself.
    assert assess(yes("named_person_at_risk")).level == NONE
    assert assess(yes("weapon_access", "named_person_at_risk")).level == LOW
    assert "thoughts_now_with_method" not in codes(yes("thoughts_now", "suicidal_thoughts"))


@pytest.mark.parametrize(
    ("questions", "level"),
    [
        ((), NONE),
        (("wish_dead",), LOW),
        (("wish_dead", "suicidal_thoughts"), MODERATE),
        (("wish_dead", "suicidal_thoughts", "method", "past_attempt"), MODERATE),
        (("suicidal_thoughts", "method", "intent"), HIGH),
        (("past_violence", "threats", "named_person_at_risk"), HIGH),
        (("thoughts_now", "method"), IMMINENT),
        (("wish_dead", "act_in_progress"), IMMINENT),
        (("harm_intent", "weapon_access", "named_person_at_risk", "past_violence"), IMMINENT),
    ],
    ids=[
        "none",
        "low",
        "moderate",
        "moderate-many",
        "high",
        "high-others",
        "imminent-self",
        "imminent-act",
        "imminent-others",
    ],
)
def test_a_combination_gives_the_highest_level_that_fires(
    questions: tuple[str, ...], level: Level
) -> None:
    assert assess(yes(*questions)).level == level


def test_empty_answers_give_no_risk_and_no_findings() -> None:
    assessment = assess(Answers())
    assert assessment.level == NONE
    assert assessment.findings == ()
    assert assessment.instrument_version == INSTRUMENT_VERSION == "sportello-rischio-1"


def test_findings_are_ordered_by_level_then_code() -> None:
    answers = yes("wish_dead", "past_violence", "method", "thoughts_now", "plan")
    assert assess(answers).findings == (
        Finding("thoughts_now_with_method", IMMINENT),
        Finding("thoughts_now_with_plan", IMMINENT),
        Finding("plan", HIGH),
        Finding("thoughts_now", HIGH),
        Finding("method", MODERATE),
        Finding("past_violence", LOW),
        Finding("wish_dead", LOW),
    )


def test_protective_factors_are_kept_but_do_not_lower_the_level() -> None:
    factors = frozenset({"support_network", "in_treatment"})
    assessment = assess(yes("plan", protective_factors=factors))
    assert assessment.level == HIGH
    assert yes(protective_factors=factors).protective_factors == factors


def test_risk_questions_are_in_display_order_without_protective_factors() -> None:
    assert RISK_QUESTIONS[0] == "wish_dead"
    assert RISK_QUESTIONS[7] == "thoughts_now"
    assert RISK_QUESTIONS[8] == "threats"
    assert RISK_QUESTIONS[-1] == "act_in_progress"
    assert len(RISK_QUESTIONS) == 14
    assert "protective_factors" not in RISK_QUESTIONS


# Level codes ------------------------------------------------------------------------------------


def test_level_codes_round_trip() -> None:
    assert [level.code for level in Level] == ["none", "low", "moderate", "high", "imminent"]
    assert all(Level.from_code(level.code) is level for level in Level)


@pytest.mark.parametrize("code", ["HIGH", "urgent", "", "3"])
def test_unknown_level_code_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match="Unknown risk level"):
        Level.from_code(code)


# JSON form --------------------------------------------------------------------------------------


def test_from_mapping_reads_the_json_form() -> None:
    answers = Answers.from_mapping(
        json.loads('{"plan": true, "wish_dead": false, "protective_factors": ["faith", "pet"]}')
    )
    assert answers == yes("plan", protective_factors=frozenset({"faith", "pet"}))


def test_as_mapping_is_json_with_every_question_and_sorted_factors() -> None:
    # Six codes: a set's own iteration order is sorted by chance only once in 720.
    six = frozenset({"pet", "faith", "children", "work", "in_treatment", "support_network"})
    data = yes("intent", protective_factors=six).as_mapping()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {*RISK_QUESTIONS, "protective_factors"}
    assert data["intent"] is True and data["plan"] is False
    assert data["protective_factors"] == sorted(six)


def test_from_mapping_names_an_unknown_key() -> None:
    with pytest.raises(ValueError, match="'suicidal_ideation'"):
        Answers.from_mapping({"plan": True, "suicidal_ideation": True})


@pytest.mark.parametrize("value", [1, 0, "yes", "true", None, [True]])
def test_from_mapping_refuses_a_non_boolean_answer(value: object) -> None:
    with pytest.raises(ValueError, match="'plan' must be true or false"):
        Answers.from_mapping({"plan": value})


@pytest.mark.parametrize("value", ["support_network", {"pet": True}, ["pet", 3], ["  "], None])
def test_from_mapping_refuses_malformed_protective_factors(value: object) -> None:
    with pytest.raises(ValueError, match=r"[Pp]rotective.factor"):
        Answers.from_mapping({"protective_factors": value})


def test_from_mapping_refuses_what_is_not_a_mapping() -> None:
    with pytest.raises(ValueError, match="mapping"):
        Answers.from_mapping(["plan"])  # type: ignore[arg-type]


def test_a_bare_string_is_not_a_set_of_protective_factors() -> None:
    with pytest.raises(ValueError, match="not a string"):
        Answers(protective_factors="pet")  # type: ignore[arg-type]


# Safety protocol --------------------------------------------------------------------------------

ALL_ACTIONS = tuple(Action)


@pytest.mark.parametrize(
    ("level", "missing"),
    [
        (NONE, ()),
        (LOW, ()),
        (MODERATE, ()),
        (HIGH, (Action.SUPERVISOR_INFORMED, Action.SAME_DAY_FOLLOW_UP, Action.SAFETY_PLAN)),
        (
            IMMINENT,
            (Action.EMERGENCY_SERVICES, Action.SUPERVISOR_INFORMED, Action.SAME_DAY_FOLLOW_UP),
        ),
    ],
)
def test_missing_actions_with_nothing_recorded(level: Level, missing: tuple[Action, ...]) -> None:
    assert missing_actions(level, []) == missing
    assert missing_actions(level, REQUIRED_ACTIONS[level]) == ()
    assert missing_actions(level, ALL_ACTIONS) == ()


def test_missing_actions_leaves_out_what_was_recorded_and_ignores_extras() -> None:
    assert missing_actions(
        IMMINENT, [Action.SAME_DAY_FOLLOW_UP, Action.SAFETY_PLAN, Action.SAME_DAY_FOLLOW_UP]
    ) == (Action.EMERGENCY_SERVICES, Action.SUPERVISOR_INFORMED)
    # Stored codes are plain strings: they count as the actions they name.
    assert missing_actions(HIGH, ["supervisor_informed", "safety_plan"]) == (  # type: ignore[list-item]
        Action.SAME_DAY_FOLLOW_UP,
    )


def test_missing_actions_refuses_a_bare_string() -> None:
    with pytest.raises(ValueError, match="not a string"):
        missing_actions(HIGH, "safety_plan")  # type: ignore[arg-type]


def test_required_actions_cannot_be_changed_at_runtime() -> None:
    with pytest.raises(TypeError):
        REQUIRED_ACTIONS[NONE] = frozenset(Action)  # type: ignore[index]


@pytest.mark.parametrize(
    ("level", "expected"),
    [(NONE, False), (LOW, False), (MODERATE, False), (HIGH, True), (IMMINENT, True)],
)
def test_protocol_and_location_start_at_high(level: Level, expected: bool) -> None:
    assert starts_protocol(level) is expected
    assert needs_location(level) is expected


# Override ---------------------------------------------------------------------------------------


def test_no_override_keeps_the_computed_level() -> None:
    assert final_level(HIGH, None, "") is HIGH
    assert final_level(HIGH, HIGH, "") is HIGH


def test_a_justified_override_wins_in_either_direction() -> None:
    assert final_level(MODERATE, IMMINENT, "Ha un coltello in mano") is IMMINENT
    assert final_level(HIGH, MODERATE, "Risposta data per scherzo, confermato") is MODERATE


@pytest.mark.parametrize("justification", ["", "          ", "\n\t", "troppo", "  corta   "])
def test_an_override_without_enough_justification_is_refused(justification: str) -> None:
    with pytest.raises(OverrideError, match="at least 10 characters"):
        final_level(HIGH, LOW, justification)
    with pytest.raises(OverrideError):
        final_level(LOW, HIGH, justification)


def test_override_error_is_a_value_error() -> None:
    assert issubclass(OverrideError, ValueError)


def test_justification_length_counts_after_stripping() -> None:
    assert final_level(HIGH, LOW, "  1234567890  ") is LOW
    with pytest.raises(OverrideError):
        final_level(HIGH, LOW, "  123456789  ")


# Properties -------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=300, deadline=None)

factors = st.frozensets(st.sampled_from(["support_network", "in_treatment", "children", "faith"]))
answers = st.builds(
    Answers, **{question: st.booleans() for question in RISK_QUESTIONS}, protective_factors=factors
)


@PROPERTY
@given(answers)
def test_one_more_yes_never_lowers_the_level(base: Answers) -> None:
    level = assess(base).level
    for question in RISK_QUESTIONS:
        assert assess(replace(base, **{question: True})).level >= level, question


def test_one_more_yes_never_lowers_the_level_over_every_set_of_answers() -> None:
    # 2**14 answer sets are few enough to check them all, so a rule that a "yes" switches off
    # is found even when random sampling rarely meets the one combination that shows it.
    levels = [
        assess(yes(*(q for bit, q in enumerate(RISK_QUESTIONS) if mask >> bit & 1))).level
        for mask in range(1 << len(RISK_QUESTIONS))
    ]
    for mask, level in enumerate(levels):
        for bit in range(len(RISK_QUESTIONS)):
            assert levels[mask | 1 << bit] >= level, (mask, RISK_QUESTIONS[bit])


@PROPERTY
@given(answers, factors)
def test_protective_factors_never_change_the_assessment(
    base: Answers, other: frozenset[str]
) -> None:
    assert assess(replace(base, protective_factors=other)) == assess(base)


@PROPERTY
@given(answers)
def test_the_level_is_the_highest_finding(base: Answers) -> None:
    assessment = assess(base)
    assert assessment.level == max((f.level for f in assessment.findings), default=NONE)
    assert (assessment.level == NONE) == (assessment.findings == ())
    assert len(set(assessment.findings)) == len(assessment.findings)


@PROPERTY
@given(answers)
def test_the_json_form_round_trips(base: Answers) -> None:
    data = base.as_mapping()
    assert data["protective_factors"] == sorted(base.protective_factors)
    assert Answers.from_mapping(json.loads(json.dumps(data))) == base
