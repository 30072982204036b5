"""Risk rules of the screening, as a plain-Python domain kernel.

The questions follow two validated screeners. From the ASQ (Ask Suicide-Screening Questions)
comes the acute "right now?" question: thoughts of killing oneself at this moment are high
risk on their own and imminent together with a method, intent or plan. From the C-SSRS screener
comes the ladder wish to be dead → thoughts → method → intent → plan, with intent, plan or
suicidal behaviour in the past three months rated high. Risk to others mirrors it: a threat or
an intention to harm becomes high with a named person or access to a weapon, and imminent with
both.

Every rule is a conjunction of "yes" answers and the level is the highest rule that fires, so
answering one more "yes" can never lower the level. Protective factors are recorded for the
clinician but never lower the computed level: only an override with a written justification
does (``final_level``), so a lower level is always a person's signed decision.

Django stays out of this module (import-linter enforces it); finding codes and level codes are
stable strings that the Django layer stores and translates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from enum import IntEnum, StrEnum
from types import MappingProxyType

__all__ = [
    "FINDING_CODES",
    "INSTRUMENT_VERSION",
    "MIN_JUSTIFICATION_LENGTH",
    "REQUIRED_ACTIONS",
    "RISK_QUESTIONS",
    "Action",
    "Answers",
    "Assessment",
    "Finding",
    "Level",
    "OverrideError",
    "assess",
    "final_level",
    "missing_actions",
    "needs_location",
    "starts_protocol",
]

# Stored with every screening's answers: change it whenever a question or a rule changes, so
# that old screenings stay readable as what they were.
INSTRUMENT_VERSION: str = "sportello-rischio-1"

MIN_JUSTIFICATION_LENGTH = 10


class Level(IntEnum):
    NONE = 0
    LOW = 1
    MODERATE = 2
    HIGH = 3
    IMMINENT = 4

    @property
    def code(self) -> str:
        return self.name.lower()

    @classmethod
    def from_code(cls, code: str) -> Level:
        for level in cls:
            if level.code == code:
                return level
        raise ValueError(f"Unknown risk level code {code!r}")


class Action(StrEnum):
    """The safety protocol's actions, in the order they are shown and reported."""

    EMERGENCY_SERVICES = "emergency_services"  # 112 called
    SUPERVISOR_INFORMED = "supervisor_informed"
    SAME_DAY_FOLLOW_UP = "same_day_follow_up"
    SAFETY_PLAN = "safety_plan"


_PROTECTIVE_FACTORS = "protective_factors"


@dataclass(frozen=True)
class Answers:
    # Risk to self.
    wish_dead: bool = False
    suicidal_thoughts: bool = False
    method: bool = False
    intent: bool = False
    plan: bool = False
    past_attempt: bool = False  # lifetime
    recent_attempt: bool = False  # attempt or preparatory act in the past 3 months
    thoughts_now: bool = False
    # Risk to others.
    threats: bool = False
    harm_intent: bool = False
    weapon_access: bool = False
    past_violence: bool = False
    named_person_at_risk: bool = False
    # Context.
    act_in_progress: bool = False
    protective_factors: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # A bare string would pass as an iterable of one-letter codes.
        if isinstance(self.protective_factors, str):
            raise ValueError("protective_factors must be a collection of codes, not a string")
        object.__setattr__(self, _PROTECTIVE_FACTORS, frozenset(self.protective_factors))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Answers:
        """Answers from their JSON form; a question left out counts as "no"."""
        if not isinstance(data, Mapping):
            raise ValueError(f"Answers must be a mapping, got {type(data).__name__}")
        flags: dict[str, bool] = {}
        factors: frozenset[str] = frozenset()
        for key, value in data.items():
            if key == _PROTECTIVE_FACTORS:
                factors = _factor_codes(value)
            elif key in RISK_QUESTIONS:
                # bool only: 1, "yes" or None would hide a client bug behind a guessed answer.
                if not isinstance(value, bool):
                    raise ValueError(f"Answer {key!r} must be true or false, got {value!r}")
                flags[key] = value
            else:
                raise ValueError(f"Unknown answer {key!r}")
        return cls(**flags, protective_factors=factors)

    def as_mapping(self) -> dict[str, object]:
        data: dict[str, object] = {name: getattr(self, name) for name in RISK_QUESTIONS}
        data[_PROTECTIVE_FACTORS] = sorted(self.protective_factors)
        return data


RISK_QUESTIONS: tuple[str, ...] = tuple(
    field.name for field in fields(Answers) if field.name != _PROTECTIVE_FACTORS
)


@dataclass(frozen=True)
class Finding:
    code: str
    level: Level


@dataclass(frozen=True)
class Assessment:
    level: Level
    findings: tuple[Finding, ...]  # highest level first, then by code
    instrument_version: str


@dataclass(frozen=True)
class _Rule:
    code: str
    level: Level
    requires: tuple[str, ...]  # all must be answered "yes"


_RULES: tuple[_Rule, ...] = (
    _Rule("wish_dead", Level.LOW, ("wish_dead",)),
    _Rule("past_violence", Level.LOW, ("past_violence",)),
    _Rule("weapon_access", Level.LOW, ("weapon_access",)),
    _Rule("suicidal_thoughts", Level.MODERATE, ("suicidal_thoughts",)),
    _Rule("method", Level.MODERATE, ("method",)),
    _Rule("past_attempt", Level.MODERATE, ("past_attempt",)),
    _Rule("threats", Level.MODERATE, ("threats",)),
    _Rule("harm_intent", Level.MODERATE, ("harm_intent",)),
    _Rule("intent", Level.HIGH, ("intent",)),
    _Rule("plan", Level.HIGH, ("plan",)),
    _Rule("recent_attempt", Level.HIGH, ("recent_attempt",)),
    _Rule("thoughts_now", Level.HIGH, ("thoughts_now",)),
    _Rule("threats_named_person", Level.HIGH, ("threats", "named_person_at_risk")),
    _Rule("harm_intent_named_person", Level.HIGH, ("harm_intent", "named_person_at_risk")),
    _Rule("threats_weapon_access", Level.HIGH, ("threats", "weapon_access")),
    _Rule("harm_intent_weapon_access", Level.HIGH, ("harm_intent", "weapon_access")),
    _Rule("thoughts_now_with_intent", Level.IMMINENT, ("thoughts_now", "intent")),
    _Rule("thoughts_now_with_plan", Level.IMMINENT, ("thoughts_now", "plan")),
    _Rule("thoughts_now_with_method", Level.IMMINENT, ("thoughts_now", "method")),
    _Rule("act_in_progress", Level.IMMINENT, ("act_in_progress",)),
    _Rule(
        "harm_intent_weapon_named_person",
        Level.IMMINENT,
        ("harm_intent", "weapon_access", "named_person_at_risk"),
    ),
)

# Every code a Finding can carry, for the Django layer to check it has a label for each.
FINDING_CODES: tuple[str, ...] = tuple(rule.code for rule in _RULES)


def assess(answers: Answers) -> Assessment:
    fired = [
        Finding(rule.code, rule.level)
        for rule in _RULES
        if all(getattr(answers, name) for name in rule.requires)
    ]
    fired.sort(key=lambda finding: (-finding.level, finding.code))
    return Assessment(
        level=max((finding.level for finding in fired), default=Level.NONE),
        findings=tuple(fired),
        instrument_version=INSTRUMENT_VERSION,
    )


_PROTOCOL = frozenset({Action.SUPERVISOR_INFORMED, Action.SAME_DAY_FOLLOW_UP})

REQUIRED_ACTIONS: Mapping[Level, frozenset[Action]] = MappingProxyType(
    {
        Level.NONE: frozenset(),
        Level.LOW: frozenset(),
        Level.MODERATE: frozenset(),
        Level.HIGH: _PROTOCOL | {Action.SAFETY_PLAN},
        # The emergency services take the person in charge, so no safety plan is due yet.
        Level.IMMINENT: _PROTOCOL | {Action.EMERGENCY_SERVICES},
    }
)


def missing_actions(level: Level, recorded: Iterable[Action]) -> tuple[Action, ...]:
    if isinstance(recorded, str):
        raise ValueError("recorded must be a collection of actions, not a string")
    done = frozenset(recorded)
    required = REQUIRED_ACTIONS[level]
    return tuple(action for action in Action if action in required and action not in done)


def starts_protocol(level: Level) -> bool:
    return level >= Level.HIGH


def needs_location(level: Level) -> bool:
    """Whether the person's whereabouts (or "not disclosed") must be recorded.

    The same threshold as the protocol: whoever calls 112 or follows up today needs it.
    """
    return starts_protocol(level)


class OverrideError(ValueError):
    """A professional's level differs from the computed one without a sufficient reason."""


def final_level(computed: Level, chosen: Level | None, justification: str) -> Level:
    """The level that counts: the computed one, or the professional's with a written reason.

    Raising needs a reason as much as lowering: the record must say why it departs from the
    instrument in either direction.
    """
    if chosen is None or chosen == computed:
        return computed
    if len(justification.strip()) < MIN_JUSTIFICATION_LENGTH:
        raise OverrideError(
            f"Changing the level from {computed.code} to {chosen.code} needs a justification "
            f"of at least {MIN_JUSTIFICATION_LENGTH} characters"
        )
    return chosen


def _factor_codes(value: object) -> frozenset[str]:
    if not isinstance(value, list | tuple | set | frozenset):
        raise ValueError(f"protective_factors must be a list of codes, got {value!r}")
    codes: set[str] = set()
    for code in value:
        if not isinstance(code, str) or not code.strip():
            raise ValueError(f"Protective factor codes must be non-empty strings, got {code!r}")
        codes.add(code)
    return frozenset(codes)
