"""Alerts to staff: something needs a person now (a high-risk contact, an overdue follow-up, a
break-glass read). Shown in the staff header and sent by e-mail until someone acknowledges."""

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sportello.field_encryption import EncryptedTextField


class Kind(StrEnum):
    """Kinds raised outside triage; a new kind is a new member here, no migration needed.
    Triage's escalations raise their own kind (triage.models.EscalationKind)."""

    BREAK_GLASS = "break_glass"
    # A citizen chose, moved or cancelled an appointment through their link.
    APPOINTMENT = "appointment"
    # A referral unanswered at its follow-up time, or whose letter could not be e-mailed.
    REFERRAL = "referral"


class Alert(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("destinatario"),
    )
    kind = models.CharField(_("tipo"), max_length=40)
    # Rendered in Italian when raised; the e-mail leaves the system, so a reference and a link
    # only, never what the person said or how they are.
    title = EncryptedTextField(_("titolo"))
    body = EncryptedTextField(_("testo"), blank=True)
    link = models.CharField(_("collegamento"), max_length=300, blank=True)
    about_type = models.CharField(_("riguarda (tipo)"), max_length=40, blank=True)
    about_id = models.CharField(_("riguarda (identificativo)"), max_length=40, blank=True)
    # Alerts about the same thing (e.g. "escalation:12"): one acknowledgement stops them all.
    group_key = models.CharField(_("gruppo"), max_length=100, db_index=True)
    created_at = models.DateTimeField(_("creato il"))
    last_sent_at = models.DateTimeField(_("inviato l'ultima volta il"), null=True, blank=True)
    # How many times the alert has been sent (the first time included).
    send_count = models.PositiveIntegerField(_("invii"), default=0)
    email_sent_at = models.DateTimeField(_("email inviata il"), null=True, blank=True)
    # The send_count the e-mail was last dealt with for: a re-delivered task message finds it
    # equal to send_count and sends nothing twice.
    email_sent_for = models.PositiveIntegerField(default=0)
    acknowledged_at = models.DateTimeField(_("preso in visione il"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acknowledged_alerts",
        verbose_name=_("preso in visione da"),
    )

    class Meta:
        verbose_name = _("avviso")
        verbose_name_plural = _("avvisi")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "acknowledged_at"], name="alerts_recipient_ack_idx"),
        ]
        constraints = [
            # Two sweeps raising the same alert at once cannot give a person two of them.
            models.UniqueConstraint(
                fields=["recipient", "group_key"],
                condition=Q(acknowledged_at__isnull=True),
                name="alerts_one_open_per_group",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="alerts_acknowledged_has_who",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.group_key} → {self.recipient_id}"


class AlertEvent(models.Model):
    """The audit trail of an alert: raised, sent again, acknowledged (and by whom)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("quando"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alert_events",
    )
    action = models.CharField(_("azione"), max_length=40)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("evento dell'avviso")
        verbose_name_plural = _("eventi dell'avviso")

    def __str__(self) -> str:
        return f"{self.alert_id} {self.action}"
