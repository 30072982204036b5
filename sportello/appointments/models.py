"""Appointments: follow-up sessions booked with a professional, by phone or video.

No professional is ever booked twice at once (invariant 2): the database refuses an overlap,
with an exclusion constraint on PostgreSQL and triggers on SQLite (migration 0002), whatever
the code in front of it does."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sportello.cases.models import Case
from sportello.field_encryption import EncryptedTextField


class AppointmentChannel(models.TextChoices):
    PHONE = "phone", _("al telefono")
    VIDEO = "video", _("in videochiamata")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("prenotato")
    HELD = "held", _("svolto")
    NO_SHOW = "no_show", _("non presentato")
    CANCELLED = "cancelled", _("annullato")


# Only these occupy the professional's time: a cancelled slot is free again.
OCCUPYING = (AppointmentStatus.BOOKED, AppointmentStatus.HELD, AppointmentStatus.NO_SHOW)


class Appointment(models.Model):
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("presa in carico"),
    )
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("professionista"),
    )
    starts_at = models.DateTimeField(_("inizio"))
    ends_at = models.DateTimeField(_("fine"))
    channel = models.CharField(_("modalità"), max_length=8, choices=AppointmentChannel.choices)
    status = models.CharField(
        _("stato"),
        max_length=10,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    # The video room: unguessable, one per appointment (empty for phone sessions).
    room = models.CharField(max_length=80, blank=True)
    # Whether the person may receive messages (reminders): when not, the professional calls.
    messages_allowed = models.BooleanField(_("promemoria per messaggio"), default=False)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )  # empty: the citizen chose the slot through a signed link
    booked_at = models.DateTimeField(_("prenotato il"))
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rescheduled_to"
    )
    cancelled_at = models.DateTimeField(_("annullato il"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_by_citizen = models.BooleanField(default=False)
    # Why an appointment was cancelled or moved can be clinical: encrypted like any note.
    cancel_reason = EncryptedTextField(_("motivo"), blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("appuntamento")
        verbose_name_plural = _("appuntamenti")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="appointment_in_order"
            ),
            models.CheckConstraint(
                condition=~Q(channel="video") | ~Q(room=""), name="video_appointment_has_a_room"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="cancelled_appointment_has_a_time",
            ),
        ]
        indexes = [models.Index(fields=["professional", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.starts_at:%Y-%m-%d %H:%M} {self.professional_id}"
