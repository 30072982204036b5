"""Factories of the case record: the cast of roles around one case, contacts held, cases."""

from dataclasses import dataclass

import pytest

from sportello.accounts.models import Profession, ProfessionalProfile, User
from sportello.cases import operations
from sportello.cases.models import Case
from sportello.intake import operations as intake
from sportello.intake.models import Contact
from sportello.services.models import Service, TargetGroup
from sportello.testing import rome
from sportello.triage import operations as triage
from sportello.triage.models import ContactReason
from sportello.triage.risk_rules import Answers

TUESDAY_10 = rome(2026, 12, 1, 10, 0)
COMPETENCES = {
    "emergency": ("clinical_psychology", "crisis_intervention"),
    "victims": ("psychotraumatology", "victim_support"),
    "mediation": ("mediation", "legal_orientation"),
    "criminology": ("criminology", "psychodiagnostics"),
}
RISK_ANSWERS = {
    "moderate": Answers(wish_dead=True, suicidal_thoughts=True),
    "high": Answers(wish_dead=True, suicidal_thoughts=True, plan=True),
}


@pytest.fixture
def at_tuesday(frozen_now):
    frozen_now(TUESDAY_10)


@pytest.fixture
def make_professional(milan, make_staff):
    def make(username: str | None = None, services: tuple[str, ...] = ("emergency",)) -> User:
        competences = tuple(code for service in services for code in COMPETENCES[service])
        return make_staff("professional", username, services=services, competences=competences)

    return make


@pytest.fixture
def make_coordinator(milan, make_staff):
    """A coordinator of the given services (their profile lists them); none: of every service."""

    def make(username: str | None = None, services: tuple[str, ...] = ()) -> User:
        user = make_staff("coordinator", username)
        if services:
            profile = ProfessionalProfile.objects.create(
                user=user, profession=Profession.objects.get(code="clinical_psychologist")
            )
            profile.services.set(Service.objects.filter(code__in=services))
        return user

    return make


@pytest.fixture
def held_contact(make_contact):
    """A contact the professional took from the queue and is talking to."""

    def make(professional: User, service: str = "emergency", **fields: object) -> Contact:
        contact = make_contact(TUESDAY_10, service=service, **fields)
        intake.take_contact(professional, contact.pk)
        intake.start_conversation(professional, contact.pk)
        contact.refresh_from_db()
        return contact

    return make


@pytest.fixture
def make_case(held_contact):
    def make(
        primary: User,
        *,
        service: str = "emergency",
        team: tuple[User, ...] = (),
        full_name: str = "",
        goals: str = "",
    ) -> Case:
        contact = held_contact(primary, service)
        case = operations.open_case(
            primary,
            contact.pk,
            person_data=operations.PersonData(full_name=full_name),
            goals=goals,
            anonymous=not full_name,
        )
        if team:
            case.team.set(team)
        return case

    return make


@pytest.fixture
def screen():
    """A risk screening of a contact through the triage operation."""

    def run(user: User, contact: Contact, level: str) -> None:
        triage.record_screening(
            user,
            contact.pk,
            triage.ScreeningInput(
                answers=RISK_ANSWERS[level],
                target_groups=(TargetGroup.objects.order_by("position").first(),),
                reasons=(ContactReason.objects.order_by("pk").first(),),
                location="a casa" if level == "high" else "",
            ),
        )

    return run


@dataclass
class Cast:
    """Everyone around one case of the emergency service."""

    primary: User
    team_member: User
    outsider: User
    coordinator: User
    coordinator_elsewhere: User
    switchboard: User
    dpo: User
    management: User
    case: Case

    def by_role(self) -> dict[str, User]:
        return {
            "switchboard": self.switchboard,
            "primary": self.primary,
            "team": self.team_member,
            "outsider": self.outsider,
            "coordinator": self.coordinator,
            "coordinator_elsewhere": self.coordinator_elsewhere,
            "dpo": self.dpo,
            "management": self.management,
        }


@pytest.fixture
def cast(at_tuesday, make_professional, make_coordinator, make_staff, make_case) -> Cast:
    primary = make_professional("primaria")
    team_member = make_professional("equipe", services=("emergency", "victims"))
    return Cast(
        primary=primary,
        team_member=team_member,
        outsider=make_professional("esterna"),
        coordinator=make_coordinator("coordina", services=("emergency",)),
        coordinator_elsewhere=make_coordinator("altrove", services=("victims",)),
        switchboard=make_staff("switchboard", "centralino"),
        dpo=make_staff("dpo", "dpo"),
        management=make_staff("management", "direzione"),
        case=make_case(primary, team=(team_member,), goals="Ridurre l'ansia notturna"),
    )
