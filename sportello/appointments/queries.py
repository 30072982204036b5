"""Reading appointments and the free slots a professional can offer."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.appointments import messaging, policies, slots
from sportello.appointments.models import (
    OCCUPYING,
    Appointment,
    AppointmentChannel,
    AppointmentStatus,
    Message,
    SlotOffer,
)
from sportello.appointments.video import JoinLink, Participant
from sportello.appointments.video_settings import provider_from_settings
from sportello.cases import policies as case_policies
from sportello.cases import queries as case_queries
from sportello.cases.models import Case
from sportello.cases.models import Status as CaseStatus
from sportello.rota import queries as rota
from sportello.services import queries as catalogue
from sportello.triage.queries import RiskStatus

Interval = tuple[datetime.datetime, datetime.datetime]


def slot_rule(now: datetime.datetime | None = None) -> slots.SlotRule:
    now = now or catalogue.now()
    return slots.SlotRule(
        length=datetime.timedelta(minutes=settings.SPORTELLO_APPOINTMENT_MINUTES),
        gap=datetime.timedelta(minutes=settings.SPORTELLO_APPOINTMENT_GAP_MINUTES),
        earliest=now + datetime.timedelta(minutes=settings.SPORTELLO_APPOINTMENT_NOTICE_MINUTES),
    )


@dataclass(frozen=True)
class Availability:
    """What the kernel needs to judge a professional's time between two days."""

    shifts: list[Interval]
    open_intervals: list[Interval]
    busy: list[Interval]


def availability(
    professional: User,
    first: datetime.date,
    last: datetime.date,
    *,
    exclude: Appointment | None = None,
) -> Availability:
    zone = catalogue.desk_zone()
    start = rota.desk_instant(first, zone=zone)
    end = rota.desk_instant(last + rota.ONE_DAY, zone=zone)
    booked = Appointment.objects.filter(
        professional=professional,
        status__in=OCCUPYING,
        starts_at__lt=end,
        ends_at__gt=start,
    )
    if exclude is not None:
        booked = booked.exclude(pk=exclude.pk)
    return Availability(
        shifts=[
            (entry.starts_at, entry.ends_at) for entry in rota.shifts_of(professional, first, last)
        ],
        open_intervals=catalogue.opening_calendar().open_intervals(start, end),
        busy=list(booked.values_list("starts_at", "ends_at")),
    )


def free_slots(professional: User, first: datetime.date, last: datetime.date) -> list[slots.Slot]:
    """The slots a professional can offer between two days: on their shifts, inside the
    opening hours, clear of their appointments and of the gap each needs."""
    found = availability(professional, first, last)
    return slots.free_slots(found.shifts, found.open_intervals, found.busy, slot_rule())


def join_link(appointment: Appointment, *, participant_name: str, moderator: bool) -> JoinLink:
    """The video link for one participant (the professional moderates), valid only around the
    appointment's time; the window says when it opens and closes."""
    return provider_from_settings().join_url(
        appointment.room,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        participant=Participant(name=participant_name, moderator=moderator),
        now=catalogue.now(),
    )


# --- What the staff's pages show -------------------------------------------------------------
# Each read goes through the policy: what a user may not see is simply not found (a 404).


@dataclass(frozen=True)
class DaySlots:
    """The free slots of one day at the desk."""

    day: datetime.date
    slots: list[slots.Slot]


def suitable_professionals(case: Case) -> list[User]:
    """Who may hold this case's sessions: active professionals of its service, or with a
    competence it needs; by surname."""
    candidates = (
        User.objects.filter(is_active=True, groups__name=Role.PROFESSIONAL.value)
        .prefetch_related("professional_profile__competences", "professional_profile__services")
        .order_by("last_name", "first_name", "username")
        .distinct()
    )
    return [user for user in candidates if policies.suits_case(user, case)]


def week_slots(
    professional: User, monday: datetime.date, *, exclude: Appointment | None = None
) -> list[DaySlots]:
    """The free slots of a professional in the week from ``monday``, day by day (days without
    any are left out); ``exclude``: the appointment being moved, whose time counts as free."""
    last = monday + datetime.timedelta(days=6)
    found = availability(professional, monday, last, exclude=exclude)
    free = slots.free_slots(found.shifts, found.open_intervals, found.busy, slot_rule())
    zone = catalogue.desk_zone()
    by_day: dict[datetime.date, list[slots.Slot]] = {}
    for slot in free:
        by_day.setdefault(rota.desk_day(slot.start, zone), []).append(slot)
    return [DaySlots(day, found_slots) for day, found_slots in sorted(by_day.items())]


def bookable_case(user: User, case_pk: int) -> Case:
    """A case the user may read and book for: Case.DoesNotExist or PermissionDenied if not."""
    case = case_queries.case_for(user, case_pk)
    if not policies.can_book(user, case):
        raise PermissionDenied
    return case


def missed_appointment(case: Case, raw_pk: str) -> Appointment | None:
    """The appointment of this case a new slot makes up for (``dopo=`` in the address); an
    appointment of another case is not found."""
    if not raw_pk:
        return None
    if not raw_pk.isdigit():
        raise Appointment.DoesNotExist
    return Appointment.objects.get(case=case, pk=int(raw_pk))


@dataclass(frozen=True)
class CaseAppointments:
    upcoming: list[Appointment]
    past: list[Appointment]
    offers: list[SlotOffer]
    can_book: bool


def case_appointments(user: User, case: Case) -> CaseAppointments:
    """The case page's appointments: those still to come, the others newest first, and the
    proposals the person has not answered yet."""
    now = catalogue.now()
    rows = list(
        case.appointments.defer("cancel_reason")
        .select_related("professional")
        .order_by("starts_at", "pk")
    )
    upcoming = [row for row in rows if row.status == AppointmentStatus.BOOKED and row.ends_at > now]
    offers = list(
        case.slot_offers.filter(
            chosen__isnull=True, withdrawn_at__isnull=True, expires_at__gt=now
        ).prefetch_related("slots__professional")
    )
    return CaseAppointments(
        upcoming=upcoming,
        past=[row for row in reversed(rows) if row not in upcoming],
        offers=offers,
        can_book=policies.can_book(user, case) and case.status == CaseStatus.OPEN,
    )


def appointment_for(user: User, pk: int) -> Appointment:
    """An appointment with its case, if the user may see it (Appointment.DoesNotExist if not)."""
    appointment = (
        Appointment.objects.select_related(
            "case__person",
            "case__service",
            "case__opened_from",
            "professional",
            "booked_by",
            "cancelled_by",
            "outcome_recorded_by",
            "rescheduled_from",
        )
        .prefetch_related("case__team")
        .get(pk=pk)
    )
    if not policies.can_see(user, appointment):
        raise Appointment.DoesNotExist
    return appointment


@dataclass(frozen=True)
class AppointmentPage:
    appointment: Appointment
    now: datetime.datetime
    risk: RiskStatus | None
    rescheduled_to: Appointment | None
    deliveries: list[Message]
    # The person gets messages about it (snapshot at booking, and still now).
    messages_reach_person: bool
    # The video link for the professional of the session (None: not a video session to come).
    join: JoinLink | None
    joins: bool
    can_read_case: bool
    can_change: bool
    can_record_outcome: bool
    can_offer_again: bool


def appointment_page(user: User, pk: int) -> AppointmentPage:
    appointment = appointment_for(user, pk)
    case = appointment.case
    now = catalogue.now()
    booked = appointment.status == AppointmentStatus.BOOKED
    rescheduled_to = Appointment.objects.filter(rescheduled_from=appointment).first()
    join = None
    if appointment.channel == AppointmentChannel.VIDEO and booked:
        professional = appointment.professional
        join = join_link(
            appointment,
            participant_name=professional.display_name,
            moderator=True,
        )
    may_book = policies.can_book(user, case)
    return AppointmentPage(
        appointment=appointment,
        now=now,
        risk=case_queries.risk_by_case([case]).get(case.pk),
        rescheduled_to=rescheduled_to,
        # Never the address: the recipient stays encrypted and unread.
        deliveries=list(appointment.messages.defer("recipient").order_by("created_at", "pk")),
        messages_reach_person=appointment.messages_allowed and messaging.may_message(case.person),
        join=join,
        joins=appointment.professional_id == user.pk,
        can_read_case=case_queries.visible_cases(user).filter(pk=case.pk).exists(),
        can_change=may_book and appointment.changeable_at(now),
        can_record_outcome=policies.can_record_outcome(user, appointment)
        and booked
        and appointment.starts_at <= now,
        can_offer_again=may_book
        and appointment.status == AppointmentStatus.NO_SHOW
        and rescheduled_to is None
        and case.status == CaseStatus.OPEN,
    )


@dataclass(frozen=True)
class AgendaSession:
    appointment: Appointment
    risk: RiskStatus | None


@dataclass(frozen=True)
class AgendaGroup:
    professional: User
    sessions: list[AgendaSession]


@dataclass(frozen=True)
class AgendaDay:
    day: datetime.date
    shifts: list[rota.RosteredShift]
    groups: list[AgendaGroup]

    @property
    def sessions(self) -> int:
        return sum(len(group.sessions) for group in self.groups)


@dataclass(frozen=True)
class Agenda:
    first: datetime.date
    last: datetime.date
    # None: everyone's sessions (coordinators).
    professional: User | None
    days: list[AgendaDay]


def calendar_professionals() -> list[User]:
    """Whose agenda a coordinator may pick: the active professionals, by surname."""
    return list(
        User.objects.filter(is_active=True, groups__name=Role.PROFESSIONAL.value)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


def agenda(
    user: User, first: datetime.date, last: datetime.date, *, professional: User | None
) -> Agenda:
    """Sessions (not the cancelled ones) and shifts day by day: a professional's own, or, for
    a coordinator, anyone's or everyone's (``professional`` None) grouped by professional."""
    everyone = policies.sees_everyones_calendar(user)
    if (professional is None or professional.pk != user.pk) and not everyone:
        raise PermissionDenied
    zone = catalogue.desk_zone()
    start = rota.desk_instant(first, zone=zone)
    end = rota.desk_instant(last + rota.ONE_DAY, zone=zone)
    found = (
        Appointment.objects.filter(status__in=OCCUPYING, starts_at__lt=end, ends_at__gt=start)
        .select_related("case", "professional")
        .only(
            "pk",
            "starts_at",
            "ends_at",
            "channel",
            "status",
            "professional_id",
            "case__id",
            "case__reference",
            "case__service_id",
            "professional__id",
            "professional__username",
            "professional__first_name",
            "professional__last_name",
        )
        .order_by("starts_at", "pk")
    )
    if professional is not None:
        found = found.filter(professional=professional)
    if professional is None or professional.pk != user.pk:
        # Someone else's sessions: only those whose case this coordinator may read (a
        # coordinator of one service does not see the others' case references and risks).
        readable = case_policies.visible(user, catalogue.now())
        found = (
            found.filter(case__in=Case.objects.filter(readable))
            if readable is not None
            else found.none()
        )
    appointments = list(found)
    risks = case_queries.risk_by_case(
        list({row.case_id: row.case for row in appointments}.values())
    )
    # Everyone's view lists sessions only: shifts belong to one person's calendar.
    shifts = rota.shifts_of(professional, first, last) if professional is not None else []
    days = []
    day = first
    while day <= last:
        groups: dict[int, AgendaGroup] = {}
        for row in appointments:
            if rota.desk_day(row.starts_at, zone) == day:
                group = groups.setdefault(
                    row.professional_id, AgendaGroup(professional=row.professional, sessions=[])
                )
                group.sessions.append(AgendaSession(row, risks.get(row.case_id)))
        days.append(
            AgendaDay(
                day=day,
                shifts=[entry for entry in shifts if entry.day == day],
                groups=sorted(
                    groups.values(),
                    key=lambda group: (
                        group.professional.last_name,
                        group.professional.first_name,
                        group.professional.username,
                    ),
                ),
            )
        )
        day += rota.ONE_DAY
    return Agenda(first=first, last=last, professional=professional, days=days)


def offer_for(user: User, pk: int) -> SlotOffer:
    """A proposal of slots in a case the user may read (SlotOffer.DoesNotExist if not)."""
    offer = SlotOffer.objects.select_related("case").get(pk=pk)
    if not case_queries.visible_cases(user).filter(pk=offer.case_id).exists():
        raise SlotOffer.DoesNotExist
    return offer
