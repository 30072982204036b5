"""Reading appointments and the free slots a professional can offer."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from sportello.accounts.models import User
from sportello.appointments import slots
from sportello.appointments.models import OCCUPYING, Appointment
from sportello.appointments.video import JoinLink, Participant
from sportello.appointments.video_settings import provider_from_settings
from sportello.rota import queries as rota
from sportello.services import queries as catalogue

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
