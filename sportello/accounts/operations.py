from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from sportello.accounts.models import Profession, ProfessionalProfile, User
from sportello.accounts.roles import ADMIN_ROLES, Role
from sportello.services.models import Competence, Service


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    username: str
    password: str
    created: bool


DEMO_STAFF = {
    Role.SWITCHBOARD: ("centralino", "Carla", "Centralino"),
    Role.PROFESSIONAL: ("psicologa", "Paola", "Rossi"),
    Role.COORDINATOR: ("coordinatore", "Marco", "Bianchi"),
    Role.DPO: ("dpo", "Daria", "Verdi"),
    Role.MANAGEMENT: ("direzione", "Giulia", "Neri"),
}


@transaction.atomic
def ensure_demo_staff() -> list[DemoAccount]:
    """One demo user per role; a second run keeps existing users and their data as they are."""
    accounts = []
    for role, (username, first_name, last_name) in DEMO_STAFF.items():
        password = f"demo-{username}-2026"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "is_staff": role in ADMIN_ROLES,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role.value))
            if role is Role.PROFESSIONAL:
                ensure_demo_profile(
                    user,
                    "clinical_psychologist",
                    ["clinical_psychology", "crisis_intervention"],
                    ["emergency"],
                )
        accounts.append(DemoAccount(role, username, password, created))
    return accounts


def ensure_demo_profile(
    user: User, profession: str, competences: Iterable[str], services: Iterable[str]
) -> ProfessionalProfile:
    """A demo professional's profile with these codes of the catalogue (the profession only
    when the profile is new): the demo accounts and the demo roster's team share it."""
    profile, _created = ProfessionalProfile.objects.get_or_create(
        user=user, defaults={"profession": Profession.objects.get(code=profession)}
    )
    profile.competences.set(Competence.objects.filter(code__in=competences))
    profile.services.set(Service.objects.filter(code__in=services))
    return profile
