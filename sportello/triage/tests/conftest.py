"""Fixtures of the safety net: a desk open on a Tuesday, a contact in conversation, screenings."""

import pytest

from sportello.intake import operations as intake
from sportello.services.models import TargetGroup
from sportello.testing import rome
from sportello.triage import operations
from sportello.triage.models import ContactReason
from sportello.triage.risk_rules import Answers

TUESDAY_10 = rome(2026, 12, 1, 10, 0)

ANSWERS = {
    "none": Answers(),
    "moderate": Answers(wish_dead=True, suicidal_thoughts=True),
    "high": Answers(wish_dead=True, suicidal_thoughts=True, plan=True),
    "imminent": Answers(suicidal_thoughts=True, method=True, thoughts_now=True),
}


@pytest.fixture
def at_tuesday(frozen_now):
    frozen_now(TUESDAY_10)


@pytest.fixture
def professional(milan, make_staff):
    return make_staff("professional", "paola")


@pytest.fixture
def coordinator(milan, make_staff):
    return make_staff("coordinator", "carla")


@pytest.fixture
def in_conversation(milan, make_contact, professional, at_tuesday):
    """A contact the professional has taken and is talking to."""
    contact = make_contact(TUESDAY_10, caller_number="+393331234567", reason="non ce la faccio")
    intake.take_contact(professional, contact.pk)
    intake.start_conversation(professional, contact.pk)
    contact.refresh_from_db()
    return contact


def screening_input(level: str, **fields):
    defaults = {
        "answers": ANSWERS[level],
        "target_groups": (TargetGroup.objects.order_by("position").first(),),
        "reasons": (ContactReason.objects.get(code="bereavement"),),
        "location": "a casa, via Padova" if level in ("high", "imminent") else "",
    }
    return operations.ScreeningInput(**{**defaults, **fields})


@pytest.fixture
def screen():
    def run(user, contact, level: str, **fields):
        return operations.record_screening(user, contact.pk, screening_input(level, **fields))

    return run
