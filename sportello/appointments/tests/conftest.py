import datetime

import pytest

from sportello.cases.tests.conftest import (  # noqa: F401 (fixtures)
    held_contact,
    make_case,
    make_coordinator,
    make_professional,
)
from sportello.rota.tests.conftest import publish
from sportello.testing import rome

MONDAY = datetime.date(2026, 11, 30)


@pytest.fixture
def desk(milan, make_professional, make_coordinator, make_case, frozen_now):  # noqa: F811
    """Paola works Tuesday mornings (9:30–13:45) by the published roster; her case is open."""
    frozen_now(rome(2026, 12, 1, 10, 0))  # the case is opened from Tuesday's contact
    paola = make_professional("paola")
    coordinator = make_coordinator("carla")
    publish(coordinator, MONDAY, [(paola, 1, "morning")])
    case = make_case(paola)
    frozen_now(rome(2026, 12, 1, 8, 0))  # booking early that morning: every slot is ahead
    return {"paola": paola, "coordinator": coordinator, "case": case}
