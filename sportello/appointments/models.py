"""Appointments: follow-up sessions booked with a professional, by phone or video.

No professional is ever booked twice at once (invariant 2): the database refuses an overlap,
with an exclusion constraint on PostgreSQL and triggers on SQLite (migration 0002), whatever
the code in front of it does."""

import datetime

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
    # Held or no-show: when and by whom it was recorded.
    outcome_recorded_at = models.DateTimeField(_("esito registrato il"), null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Half of the citizen's signed link: a new key kills the links sent before.
    key = models.CharField(max_length=32, blank=True)

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

    def changeable_at(self, now: datetime.datetime) -> bool:
        """Whether it can still be moved or cancelled: booked, and not begun."""
        return self.status == AppointmentStatus.BOOKED and self.starts_at > now


class SlotOffer(models.Model):
    """Slots proposed to a person, who picks one through a signed link (no account).

    The link names the offer and its key; a new key (or a withdrawn offer) kills old links."""

    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="slot_offers",
        verbose_name=_("presa in carico"),
    )
    channel = models.CharField(_("modalità"), max_length=8, choices=AppointmentChannel.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("proposta il"))
    expires_at = models.DateTimeField(_("scade il"))
    key = models.CharField(max_length=32)
    # The appointment this offer replaces (a no-show, or one the person asked to move).
    replaces = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    chosen = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="offer"
    )
    withdrawn_at = models.DateTimeField(_("ritirata il"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("proposta di orari")
        verbose_name_plural = _("proposte di orari")

    def __str__(self) -> str:
        return f"{self.case_id} {self.created_at:%Y-%m-%d %H:%M}"


class OfferedSlot(models.Model):
    offer = models.ForeignKey(SlotOffer, on_delete=models.CASCADE, related_name="slots")
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("inizio"))
    ends_at = models.DateTimeField(_("fine"))

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "professional", "starts_at"], name="offered_slot_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} {self.starts_at:%Y-%m-%d %H:%M}"


class MessageKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("conferma")
    REMINDER = "reminder", _("promemoria")
    RESCHEDULED = "rescheduled", _("spostamento")
    CANCELLED = "cancelled", _("annullamento")
    OFFER = "offer", _("proposta di orari")


class Medium(models.TextChoices):
    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("da inviare")
    SENT = "sent", _("inviato")
    FAILED = "failed", _("non inviato")
    # The person opted out (or was no longer safe to message) between booking and sending.
    WITHHELD = "withheld", _("non inviato: la persona non riceve messaggi")


class Message(models.Model):
    """One message to the person about an appointment or an offer, with its delivery.

    `dedup_key` makes each message exist once: a retried task or a second sweep finds the row
    and sends nothing again. The text is composed when sent and never stored: it holds no health
    detail, but the address it went to is personal and encrypted."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    offer = models.ForeignKey(
        SlotOffer, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField(_("tipo"), max_length=16, choices=MessageKind.choices)
    medium = models.CharField(_("mezzo"), max_length=8, choices=Medium.choices)
    # For reminders: how many minutes before the appointment (0 for other kinds).
    lead_minutes = models.PositiveIntegerField(default=0)
    recipient = EncryptedTextField(_("destinatario"))
    language = models.CharField(_("lingua"), max_length=10, default="it")
    dedup_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(
        _("stato"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    created_at = models.DateTimeField(_("creato il"))
    attempts = models.PositiveSmallIntegerField(_("tentativi"), default=0)
    last_attempt_at = models.DateTimeField(_("ultimo tentativo"), null=True, blank=True)
    sent_at = models.DateTimeField(_("inviato il"), null=True, blank=True)
    gateway_reference = models.CharField(max_length=100, blank=True)
    # What the gateway answered on the last failure (no personal data: codes and status).
    last_error = models.CharField(_("ultimo errore"), max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("messaggio")
        verbose_name_plural = _("messaggi")
        constraints = [
            models.CheckConstraint(
                condition=Q(appointment__isnull=False) | Q(offer__isnull=False),
                name="message_is_about_something",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.dedup_key
