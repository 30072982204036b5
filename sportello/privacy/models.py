"""The tamper-evident logs: who read which health data (the access log) and who changed it (the
audit log). Rows are only ever appended (sportello.privacy.chained_logs.append); PostgreSQL
refuses UPDATE, DELETE and TRUNCATE on them (migration 0002) and the hash chain shows any edit
made behind its back (manage.py verify_access_log)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.accounts.roles import Role
from sportello.field_encryption import EncryptedTextField


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
    "access_log": _("registro degli accessi"),
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


class ProcessingActivity(models.Model):
    """One entry of the records of processing (registro dei trattamenti, Art. 30 GDPR), kept as
    data so that the DPO edits it when the desk changes and exports it when asked."""

    code = models.SlugField(_("codice"), max_length=60, unique=True)
    name = models.CharField(_("trattamento"), max_length=200)
    purpose = models.TextField(_("finalità"))
    legal_basis = models.TextField(_("base giuridica"))
    data_subjects = models.TextField(_("categorie di interessati"))
    data_categories = models.TextField(_("categorie di dati personali"))
    special_categories = models.BooleanField(_("dati particolari (art. 9)"), default=False)
    recipients = models.TextField(_("destinatari"), blank=True)
    transfers = models.TextField(_("trasferimenti verso paesi terzi"), blank=True)
    retention = models.TextField(_("termini di conservazione"))
    security_measures = models.TextField(_("misure di sicurezza"))
    controller = models.CharField(_("titolare"), max_length=200)
    processors = models.TextField(_("responsabili del trattamento"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordine"), default=0)
    updated_at = models.DateTimeField(_("aggiornato il"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aggiornato da"),
    )

    class Meta:
        verbose_name = _("trattamento")
        verbose_name_plural = _("registro dei trattamenti")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class RequestKind(models.TextChoices):
    ACCESS = "access", _("accesso")
    RECTIFICATION = "rectification", _("rettifica")
    ERASURE = "erasure", _("cancellazione")
    RESTRICTION = "restriction", _("limitazione")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("aperta")
    DONE = "done", _("evasa")
    REFUSED = "refused", _("respinta")


class DataSubjectRequest(models.Model):
    """A person's request under Articles 15–18 GDPR, answered within one month of receipt
    (extendable by two more months with a reason, Art. 12(3))."""

    reference = models.CharField(_("riferimento"), max_length=20, unique=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=RequestKind.choices)
    status = models.CharField(
        _("stato"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    # The person the request is about, once the DPO has found them; kept as a plain number
    # too, so an erased person's request still says whom it concerned by pseudonym only.
    person = models.ForeignKey(
        "cases.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="data_subject_requests",
        verbose_name=_("persona"),
    )
    person_pseudonym = models.CharField(_("pseudonimo"), max_length=16, blank=True)
    # How the requester identified themselves and what they asked: personal data, encrypted.
    requester = EncryptedTextField(_("richiedente e identificazione"))
    details = EncryptedTextField(_("richiesta"), blank=True)
    received_at = models.DateTimeField(_("ricevuta il"))
    due_at = models.DateTimeField(_("da evadere entro"))
    extension_reason = EncryptedTextField(_("motivo della proroga"), blank=True)
    closed_at = models.DateTimeField(_("chiusa il"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chiusa da"),
    )
    answer = EncryptedTextField(_("risposta"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrata da"),
    )

    class Meta:
        verbose_name = _("richiesta dell'interessato")
        verbose_name_plural = _("richieste degli interessati")
        ordering = ["due_at"]
        indexes = [models.Index(fields=["status", "due_at"], name="privacy_dsr_status_due_idx")]

    def __str__(self) -> str:
        return self.reference


class ErasureRecord(models.Model):
    """What an erasure removed and why: kinds and counts, never the erased data itself."""

    request = models.ForeignKey(
        DataSubjectRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="erasures",
        verbose_name=_("richiesta"),
    )
    at = models.DateTimeField(_("quando"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eseguita da"),
    )
    # Which record kind ("case", "contact", "session"…) and how many of them.
    record_kind = models.CharField(_("tipo di dato"), max_length=40)
    count = models.PositiveIntegerField(_("quanti"))
    action = models.CharField(_("azione"), max_length=20)  # "erased", "pseudonymised", "kept"
    reason = models.TextField(_("motivo"))

    class Meta:
        verbose_name = _("registrazione di cancellazione")
        verbose_name_plural = _("registrazioni di cancellazione")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.action} {self.count} {self.record_kind}"


class LegalHold(models.Model):
    """Data that must be kept despite an erasure request or expired retention (a court order,
    a report to the judicial authority, a pending complaint) until the hold is lifted."""

    person = models.ForeignKey(
        "cases.Person",
        on_delete=models.PROTECT,
        related_name="legal_holds",
        verbose_name=_("persona"),
    )
    reason = EncryptedTextField(_("motivo"))
    placed_at = models.DateTimeField(_("disposto il"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(_("revocato il"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("vincolo di conservazione")
        verbose_name_plural = _("vincoli di conservazione")

    def __str__(self) -> str:
        return f"{self.person_id} {self.placed_at:%Y-%m-%d}"


class ProcessingRestriction(models.Model):
    """Processing of a person's data restricted (Art. 18): their records may be kept and read
    by the DPO, not changed, until the restriction is lifted."""

    person = models.ForeignKey(
        "cases.Person",
        on_delete=models.PROTECT,
        related_name="restrictions",
        verbose_name=_("persona"),
    )
    request = models.ForeignKey(
        DataSubjectRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restrictions",
        verbose_name=_("richiesta"),
    )
    since = models.DateTimeField(_("dal"))
    lifted_at = models.DateTimeField(_("revocata il"), null=True, blank=True)

    class Meta:
        verbose_name = _("limitazione del trattamento")
        verbose_name_plural = _("limitazioni del trattamento")

    def __str__(self) -> str:
        return f"{self.person_id} {self.since:%Y-%m-%d}"


class RetentionAction(models.TextChoices):
    PSEUDONYMISE = "pseudonymise", _("pseudonimizzare")
    DELETE = "delete", _("cancellare")


class RetentionRule(models.Model):
    """How long one kind of record is kept, and what happens when that time is over."""

    record_kind = models.CharField(_("tipo di dato"), max_length=40, unique=True)
    months = models.PositiveSmallIntegerField(_("mesi di conservazione"))
    action = models.CharField(_("azione"), max_length=20, choices=RetentionAction.choices)
    active = models.BooleanField(_("attiva"), default=True)
    basis = models.TextField(_("motivazione"), blank=True)

    class Meta:
        verbose_name = _("regola di conservazione")
        verbose_name_plural = _("regole di conservazione")
        ordering = ["record_kind"]

    def __str__(self) -> str:
        return f"{self.record_kind}: {self.months}"


class RetentionRun(models.Model):
    """One pass of retention, dry or real, with what it found or did per kind of record."""

    started_at = models.DateTimeField(_("iniziata il"))
    finished_at = models.DateTimeField(_("finita il"), null=True, blank=True)
    dry_run = models.BooleanField(_("prova"), default=True)
    # The instant retention was measured from, so a real run can repeat a dry run exactly.
    as_of = models.DateTimeField(_("riferita al"))
    # {"record_kind": {"action": "delete", "due": n, "done": n, "held": n}, ...}
    report = models.JSONField(_("resoconto"), default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("avviata da"),
    )

    class Meta:
        verbose_name = _("esecuzione della conservazione")
        verbose_name_plural = _("esecuzioni della conservazione")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'dry' if self.dry_run else 'real'}"
