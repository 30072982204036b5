"""Risk screening of a contact, the safety protocol it starts, follow-ups and escalations.

Answers, findings, locations and notes are health data (Art. 9 GDPR): they are encrypted at
rest; only the level stays in clear, because queues, homes and escalations select on it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sportello.bilingual import Localized
from sportello.field_encryption import EncryptedTextField
from sportello.intake.models import Contact
from sportello.services.models import TargetGroup, code_validator
from sportello.triage.risk_rules import Action, Level


class RiskLevel(models.IntegerChoices):
    NONE = Level.NONE, _("nessun rischio rilevato")
    LOW = Level.LOW, _("rischio basso")
    MODERATE = Level.MODERATE, _("rischio moderato")
    HIGH = Level.HIGH, _("rischio alto")
    IMMINENT = Level.IMMINENT, _("rischio imminente")


class ProtocolStep(models.TextChoices):
    EMERGENCY_SERVICES = Action.EMERGENCY_SERVICES, _("soccorsi (112) allertati")
    SUPERVISOR_INFORMED = Action.SUPERVISOR_INFORMED, _("coordinatore informato")
    SAME_DAY_FOLLOW_UP = Action.SAME_DAY_FOLLOW_UP, _("ricontatto in giornata programmato")
    SAFETY_PLAN = Action.SAFETY_PLAN, _("piano di sicurezza concordato")


class ContactReason(models.Model):
    """Why people call (bereavement, job loss, violence feared…): a list kept as data."""

    code = models.CharField(_("codice"), max_length=40, unique=True, validators=[code_validator])
    name_it = models.CharField(_("nome (italiano)"), max_length=120)
    name_en = models.CharField(_("nome (inglese)"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("ordine"), default=0)
    active = models.BooleanField(_("in uso"), default=True)

    name = Localized()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("motivo del contatto")
        verbose_name_plural = _("motivi del contatto")

    def __str__(self) -> str:
        return self.name_it


class Screening(models.Model):
    """One risk screening of a contact; a new screening supersedes, never overwrites, the last."""

    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="screenings", verbose_name=_("contatto")
    )
    at = models.DateTimeField(_("valutato il"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="screenings",
        verbose_name=_("valutato da"),
    )
    instrument_version = models.CharField(_("versione dello strumento"), max_length=40)
    answers = EncryptedTextField(_("risposte"))  # JSON of risk_rules.Answers
    findings = EncryptedTextField(_("elementi rilevati"), blank=True)  # JSON list of codes
    computed_level = models.PositiveSmallIntegerField(
        _("livello calcolato"), choices=RiskLevel.choices
    )
    level = models.PositiveSmallIntegerField(_("livello"), choices=RiskLevel.choices)
    override_justification = EncryptedTextField(_("motivazione della modifica"), blank=True)
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="+", verbose_name=_("gruppi destinatari")
    )
    reasons = models.ManyToManyField(
        ContactReason, blank=True, related_name="+", verbose_name=_("motivi")
    )
    speaks_for_someone_else = models.BooleanField(_("chiama per un'altra persona"), default=False)
    location = EncryptedTextField(_("dove si trova la persona"), blank=True)
    location_not_disclosed = models.BooleanField(_("luogo non comunicato"), default=False)
    notes = EncryptedTextField(_("note"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("valutazione del rischio")
        verbose_name_plural = _("valutazioni del rischio")
        indexes = [
            models.Index(fields=["contact", "-at"], name="triage_screening_latest_idx"),
            # The statistics' refresh looks for screenings made since its last run.
            models.Index(fields=["at"], name="triage_screening_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_level_display()}"

    @property
    def overridden(self) -> bool:
        return self.level != self.computed_level


class FollowUp(models.Model):
    """A call the desk owes a person by a given time (same-day for high risk)."""

    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("contatto")
    )
    due_at = models.DateTimeField(_("entro"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("affidato a"),
    )
    created_at = models.DateTimeField(_("creato il"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(_("svolto il"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = EncryptedTextField(_("nota"), blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("ricontatto")
        verbose_name_plural = _("ricontatti")
        indexes = [
            models.Index(
                fields=["due_at"], name="triage_followup_open_idx", condition=Q(done_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.due_at:%Y-%m-%d %H:%M}"


class ProtocolAction(models.Model):
    """One documented step of the safety protocol (invariant 3)."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="protocol_actions")
    screening = models.ForeignKey(
        Screening, on_delete=models.PROTECT, related_name="protocol_actions"
    )
    kind = models.CharField(_("azione"), max_length=30, choices=ProtocolStep.choices)
    recorded_at = models.DateTimeField(_("registrata il"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Emergency services: when, by whom, the incident number, whether they reached the person.
    called_at = models.DateTimeField(_("chiamata alle"), null=True, blank=True)
    called_by = models.CharField(_("chiamata da"), max_length=150, blank=True)
    incident_number = models.CharField(_("numero dell'intervento"), max_length=60, blank=True)
    reach_confirmed = models.BooleanField(
        _("i soccorsi hanno confermato di aver raggiunto la persona"), null=True, blank=True
    )
    # Supervisor informed: which coordinator.
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coordinatore"),
    )
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = EncryptedTextField(_("nota"), blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("azione del protocollo di sicurezza")
        verbose_name_plural = _("azioni del protocollo di sicurezza")

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_kind_display()}"


class EscalationKind(models.TextChoices):
    HIGH_RISK = "high_risk", _("contatto ad alto rischio da vedere")
    FOLLOW_UP_OVERDUE = "follow_up_overdue", _("ricontatto scaduto")


class Escalation(models.Model):
    """Something the coordinators on duty must see; alerts repeat until one acknowledges."""

    kind = models.CharField(_("tipo"), max_length=30, choices=EscalationKind.choices)
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="escalations")
    screening = models.ForeignKey(
        Screening, on_delete=models.PROTECT, null=True, blank=True, related_name="escalations"
    )
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.PROTECT, null=True, blank=True, related_name="escalations"
    )
    raised_at = models.DateTimeField(_("sollevata il"))
    last_notified_at = models.DateTimeField(_("ultimo avviso"), null=True, blank=True)
    notify_count = models.PositiveIntegerField(_("avvisi inviati"), default=0)
    acknowledged_at = models.DateTimeField(_("presa visione il"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("presa visione da"),
    )

    class Meta:
        ordering = ["raised_at", "id"]
        verbose_name = _("segnalazione ai coordinatori")
        verbose_name_plural = _("segnalazioni ai coordinatori")
        constraints = [
            models.UniqueConstraint(
                fields=["screening"],
                condition=Q(kind="high_risk"),
                name="triage_one_escalation_per_screening",
            ),
            models.UniqueConstraint(
                fields=["follow_up"],
                condition=Q(kind="follow_up_overdue"),
                name="triage_one_escalation_per_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.contact}"

    @property
    def group_key(self) -> str:
        return f"escalation:{self.pk}"
