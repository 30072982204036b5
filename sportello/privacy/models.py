"""The tamper-evident logs: who read which health data (the access log) and who changed it (the
audit log). Rows are only ever appended (sportello.privacy.chained_logs.append); PostgreSQL
refuses UPDATE, DELETE and TRUNCATE on them (migration 0002) and the hash chain shows any edit
made behind its back (manage.py verify_access_log)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.accounts.roles import Role


class ChainHead(models.Model):
    """The last row of one chained log. Appends lock it, so two appends never take the same
    place in the chain; verification compares it with the last row, so rows removed from the
    end of a log are noticed too."""

    log = models.CharField(max_length=100, primary_key=True)  # the model's app_label.modelname
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.log} #{self.last_seq}"


class ChainedLogRow(models.Model):
    """A row of an append-only, hash-chained log.

    The hash covers every concrete field except those in NOT_HASHED, each under its attname (a
    foreign key by its id: ``user_id``). A column added to a log that already holds rows changes
    what the old rows hash to: such a migration has to re-chain the log, which the DPO must be
    told of, so a log's columns are best fixed before it goes live."""

    seq = models.BigIntegerField(_("numero progressivo"), unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    NOT_HASHED = frozenset({"id", "seq", "prev_hash", "row_hash"})

    class Meta:
        abstract = True
        ordering = ["seq"]


class AccessAction(models.TextChoices):
    READ = "read", _("lettura")
    BREAK_GLASS = "break_glass", _("accesso in emergenza")
    EXPORT = "export", _("esportazione")
    DENIED = "denied", _("accesso negato")


# What the logs name in object_type; an unlisted type is shown as it is stored.
OBJECT_TYPE_LABELS = {
    "case": _("presa in carico"),
    "session": _("colloquio"),
    "note": _("nota"),
    "screening": _("valutazione del rischio"),
    "contact": _("contatto"),
    "consent": _("consenso informato"),
}


class AccessLog(ChainedLogRow):
    """One read (or refused read) of health data: metadata only, never what was read."""

    at = models.DateTimeField(_("quando"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_log",
        verbose_name=_("utente"),
    )
    # Kept as they were at the time: a user renamed or given another role later still shows
    # who read and in which capacity.
    username = models.CharField(_("nome utente"), max_length=150, blank=True)
    roles = models.CharField(_("ruoli"), max_length=200, blank=True)
    action = models.CharField(_("azione"), max_length=20, choices=AccessAction.choices)
    # What was read: "case", "session", "note", "screening", "contact", "consent"…
    object_type = models.CharField(_("tipo di dato"), max_length=40)
    object_id = models.CharField(_("identificativo"), max_length=64)
    # A plain number, not a foreign key: the log outlives the case it speaks of.
    case_id = models.BigIntegerField(_("presa in carico"), null=True, blank=True)
    purpose = models.TextField(_("finalità"), blank=True)
    break_glass = models.BooleanField(_("accesso in emergenza"), default=False)
    ip_address = models.GenericIPAddressField(_("indirizzo IP"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    path = models.CharField(_("pagina"), max_length=300, blank=True)

    class Meta(ChainedLogRow.Meta):
        verbose_name = _("accesso ai dati")
        verbose_name_plural = _("registro degli accessi")
        indexes = [
            models.Index(fields=["case_id", "at"], name="privacy_access_case_at_idx"),
            models.Index(fields=["user", "at"], name="privacy_access_user_at_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.username} {self.action} {self.object_type} {self.object_id}"

    @property
    def object_label(self) -> str:
        return str(OBJECT_TYPE_LABELS.get(self.object_type, self.object_type))

    @property
    def role_labels(self) -> list[str]:
        known = {role.value: role for role in Role}
        return [known[name].label if name in known else name for name in self.role_names]

    @property
    def role_names(self) -> list[str]:
        return [name for name in self.roles.split(",") if name]


class AuditEvent(ChainedLogRow):
    """One change to health data made in triage or in a case: who, what, when; the detail holds
    metadata (statuses, codes, counts), never clinical text."""

    at = models.DateTimeField(_("quando"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("autore"),
    )
    # Integrations act without a person: the API client's name is kept instead.
    actor_label = models.CharField(_("autore (nome)"), max_length=150, blank=True)
    object_type = models.CharField(_("tipo di dato"), max_length=40)
    object_id = models.CharField(_("identificativo"), max_length=64)
    case_id = models.BigIntegerField(_("presa in carico"), null=True, blank=True)
    contact_id = models.BigIntegerField(_("contatto"), null=True, blank=True)
    action = models.CharField(_("azione"), max_length=60)
    detail = models.JSONField(_("dettagli"), default=dict, blank=True)

    class Meta(ChainedLogRow.Meta):
        verbose_name = _("evento di modifica")
        verbose_name_plural = _("registro delle modifiche")
        indexes = [
            models.Index(fields=["case_id", "at"], name="privacy_audit_case_at_idx"),
            models.Index(fields=["contact_id", "at"], name="privacy_audit_contact_at_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_label} {self.action} {self.object_type} {self.object_id}"
