"""The demo's team and roster: a dozen operators with contracts, Milan's coverage rules, and a
weekly pattern solved and published from this week's Monday (only with SPORTELLO_DEMO)."""

from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction

from sportello.accounts.models import User
from sportello.accounts.operations import ensure_demo_profile
from sportello.accounts.roles import Role
from sportello.rota import queries, solving
from sportello.rota.models import (
    Contract,
    CoverageRequirement,
    PlanStatus,
    RosterPlan,
    ShiftKind,
    ShiftPreference,
)
from sportello.services.models import Competence

MON_SAT = [0, 1, 2, 3, 4, 5]

# username, first, last, profession, competences, services, hours, max shifts, weekdays
TEAM = [
    ("psicologa", "Paola", "Rossi", "clinical_psychologist",
     ["clinical_psychology", "crisis_intervention"], ["emergency"], 30, 6, MON_SAT),
    ("coordinatore", "Marco", "Bianchi", "psychotherapist",
     ["clinical_psychology", "crisis_intervention"], ["emergency"], 18, 4, [0, 1, 2, 3, 4]),
    ("lconti", "Luca", "Conti", "psychotraumatologist",
     ["psychotraumatology", "victim_support"], ["victims"], 30, 6, MON_SAT),
    ("sgallo", "Sara", "Gallo", "psychotraumatologist",
     ["psychotraumatology", "victim_support", "crisis_intervention"], ["victims", "emergency"],
     30, 6, MON_SAT),
    ("afontana", "Anna", "Fontana", "psychotraumatologist",
     ["psychotraumatology", "clinical_psychology"], ["victims", "emergency"], 24, 5, MON_SAT),
    ("gmoretti", "Giorgio", "Moretti", "criminologist",
     ["criminology", "psychodiagnostics"], ["criminology"], 24, 5, [0, 1, 2, 3, 4]),
    ("eriva", "Elena", "Riva", "criminologist",
     ["criminology", "psychodiagnostics", "mediation"], ["criminology", "mediation"],
     24, 5, MON_SAT),
    ("fbruno", "Francesca", "Bruno", "mediator",
     ["mediation", "legal_orientation"], ["mediation"], 24, 5, MON_SAT),
    ("dmarino", "Davide", "Marino", "lawyer",
     ["legal_orientation", "mediation"], ["mediation", "victims"], 18, 4, [0, 1, 2, 3, 4]),
    ("cgreco", "Chiara", "Greco", "clinical_psychologist",
     ["clinical_psychology", "crisis_intervention"], ["emergency"], 30, 6, MON_SAT),
    ("mlombardi", "Matteo", "Lombardi", "clinical_psychologist",
     ["clinical_psychology", "crisis_intervention", "psychodiagnostics"],
     ["emergency", "criminology"], 30, 6, MON_SAT),
    ("vcosta", "Valentina", "Costa", "clinical_psychologist",
     ["clinical_psychology", "psychotraumatology"], ["emergency", "victims"], 24, 5, MON_SAT),
]  # fmt: skip

# (weekdays, shift code or None for both, competence or None, minimum)
REQUIREMENTS = [
    (MON_SAT, None, None, 3),  # at least three on every shift
    (MON_SAT, None, "clinical_psychology", 1),
    (MON_SAT, None, "psychotraumatology", 1),
    ([1, 3], "afternoon", "criminology", 1),  # the criminological clinic's afternoons
    ([2], "morning", "mediation", 1),
]


def _team_member(
    username: str, first: str, last: str, profession: str, competences: list[str],
    services: list[str],
) -> User:  # fmt: skip
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last}
    )
    if created:
        # Demo colleagues never sign in: they exist so the roster has a team to plan.
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=Role.PROFESSIONAL.value))
    if username != "coordinatore":
        ensure_demo_profile(user, profession, competences, services)
    return user


@transaction.atomic
def ensure_demo_team() -> int:
    """Contracts, preferences and coverage rules; returns how many operators have a contract."""
    kinds = {kind.code: kind for kind in ShiftKind.objects.all()}
    for username, first, last, profession, competences, services, hours, shifts, days in TEAM:
        user = _team_member(username, first, last, profession, competences, services)
        Contract.objects.get_or_create(
            user=user,
            defaults={
                "hours_per_week": Decimal(hours),
                "weekdays_available": days,
                "max_shifts_per_week": shifts,
                "max_consecutive_days": 5,
            },
        )
    if "afternoon" in kinds and not ShiftPreference.objects.exists():
        for username, weekday, wanted, weight in (
            ("psicologa", 5, False, 3),
            ("lconti", 0, True, 2),
            ("cgreco", 2, False, 2),
        ):
            ShiftPreference.objects.create(
                user=User.objects.get(username=username),
                weekday=weekday,
                shift_kind=kinds["afternoon"],
                wanted=wanted,
                weight=weight,
            )
    if not CoverageRequirement.objects.exists():
        competences = {c.code: c for c in Competence.objects.all()}
        CoverageRequirement.objects.bulk_create(
            CoverageRequirement(
                shift_kind=kind,
                weekday=weekday,
                competence=competences.get(competence) if competence else None,
                minimum=minimum,
            )
            for weekdays, shift, competence, minimum in REQUIREMENTS
            for weekday in weekdays
            for kind in kinds.values()
            if shift in (None, kind.code) and weekday in kind.weekdays
        )
    return Contract.objects.filter(is_active=True).count()


def ensure_demo_roster() -> bool:
    """Solve and publish a pattern when none is published yet; True when one was published."""
    from sportello.rota import plan_operations

    if RosterPlan.objects.filter(status=PlanStatus.PUBLISHED).exists():
        return False
    ensure_demo_team()
    coordinator = User.objects.get(username="coordinatore")
    # The demo solves in place rather than wait for the worker (which then finds it done).
    run = solving.request_pattern(coordinator, weeks=1, time_limit_s=20)
    solving.execute(run.pk)  # does nothing when the on-commit task has already solved it
    run.refresh_from_db()
    if run.outcome not in solving.SOLVED_OUTCOMES:
        return False
    plan_operations.publish(coordinator, run.plan, valid_from=queries.desk_today())
    return True
