"""Reading contacts: the queue (head, page, summary), the contact sheet and who is on duty."""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    Exists,
    Min,
    OuterRef,
    Q,
    QuerySet,
)

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.intake import policies
from sportello.intake.models import (
    QUEUE_STATUSES,
    CloseReason,
    Contact,
    DutyPresence,
    Status,
    due_since,
    queue_priority,
)
from sportello.intake.queue_order import (
    QueueEntry,
    RankedEntry,
    Taker,
    WaitLevel,
    can_take,
    rank,
    wait_level,
)
from sportello.rota import queries as rota
from sportello.services import queries as catalogue
from sportello.services.models import Service
from sportello.triage.models import RiskLevel, Screening

# The queue page lists this many contacts; the counts above it cover the whole queue.
PAGE_LENGTH = 50


def taker_for(user: User) -> Taker:
    """What a professional may take: their services and competences; a coordinator anything."""
    if policies.can_supervise(user):
        return Taker(services=None, competences=frozenset())
    profile = getattr(user, "professional_profile", None)
    if profile is None:
        return Taker(services=frozenset(), competences=frozenset())
    return Taker(
        services=frozenset(profile.services.values_list("code", flat=True)),
        competences=frozenset(profile.competences.values_list("code", flat=True)),
    )


def _required_competences() -> dict[int, tuple[str, frozenset[str]]]:
    """Each service's code and required competences, in one query."""
    codes: dict[int, str] = {}
    competences: dict[int, set[str]] = {}
    for pk, code, competence in Service.objects.values_list(
        "pk", "code", "required_competences__code"
    ):
        codes[pk] = code
        competences.setdefault(pk, set())
        if competence:
            competences[pk].add(competence)
    return {pk: (code, frozenset(competences[pk])) for pk, code in codes.items()}


def can_take_service(taker: Taker, service: Service) -> bool:
    code, competences = _required_competences()[service.pk]
    return can_take(taker, _probe(code, competences))


def _probe(code: str, competences: frozenset[str]) -> QueueEntry:
    """A stand-in contact of a service: matching looks only at the service and competences."""
    return QueueEntry(
        contact_id=0, service=code, received_at=catalogue.now(), required_competences=competences
    )


def _takeable_service_ids(taker: Taker) -> list[int] | None:
    if taker.services is None:
        return None
    at = catalogue.now()
    return [
        pk
        for pk, (code, competences) in _required_competences().items()
        if can_take(
            taker,
            QueueEntry(
                contact_id=0, service=code, received_at=at, required_competences=competences
            ),
        )
    ]


# Lists never show what the person said or how to reach them: not decrypting those fields
# spares the queue page, refreshed by every professional every few seconds, hundreds of
# decryptions a minute.
PERSONAL_FIELDS = ("caller_number", "email", "caller_name", "reason")


def _listing() -> QuerySet[Contact]:
    return Contact.objects.defer(*PERSONAL_FIELDS)


def _due(at: datetime.datetime) -> Q:
    return Q(status__in=QUEUE_STATUSES) & (
        Q(callback_due_at__isnull=True) | Q(callback_due_at__lte=at)
    )


def _in_queue_order(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """The SQL mirror of queue_order.rank: (priority, due since, id). A test holds the two equal."""
    return contacts.annotate(priority=queue_priority(), due_since=due_since()).order_by(
        "priority", "due_since", "pk"
    )


def queue_head(taker: Taker, at: datetime.datetime) -> QuerySet[Contact]:
    """Due contacts this taker may take, first one first (the claim locks the first free one)."""
    contacts = _listing().filter(_due(at))
    service_ids = _takeable_service_ids(taker)
    if service_ids is not None:
        contacts = contacts.filter(service_id__in=service_ids)
    return _in_queue_order(contacts)


@dataclass(frozen=True)
class QueueRow:
    contact: Contact
    ranked: RankedEntry
    level: WaitLevel
    takeable: bool


@dataclass(frozen=True)
class QueuePage:
    at: datetime.datetime
    rows: list[QueueRow]
    total: int
    upcoming: list[Contact]
    held: list[Contact]
    unreachable: list[Contact]
    # Services with contacts waiting and nobody on shift who can take them: routing by
    # competence has nowhere to send them, so the coordinator must act.
    without_cover: list[Service] = field(default_factory=list)


def _entry(contact: Contact, competences: frozenset[str]) -> QueueEntry:
    return QueueEntry(
        contact_id=contact.pk,
        service=contact.service.code,
        received_at=contact.received_at,
        danger_now=contact.danger_now,
        callback_due_at=contact.callback_due_at,
        required_competences=competences,
    )


def queue_page(user: User, target_minutes: float) -> QueuePage:
    """The live queue as a professional sees it; a fixed number of queries whatever its length."""
    at = catalogue.now()
    calendar = catalogue.opening_calendar()
    required = _required_competences()
    taker = taker_for(user)
    due = _in_queue_order(_listing().filter(_due(at)).select_related("service"))
    head = list(due[:PAGE_LENGTH])
    ranked = rank(
        [_entry(contact, required[contact.service_id][1]) for contact in head], at, calendar
    )
    by_id = {contact.pk: contact for contact in head}
    rows = [
        QueueRow(
            contact=by_id[item.entry.contact_id],
            ranked=item,
            level=wait_level(item.waited_minutes, target_minutes),
            takeable=can_take(taker, item.entry),
        )
        for item in ranked
    ]
    upcoming = list(
        _listing()
        .filter(status__in=QUEUE_STATUSES, callback_due_at__gt=at)
        .select_related("service")
        .order_by("callback_due_at", "pk")[:PAGE_LENGTH]
    )
    supervisor = policies.can_supervise(user)
    held_contacts = _listing().filter(status__in=(Status.TAKEN, Status.IN_CONVERSATION))
    if not supervisor:
        held_contacts = held_contacts.filter(taken_by=user)
    held = list(held_contacts.select_related("service", "taken_by").order_by("taken_at"))
    unreachable: list[Contact] = []
    if supervisor:
        unreachable = list(
            _listing()
            .filter(
                status=Status.CLOSED,
                close_reason=CloseReason.UNREACHABLE,
                closed_at__gte=at - datetime.timedelta(days=7),
            )
            .select_related("service")
            .order_by("-closed_at")[:PAGE_LENGTH]
        )
    waiting_services = {contact.service_id: contact.service for contact in head}
    cover = rota.cover_by_service(at, calendar=calendar) if waiting_services else {}
    return QueuePage(
        at=at,
        rows=rows,
        total=Contact.objects.filter(_due(at)).count(),
        upcoming=upcoming,
        held=held,
        unreachable=unreachable,
        without_cover=[
            service for pk, service in sorted(waiting_services.items()) if not cover.get(pk)
        ],
    )


@dataclass(frozen=True)
class ServiceQueue:
    service: Service
    waiting: int
    oldest_since: datetime.datetime | None
    oldest_wait_minutes: float
    in_danger: int
    able_on_shift: int = 0  # on shift now with the service or a competence it requires


@dataclass(frozen=True)
class QueueSummary:
    at: datetime.datetime
    timezone: zoneinfo.ZoneInfo
    services: list[ServiceQueue]

    @property
    def waiting(self) -> int:
        return sum(item.waiting for item in self.services)

    @property
    def in_danger(self) -> int:
        return sum(item.in_danger for item in self.services)


def _screened_high() -> Exists:
    """Screened at high or imminent risk at some point: a person waiting for a callback after
    such a screening counts as at risk even if a later screening was lower (conservative)."""
    return Exists(Screening.objects.filter(contact=OuterRef("pk"), level__gte=RiskLevel.HIGH))


def queue_summary() -> QueueSummary:
    """Per active service: how many are due in the queue, the longest working wait, how many
    flagged in danger (the switchboard console and GET /api/v1/queue/), all at one instant."""
    at = catalogue.now()
    organisation = catalogue.current_organisation()
    calendar = catalogue.opening_calendar(organisation)
    counts = {
        row["service_id"]: row
        for row in Contact.objects.filter(_due(at))
        .values("service_id")
        .annotate(
            waiting=Count("pk"),
            oldest=Min(due_since()),
            in_danger=Count("pk", filter=Q(danger_now=True) | Q(_screened_high())),
        )
    }
    cover = rota.cover_by_service(at, calendar=calendar)
    services = []
    for service in Service.objects.filter(is_active=True):
        row = counts.get(service.pk, {"waiting": 0, "oldest": None, "in_danger": 0})
        oldest = row["oldest"]
        services.append(
            ServiceQueue(
                service=service,
                waiting=row["waiting"],
                oldest_since=oldest,
                oldest_wait_minutes=calendar.working_minutes(oldest, at)
                if oldest and oldest < at
                else 0.0,
                in_danger=row["in_danger"],
                able_on_shift=len(cover.get(service.pk, [])),
            )
        )
    return QueueSummary(at=at, timezone=zoneinfo.ZoneInfo(organisation.timezone), services=services)


@dataclass(frozen=True)
class OnDuty:
    user: User
    shift: rota.OnShift | None  # None: checked in outside the roster
    checked_in: bool


def on_duty() -> list[OnDuty]:
    """Who is on shift now by the published roster, whether they have checked in, and who
    checked in without being rostered (an extra hand the switchboard should know about)."""
    present = {user.pk: user for user in checked_in()}
    rostered = rota.on_shift_at(catalogue.now())
    board = [OnDuty(entry.user, entry, entry.user.pk in present) for entry in rostered]
    on_roster = {entry.user.pk for entry in rostered}
    board += [OnDuty(user, None, True) for pk, user in present.items() if pk not in on_roster]
    return board


def checked_in() -> list[User]:
    """Who said they are at work now, professionals and coordinators."""
    return list(
        User.objects.filter(
            is_active=True,
            duty_presence__isnull=False,
            groups__name__in=[Role.PROFESSIONAL.value, Role.COORDINATOR.value],
        )
        .select_related("duty_presence", "professional_profile__profession")
        .distinct()
        .order_by("duty_presence__since", "pk")
    )


def is_on_duty(user: User) -> bool:
    return DutyPresence.objects.filter(user=user).exists()


def contact_sheet(user: User, contact_id: int) -> Contact:
    contact = (
        Contact.objects.select_related("service", "programme", "taken_by", "handed_over_by")
        .prefetch_related("windows", "attempts__by")
        .get(pk=contact_id)
    )
    if not policies.can_see_contact(user, contact):
        raise PermissionDenied
    return contact


@dataclass(frozen=True)
class EarlierContact:
    contact: Contact
    reason_visible: bool


def earlier_contacts(user: User, contact: Contact) -> list[EarlierContact]:
    """A repeat caller's earlier contacts, matched on the number's lookup hash."""
    if not contact.caller_number_lookup:
        return []
    earlier = (
        # The reason is read (some may see it); the ways to reach the person are not shown.
        Contact.objects.defer("caller_number", "email", "caller_name")
        .filter(caller_number_lookup=contact.caller_number_lookup)
        .exclude(pk=contact.pk)
        .filter(received_at__lte=contact.received_at)
        .select_related("service", "taken_by")
        .order_by("-received_at")[:20]
    )
    return [
        EarlierContact(contact=item, reason_visible=policies.can_read_earlier_reason(user, item))
        for item in earlier
    ]


def channel_of(reference: str) -> str | None:
    """How a request arrived, for its confirmation page (which shows nothing personal)."""
    return Contact.objects.filter(reference=reference).values_list("channel", flat=True).first()
