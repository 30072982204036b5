"""The case record (presa in carico): the person, the case, its sessions, consent and sections."""

import json
import secrets
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Language
from sportello.bilingual import Localized
from sportello.field_encryption import EncryptedTextField, lookup_hash
from sportello.intake.models import Contact
from sportello.services.models import EmergencyProgramme, Service, code_validator

NAME_LOOKUP = "person-name"
# Letters and digits nobody confuses when reading them aloud or copying them (no 0/O, 1/I/L).
PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
FIRST_BIRTH_YEAR = 1900
MUNICIPI = 9  # Milan's districts (Municipio 1..9); the number is all a case records


def new_pseudonym() -> str:
    """ "P-7K3Q-2M": short enough to say on the phone, random enough to mean nothing."""
    letters = "".join(secrets.choice(PSEUDONYM_ALPHABET) for _i in range(6))
    return f"P-{letters[:4]}-{letters[4:]}"


def normalised_name(full_name: str) -> str:
    """What two spellings of one name share: no accents, no case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", full_name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def name_lookup_of(full_name: str) -> str:
    """The keyed hash search compares, so that finding a person never decrypts a name."""
    normalised = normalised_name(full_name)
    return lookup_hash(normalised, NAME_LOOKUP) if normalised else ""


def validate_birth_year(value: int) -> None:
    from sportello.services import queries as catalogue

    this_year = catalogue.now().year
    if not FIRST_BIRTH_YEAR <= value <= this_year:
        raise ValidationError(
            _("L'anno di nascita deve essere tra %(first)d e %(last)d."),
            params={"first": FIRST_BIRTH_YEAR, "last": this_year},
            code="birth_year",
        )


class Person(models.Model):
    """Whom a case is for; anonymous unless they give their name."""

    pseudonym = models.CharField(_("pseudonimo"), max_length=16, unique=True)
    identified = models.BooleanField(_("identificata"), default=False)
    full_name = EncryptedTextField(_("nome e cognome"), blank=True)
    name_lookup = models.CharField(max_length=64, blank=True, db_index=True)
    birth_year = models.PositiveSmallIntegerField(
        _("anno di nascita"), null=True, blank=True, validators=[validate_birth_year]
    )
    municipio = models.PositiveSmallIntegerField(
        _("municipio"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MUNICIPI)],
    )
    preferred_language = models.ForeignKey(
        Language,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lingua preferita"),
    )
    phone = EncryptedTextField(_("telefono"), blank=True)
    email = EncryptedTextField(_("email"), blank=True)
    # Messages (reminders, confirmations) go only to a person who is safe to receive them and
    # has not asked to be left alone: otherwise the professional calls.
    safe_to_message = models.BooleanField(
        _("si possono inviare messaggi in sicurezza"), default=False
    )
    no_messages = models.BooleanField(_("non vuole ricevere messaggi"), default=False)
    created_at = models.DateTimeField(_("creata il"))

    class Meta:
        verbose_name = _("persona")
        verbose_name_plural = _("persone")
        constraints = [
            models.CheckConstraint(
                condition=Q(identified=False) | ~Q(name_lookup=""),
                name="cases_person_identified_has_name",
            )
        ]

    def __str__(self) -> str:
        return self.pseudonym


class CaseReferenceCounter(models.Model):
    """The last case number given in a year (PC-2026-000042 counts from 1 each year)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Status(models.TextChoices):
    OPEN = "open", _("aperta")
    SUSPENDED = "suspended", _("sospesa")
    CLOSED = "closed", _("chiusa")


class Outcome(models.TextChoices):
    GOALS_REACHED = "goals_reached", _("obiettivi raggiunti")
    REFERRED = "referred", _("inviata ai servizi territoriali")
    WITHDREW = "withdrew", _("la persona si è ritirata")
    UNREACHABLE = "unreachable", _("persona non più raggiungibile")
    TRANSFERRED_OUT = "transferred_out", _("trasferita ad altro ente")
    OTHER = "other", _("altro")


class Case(models.Model):
    reference = models.CharField(_("riferimento"), max_length=20, unique=True)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("persona")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="cases", verbose_name=_("servizio")
    )
    programme = models.ForeignKey(
        EmergencyProgramme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("programma di emergenza"),
    )
    opened_from = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opened_cases",
        verbose_name=_("aperta dal contatto"),
    )
    contacts = models.ManyToManyField(
        Contact, related_name="cases", blank=True, verbose_name=_("contatti")
    )
    primary_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="primary_cases",
        verbose_name=_("professionista di riferimento"),
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="team_cases", blank=True, verbose_name=_("équipe")
    )
    goals = EncryptedTextField(_("obiettivi"), blank=True)
    status = models.CharField(
        _("stato"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.CharField(_("esito"), max_length=20, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(_("chiusa il"), null=True, blank=True)
    opened_at = models.DateTimeField(_("aperta il"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="opened_cases",
        verbose_name=_("aperta da"),
    )

    class Meta:
        verbose_name = _("presa in carico")
        verbose_name_plural = _("prese in carico")
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["service", "status"], name="cases_case_service_status"),
            # The statistics read cases by the day they were opened.
            models.Index(fields=["opened_at"], name="cases_case_opened_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="cases_case_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(status="closed") | (Q(closed_at__isnull=True) & Q(outcome="")),
                name="cases_case_outcome_only_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseTransfer(models.Model):
    """A move between services; the case's service changes, this row keeps the history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("dal servizio")
    )
    to_service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("al servizio")
    )
    at = models.DateTimeField(_("quando"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("da")
    )
    reason = EncryptedTextField(_("motivo"))

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["at"], name="cases_transfer_at_idx")]
        verbose_name = _("trasferimento")
        verbose_name_plural = _("trasferimenti")

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_service_id}→{self.to_service_id}"


class FieldKind(models.TextChoices):
    TEXT = "text", _("testo breve")
    LONG_TEXT = "long_text", _("testo lungo")
    CHOICE = "choice", _("scelta singola")
    MULTIPLE_CHOICE = "multiple_choice", _("scelta multipla")
    DATE = "date", _("data")
    YES_NO = "yes_no", _("sì / no")


CHOICE_KINDS = (FieldKind.CHOICE, FieldKind.MULTIPLE_CHOICE)


def validate_choices(value: Any) -> None:
    """A list of {"code", "label_it", "label_en"} with distinct codes."""
    message = _('Le scelte sono un elenco di {"code", "label_it", "label_en"} con codici diversi.')
    if not isinstance(value, list):
        raise ValidationError(message)
    codes = []
    for item in value:
        if not isinstance(item, dict) or not item.get("code") or not item.get("label_it"):
            raise ValidationError(message)
        codes.append(item["code"])
    if len(codes) != len(set(codes)):
        raise ValidationError(message)


class SectionField(models.Model):
    """One question of a service's section of the case: the form is built from these rows."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="section_fields", verbose_name=_("servizio")
    )
    code = models.CharField(_("codice"), max_length=40, validators=[code_validator])
    label_it = models.CharField(_("etichetta (italiano)"), max_length=200)
    label_en = models.CharField(_("etichetta (inglese)"), max_length=200, blank=True)
    help_it = models.CharField(_("aiuto (italiano)"), max_length=300, blank=True)
    help_en = models.CharField(_("aiuto (inglese)"), max_length=300, blank=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=FieldKind.choices)
    choices = models.JSONField(_("scelte"), default=list, blank=True, validators=[validate_choices])
    required = models.BooleanField(_("obbligatorio"), default=False)
    order = models.PositiveSmallIntegerField(_("ordine"), default=0)

    label = Localized()
    help = Localized()

    class Meta:
        ordering = ["service", "order", "pk"]
        verbose_name = _("campo della sezione di servizio")
        verbose_name_plural = _("campi delle sezioni di servizio")
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="cases_section_field_once")
        ]

    def __str__(self) -> str:
        return f"{self.service_id}:{self.code}"

    def clean(self) -> None:
        if self.kind in CHOICE_KINDS and not self.choices:
            raise ValidationError({"choices": _("Una domanda a scelta ha bisogno di scelte.")})
        if self.kind not in CHOICE_KINDS and self.choices:
            raise ValidationError({"choices": _("Solo le domande a scelta hanno scelte.")})

    def choice_pairs(self) -> list[tuple[str, str]]:
        """(code, label) in the active language, Italian when the English label is missing."""
        from django.utils.translation import get_language

        english = (get_language() or "it").startswith("en")
        return [
            (item["code"], (english and item.get("label_en")) or item["label_it"])
            for item in self.choices
        ]


class CaseSection(models.Model):
    """The answers to a service's section, kept encrypted as one JSON document."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sections")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    answers = EncryptedTextField(_("risposte"), blank=True)
    updated_at = models.DateTimeField(_("aggiornata il"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("sezione di servizio")
        verbose_name_plural = _("sezioni di servizio")
        constraints = [
            models.UniqueConstraint(fields=["case", "service"], name="cases_section_once")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.service_id}"

    @property
    def values(self) -> dict[str, Any]:
        return json.loads(self.answers) if self.answers else {}


class SessionMode(models.TextChoices):
    PHONE = "phone", _("al telefono")
    VIDEO = "video", _("in videochiamata")


MAX_SESSION_MINUTES = 240


class Session(models.Model):
    """A colloquio held with the person, by phone or video."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("svolto il"))
    mode = models.CharField(_("modalità"), max_length=10, choices=SessionMode.choices)
    duration_minutes = models.PositiveSmallIntegerField(
        _("durata (minuti)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSION_MINUTES)],
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="case_sessions",
        blank=True,
        verbose_name=_("professionisti presenti"),
    )
    other_participants = EncryptedTextField(_("altri partecipanti"), blank=True)
    notes = EncryptedTextField(_("note"), blank=True)
    next_steps = EncryptedTextField(_("prossimi passi"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recorded_sessions"
    )
    recorded_at = models.DateTimeField(_("registrato il"))

    class Meta:
        ordering = ["-held_at", "-pk"]
        indexes = [models.Index(fields=["recorded_at"], name="cases_session_recorded_idx")]
        verbose_name = _("colloquio")
        verbose_name_plural = _("colloqui")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=MAX_SESSION_MINUTES),
                name="cases_session_duration_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_at:%Y-%m-%d %H:%M}"


class ConsentHow(models.TextChoices):
    VERBAL_PHONE = "verbal_phone", _("a voce, al telefono")
    VERBAL_VIDEO = "verbal_video", _("a voce, in videochiamata")
    WRITTEN = "written", _("per iscritto")


class Consent(models.Model):
    """Informed consent: how and when it was given, to whom, and on which text."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    given_how = models.CharField(_("come"), max_length=20, choices=ConsentHow.choices)
    given_at = models.DateTimeField(_("dato il"))
    given_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raccolto da"),
    )
    text_version = models.CharField(_("versione del testo"), max_length=40)
    withdrawn_at = models.DateTimeField(_("revocato il"), null=True, blank=True)
    withdrawal_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoca registrata da"),
    )

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name = _("consenso informato")
        verbose_name_plural = _("consensi informati")

    def __str__(self) -> str:
        return f"{self.case_id} {self.text_version}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


class BreakGlassGrant(models.Model):
    """An exceptional, time-limited access to a case by someone not assigned to it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass_grants")
    reason = EncryptedTextField(_("motivo"))
    at = models.DateTimeField(_("concesso il"))
    expires_at = models.DateTimeField(_("scade il"))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("accesso eccezionale")
        verbose_name_plural = _("accessi eccezionali")
        indexes = [models.Index(fields=["user", "case", "expires_at"], name="cases_grant_lookup")]

    def __str__(self) -> str:
        return f"{self.user_id}→{self.case_id} {self.at:%Y-%m-%d %H:%M}"


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposto")
    SENT = "sent", _("inviato")
    ACCEPTED = "accepted", _("accettato")
    REFUSED = "refused", _("rifiutato")
    FIRST_APPOINTMENT = "first_appointment", _("primo appuntamento svolto")
    CLOSED = "closed", _("chiuso")


# Still waiting on someone: these are followed up and listed for the coordinators.
OPEN_REFERRAL_STATUSES = (
    ReferralStatus.PROPOSED,
    ReferralStatus.SENT,
    ReferralStatus.ACCEPTED,
)


class ReferralUrgency(models.TextChoices):
    ROUTINE = "routine", _("ordinaria")
    SOON = "soon", _("entro pochi giorni")
    URGENT = "urgent", _("urgente")


class SharedItem(models.TextChoices):
    """What the person agreed the receiving service may be told (consent per referral)."""

    IDENTITY = "identity", _("nome, cognome e anno di nascita")
    CONTACT = "contact", _("telefono ed email")
    REASON = "reason", _("motivo dell'invio")
    RISK = "risk", _("ultima valutazione del rischio")
    SUMMARY = "summary", _("sintesi del percorso scritta per il servizio")


class SentHow(models.TextChoices):
    EMAIL = "email", _("email")
    PEC = "pec", _("PEC")
    HANDED = "handed", _("consegnata alla persona")


class Referral(models.Model):
    """A person referred to a territorial service (or, internally, to another of the
    department's services) and followed until taken in: proposed → sent → accepted or refused →
    first appointment held → closed."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("presa in carico")
    )
    to_service = models.ForeignKey(
        "directory.Service",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("servizio"),
    )
    reason = EncryptedTextField(_("motivo dell'invio"))
    summary = EncryptedTextField(_("sintesi per il servizio"), blank=True)
    urgency = models.CharField(
        _("urgenza"),
        max_length=10,
        choices=ReferralUrgency.choices,
        default=ReferralUrgency.ROUTINE,
    )
    # SharedItem values the person agreed to, when they agreed.
    shared = models.JSONField(_("informazioni da condividere"), default=list, blank=True)
    # The letter's body as it stood when the person agreed (JSON of [heading, text] pairs):
    # details added to the record later are not shared by this consent.
    letter_body = EncryptedTextField(_("testo della lettera"), blank=True)
    consent_at = models.DateTimeField(_("consenso della persona il"))
    status = models.CharField(
        _("stato"),
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.PROPOSED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("proposto il"))
    sent_at = models.DateTimeField(_("inviato il"), null=True, blank=True)
    sent_how = models.CharField(
        _("inviato con"), max_length=10, choices=SentHow.choices, blank=True
    )
    sent_to = models.CharField(_("inviato a"), max_length=254, blank=True)
    answered_at = models.DateTimeField(_("risposta il"), null=True, blank=True)
    refusal_reason = EncryptedTextField(_("motivo del rifiuto"), blank=True)
    first_appointment_at = models.DateTimeField(_("primo appuntamento il"), null=True, blank=True)
    closed_at = models.DateTimeField(_("chiuso il"), null=True, blank=True)
    close_note = EncryptedTextField(_("nota di chiusura"), blank=True)
    # When an unanswered referral is due a reminder (working time after sending), and when the
    # professional was reminded.
    follow_up_due_at = models.DateTimeField(_("sollecito previsto il"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("sollecitato il"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invio")
        verbose_name_plural = _("invii")
        indexes = [
            models.Index(fields=["status", "follow_up_due_at"]),
            # The statistics read referrals by the day they were proposed.
            models.Index(fields=["created_at"], name="cases_referral_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}→{self.to_service_id} {self.status}"
