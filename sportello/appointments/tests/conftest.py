from sportello.cases.tests.conftest import (  # noqa: F401 (fixtures)
    held_contact,
    make_case,
    make_coordinator,
    make_professional,
)
