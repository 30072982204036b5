"""Reads of risk: the level in force per contact, what its protocol still lacks, follow-ups."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.intake.models import Contact, Status
from sportello.rota import queries as rota
from sportello.services import queries as catalogue
from sportello.triage.models import (
    Escalation,
    FollowUp,
    ProtocolAction,
    ProtocolStep,
    RiskLevel,
    Screening,
)
from sportello.triage.risk_rules import Action, Level, missing_actions


@dataclass(frozen=True)
class RiskStatus:
    """The level in force for a contact (its latest screening) and the protocol steps missing."""

    contact_id: int
    screening_id: int
    level: Level
    missing_actions: tuple[Action, ...]

    @property
    def label(self) -> str:
        return str(RiskLevel(self.level).label)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(str(ProtocolStep(action).label) for action in self.missing_actions)

    @property
    def protocol_complete(self) -> bool:
        return not self.missing_actions

    @property
    def high(self) -> bool:
        return self.level >= Level.HIGH


def _latest_screening(outer: str) -> QuerySet[Screening]:
    """The screening in force (the latest) of the contact ``outer`` points at, as a subquery."""
    return Screening.objects.filter(contact=OuterRef(outer)).order_by("-at", "-id")


def _latest_screening_ids(contact_ids: Iterable[int]) -> QuerySet[Screening]:
    return Screening.objects.filter(contact_id__in=list(contact_ids)).filter(
        pk=Subquery(_latest_screening("contact").values("pk")[:1])
    )


def risk_by_contact(contact_ids: Iterable[int]) -> dict[int, RiskStatus]:
    """Two queries whatever the number of contacts; contacts never screened are absent."""
    ids = list(contact_ids)
    if not ids:
        return {}
    latest = list(_latest_screening_ids(ids).only("id", "contact_id", "level"))
    done: dict[int, set[Action]] = {}
    for contact_id, kind in ProtocolAction.objects.filter(contact_id__in=ids).values_list(
        "contact_id", "kind"
    ):
        done.setdefault(contact_id, set()).add(Action(kind))
    return {
        screening.contact_id: RiskStatus(
            contact_id=screening.contact_id,
            screening_id=screening.pk,
            level=Level(screening.level),
            missing_actions=missing_actions(
                Level(screening.level), done.get(screening.contact_id, set())
            ),
        )
        for screening in latest
    }


def risk_of(contact_id: int) -> RiskStatus | None:
    return risk_by_contact([contact_id]).get(contact_id)


def latest_screening(contact_id: int) -> Screening | None:
    return (
        Screening.objects.filter(contact_id=contact_id)
        .select_related("by")
        .prefetch_related("target_groups", "reasons")
        .first()
    )


def screened_by_ids(contact_id: int) -> set[int]:
    return set(Screening.objects.filter(contact_id=contact_id).values_list("by_id", flat=True))


def protocol_actions(contact_id: int) -> list[ProtocolAction]:
    return list(
        ProtocolAction.objects.filter(contact_id=contact_id).select_related(
            "recorded_by", "supervisor", "follow_up"
        )
    )


def follow_ups_of(contact_id: int) -> list[FollowUp]:
    return list(FollowUp.objects.filter(contact_id=contact_id).select_related("assigned_to"))


def follow_ups_for(user: User, until: datetime.datetime) -> list[FollowUp]:
    """The follow-ups a professional still owes, due by ``until`` (overdue ones included)."""
    return list(
        FollowUp.objects.filter(assigned_to=user, done_at=None, due_at__lte=until)
        .select_related("contact", "contact__service")
        .order_by("due_at")
    )


def open_escalations() -> list[Escalation]:
    return list(
        Escalation.objects.filter(acknowledged_at=None)
        .select_related("contact", "contact__service", "screening", "follow_up")
        .order_by("raised_at")
    )


def open_escalations_of(contact_id: int) -> list[Escalation]:
    return list(Escalation.objects.filter(contact_id=contact_id, acknowledged_at=None))


@dataclass(frozen=True)
class HighRiskContact:
    contact: Contact
    risk: RiskStatus


def high_risk_board(since: datetime.datetime) -> list[HighRiskContact]:
    """Contacts whose level in force is high or imminent and that still need attention: not
    closed, protocol incomplete, an escalation open, or screened since ``since`` (the
    coordinator's day). Four queries whatever the number of contacts."""
    contacts = (
        Contact.objects.defer("caller_number", "email", "caller_name", "reason")
        .annotate(level_in_force=Subquery(_latest_screening("pk").values("level")[:1]))
        .filter(level_in_force__gte=RiskLevel.HIGH)
        .annotate(
            escalated=Exists(
                Escalation.objects.filter(contact=OuterRef("pk"), acknowledged_at=None)
            ),
            screened_since=Exists(Screening.objects.filter(contact=OuterRef("pk"), at__gte=since)),
        )
        .select_related("service", "taken_by")
        .order_by("-level_in_force", "-received_at")
    )
    candidates = list(contacts[:200])
    risks = risk_by_contact(contact.pk for contact in candidates)
    return [
        HighRiskContact(contact, risks[contact.pk])
        for contact in candidates
        if contact.status != Status.CLOSED
        or not risks[contact.pk].protocol_complete
        or contact.escalated
        or contact.screened_since
    ]


def coordinators_to_alert() -> list[User]:
    """The coordinators on shift by the roster or checked in; when there are none, every
    active coordinator, because an escalation nobody receives is the failure this prevents."""
    coordinators = User.objects.filter(is_active=True, groups__name=Role.COORDINATOR.value)
    on_duty = list(
        coordinators.filter(
            Q(duty_presence__isnull=False) | Q(pk__in=rota.on_shift_ids(catalogue.now()))
        ).distinct()
    )
    return on_duty or list(coordinators.distinct())


def overdue_follow_ups(now: datetime.datetime) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(done_at=None, due_at__lt=now).filter(
        ~Q(escalations__kind="follow_up_overdue")
    )


def unescalated_high_risk() -> QuerySet[Screening]:
    """Latest screenings at high risk that have no escalation yet (a crash between the screening
    and its alert cannot happen, both commit together: this catches data loaded otherwise)."""
    return (
        Screening.objects.filter(level__gte=RiskLevel.HIGH)
        .filter(pk=Subquery(_latest_screening("contact").values("pk")[:1]))
        .filter(~Exists(Escalation.objects.filter(screening=OuterRef("pk"))))
        .select_related("contact")
    )
