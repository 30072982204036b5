"""Contacts: every way a person reaches the desk, and what happened to each."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from sportello.field_encryption import EncryptedTextField
from sportello.privacy.models import ChainedLogRow
from sportello.services.models import EmergencyProgramme, Service


class Channel(models.TextChoices):
    SWITCHBOARD = "switchboard", _("passaggio dal centralino")
    TELEPHONY = "telephony", _("telefonata trasferita automaticamente")
    WEB_CALLBACK = "web_callback", _("richiesta di richiamata dal sito")
    WEB_VIDEO = "web_video", _("richiesta di videochiamata dal sito")


class Status(models.TextChoices):
    WAITING = "waiting", _("in attesa")
    TAKEN = "taken", _("preso in carico")
    IN_CONVERSATION = "in_conversation", _("in conversazione")
    CALLBACK_SCHEDULED = "callback_scheduled", _("richiamata programmata")
    NO_ANSWER = "no_answer", _("senza risposta, da richiamare")
    CLOSED = "closed", _("chiuso")


# The statuses in which a contact stands in the live queue (callbacks once they are due).
QUEUE_STATUSES = (Status.WAITING, Status.CALLBACK_SCHEDULED, Status.NO_ANSWER)
# The statuses in which a professional holds the contact.
HELD_STATUSES = (Status.TAKEN, Status.IN_CONVERSATION)


def queue_priority() -> models.Case:
    """The SQL of queue_order.priority_of: danger now 0, callback 1, live waiting 2.

    Shared by the claim query and the index that serves it, which must match it exactly."""
    return models.Case(
        models.When(danger_now=True, then=models.Value(0)),
        models.When(callback_due_at__isnull=False, then=models.Value(1)),
        default=models.Value(2),
        output_field=models.IntegerField(),
    )


def due_since() -> Coalesce:
    """When a contact joined the queue: its callback's due time, or when it arrived."""
    return Coalesce("callback_due_at", "received_at")


class CloseReason(models.TextChoices):
    COMPLETED = "completed", _("colloquio svolto")
    WRONG_NUMBER = "wrong_number", _("numero errato")
    UNREACHABLE = "unreachable", _("non raggiungibile dopo più tentativi")
    NO_CALLBACK_NUMBER = "no_callback_number", _("fuori orario e senza un numero da richiamare")


class Outcome(models.TextChoices):
    REACHED = "reached", _("raggiunto: colloquio svolto")
    NO_ANSWER = "no_answer", _("nessuna risposta")
    WRONG_NUMBER = "wrong_number", _("numero errato")
    CALL_BACK_LATER = "call_back_later", _("da richiamare più tardi")


class ReferenceCounter(models.Model):
    """The last reference number given in a year (SP-2026-000123 counts from 1 each year)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Contact(models.Model):
    reference = models.CharField(_("riferimento"), max_length=20, unique=True)
    channel = models.CharField(_("canale"), max_length=20, choices=Channel.choices)
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("servizio")
    )
    programme = models.ForeignKey(
        EmergencyProgramme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("programma di emergenza"),
    )
    received_at = models.DateTimeField(_("ricevuto il"))
    # The number in E.164, encrypted; the lookup hash recognises a repeat caller.
    caller_number = EncryptedTextField(_("numero del chiamante"), blank=True)
    caller_number_lookup = models.CharField(max_length=64, blank=True, db_index=True)
    email = EncryptedTextField(_("email per il link"), blank=True)
    caller_name = EncryptedTextField(_("nome o soprannome"), blank=True)
    reason = EncryptedTextField(_("motivo in breve"), blank=True)
    danger_now = models.BooleanField(_("qualcuno è in pericolo ora"), default=False)
    safe_to_call = models.BooleanField(_("si può richiamare in sicurezza"), default=True)
    safe_to_leave_message = models.BooleanField(_("si può lasciare un messaggio"), default=False)
    language = models.CharField(_("lingua"), max_length=10, default="it")
    external_call_id = models.CharField(
        _("identificativo della chiamata"), max_length=100, blank=True
    )

    status = models.CharField(
        _("stato"), max_length=20, choices=Status.choices, default=Status.WAITING
    )
    status_changed_at = models.DateTimeField(_("stato cambiato il"))
    # When a callback (or a retry after no answer) becomes due; null for live contacts.
    callback_due_at = models.DateTimeField(_("da richiamare dal"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="taken_contacts",
        verbose_name=_("preso da"),
    )
    taken_at = models.DateTimeField(_("preso il"), null=True, blank=True)
    conversation_started_at = models.DateTimeField(
        _("conversazione iniziata il"), null=True, blank=True
    )
    # When someone first answered (took the contact): set once and never cleared, unlike
    # taken_at, which a release or a retry empties; the statistics measure the wait up to here.
    first_answered_at = models.DateTimeField(_("prima risposta il"), null=True, blank=True)
    closed_at = models.DateTimeField(_("chiuso il"), null=True, blank=True)
    close_reason = models.CharField(
        _("motivo della chiusura"), max_length=20, choices=CloseReason.choices, blank=True
    )
    failed_attempts = models.PositiveSmallIntegerField(_("tentativi falliti"), default=0)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handed_over_contacts",
        verbose_name=_("passato da"),
    )

    class Meta:
        verbose_name = _("contatto")
        verbose_name_plural = _("contatti")
        ordering = ["-received_at"]
        indexes = [
            # The claim query reads the queue head in this order and stops at the first row
            # it can lock, instead of sorting the whole queue.
            models.Index(
                queue_priority(),
                due_since(),
                models.F("id"),
                name="intake_contact_queue_idx",
                condition=Q(status__in=["waiting", "callback_scheduled", "no_answer"]),
            ),
            models.Index(fields=["status", "closed_at"], name="intake_contact_closed_idx"),
            # The statistics' refresh looks for contacts received or changed since its last run.
            models.Index(fields=["received_at"], name="intake_contact_received_idx"),
            models.Index(fields=["status_changed_at"], name="intake_contact_changed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["taken", "in_conversation"]) | Q(taken_by__isnull=False),
                name="intake_contact_held_has_taker",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="intake_contact_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CallbackWindow(models.Model):
    """A time the person said suits them for a callback."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="windows")
    starts_at = models.DateTimeField(_("dalle"))
    ends_at = models.DateTimeField(_("alle"))

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="intake_window_ends_after"
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class CallAttempt(models.Model):
    """One call made back to the person, and how it went."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(_("quando"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="call_attempts"
    )
    outcome = models.CharField(_("esito"), max_length=20, choices=Outcome.choices)
    note = EncryptedTextField(_("nota"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["at"], name="intake_attempt_at_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.at:%Y-%m-%d %H:%M} {self.outcome}"


class ContactEvent(ChainedLogRow):
    """The audit trail of a contact: who did what, when, from which status to which.

    A hash-chained, append-only log (sportello.privacy): rows are added only through
    sportello.privacy.chained_logs.append."""

    # No constraint and nothing cascades: the trail outlives the contact (retention erases the
    # contact; its events keep only a number that leads nowhere), and deleting a contact can
    # neither erase its trail nor be blocked by it.
    contact = models.ForeignKey(
        Contact, on_delete=models.DO_NOTHING, db_constraint=False, related_name="events"
    )
    at = models.DateTimeField(_("quando"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_events",
    )
    # Integrations act without a person: the API client's name is kept instead.
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("azione"), max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta(ChainedLogRow.Meta):
        ordering = ["at", "pk"]
        verbose_name = _("evento del contatto")
        verbose_name_plural = _("eventi del contatto")

    def __str__(self) -> str:
        return f"{self.contact_id} {self.action} {self.from_status}→{self.to_status}"


class DutyPresence(models.Model):
    """Who is on duty now, as they say it: the roster will replace this source."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_presence"
    )
    since = models.DateTimeField(_("in servizio dalle"))

    def __str__(self) -> str:
        return f"{self.user} ({self.since:%H:%M})"
