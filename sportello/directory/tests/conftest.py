"""The case fixtures of the cases' tests, for the directory's tests that need a case (the
referral pages in the permission matrix)."""

from sportello.cases.tests.conftest import (  # noqa: F401 (fixtures)
    held_contact,
    make_case,
    make_coordinator,
    make_professional,
)
