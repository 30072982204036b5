"""The roster: shift kinds, contracts, preferences, absences, coverage, plans and their changes.

A plan is a fixed pattern of ``pattern_weeks`` weeks repeated from ``valid_from`` until the next
published plan; dated exceptions (absences, swaps, substitutes) are ``ShiftChange`` rows, so the
pattern itself stays what the team knows by heart."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sportello.bilingual import Localized
from sportello.field_encryption import EncryptedTextField
from sportello.services.models import Competence, Service, Weekday, code_validator

AFTERNOON_FROM = datetime.time(12, 0)


def validate_weekdays(value: object) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(not isinstance(day, int) or isinstance(day, bool) for day in value)
        or any(day not in range(7) for day in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(
            _("Indicare uno o più giorni della settimana diversi, da 0 (lunedì) a 6 (domenica).")
        )


class ShiftKind(models.Model):
    """A shift of the fixed pattern, e.g. morning 9:30–13:45 Monday to Saturday."""

    code = models.CharField(_("codice"), max_length=40, unique=True, validators=[code_validator])
    name_it = models.CharField(_("nome (italiano)"), max_length=80)
    name_en = models.CharField(_("nome (inglese)"), max_length=80, blank=True)
    starts = models.TimeField(_("inizio"))
    ends = models.TimeField(_("fine"))
    weekdays = models.JSONField(
        _("giorni della settimana"),
        validators=[validate_weekdays],
        help_text=_("Numeri da 0 (lunedì) a 6 (domenica), per esempio [0, 1, 2, 3, 4, 5]."),
    )
    position = models.PositiveSmallIntegerField(_("ordine"), default=0)
    is_active = models.BooleanField(_("in uso"), default=True)

    name = Localized()

    class Meta:
        ordering = ["position", "starts", "code"]
        verbose_name = _("turno")
        verbose_name_plural = _("turni")
        constraints = [
            models.CheckConstraint(condition=Q(starts__lt=models.F("ends")), name="shift_in_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.name_it} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self) -> None:
        if self.starts is not None and self.ends is not None and not self.starts < self.ends:
            raise ValidationError(_("Un turno deve iniziare prima di finire, nello stesso giorno."))

    @property
    def is_afternoon(self) -> bool:
        return self.starts >= AFTERNOON_FROM

    @property
    def minutes(self) -> int:
        return (self.ends.hour * 60 + self.ends.minute) - (
            self.starts.hour * 60 + self.starts.minute
        )


class Contract(models.Model):
    """What an operator's contract allows on the desk; no contract, no place in the roster."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rota_contract"
    )
    hours_per_week = models.DecimalField(
        _("ore settimanali"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(1), MaxValueValidator(48)],
    )
    weekdays_available = models.JSONField(
        _("giorni disponibili"),
        validators=[validate_weekdays],
        default=list,
        help_text=_("Numeri da 0 (lunedì) a 6 (domenica)."),
    )
    max_shifts_per_week = models.PositiveSmallIntegerField(
        _("turni massimi a settimana"), validators=[MinValueValidator(1), MaxValueValidator(14)]
    )
    min_shifts_per_week = models.PositiveSmallIntegerField(
        _("turni minimi a settimana"), default=0, validators=[MaxValueValidator(14)]
    )
    max_consecutive_days = models.PositiveSmallIntegerField(
        _("giorni consecutivi massimi"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
    )
    is_active = models.BooleanField(_("in turno"), default=True)
    # Bumped to give the operator a new calendar-feed address (the old one stops working).
    feed_rotation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("contratto")
        verbose_name_plural = _("contratti")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_shifts_per_week__lte=models.F("max_shifts_per_week")),
                name="contract_min_not_above_max",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.hours_per_week} h)"

    def clean(self) -> None:
        if (
            self.min_shifts_per_week is not None
            and self.max_shifts_per_week is not None
            and self.min_shifts_per_week > self.max_shifts_per_week
        ):
            raise ValidationError(
                {"min_shifts_per_week": _("I turni minimi superano i turni massimi.")}
            )


class ShiftPreference(models.Model):
    """A wish about one shift of the week, weighted: the solver honours it when it can."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shift_preferences"
    )
    weekday = models.PositiveSmallIntegerField(_("giorno"), choices=Weekday.choices)
    shift_kind = models.ForeignKey(
        ShiftKind, on_delete=models.CASCADE, related_name="preferences", verbose_name=_("turno")
    )
    wanted = models.BooleanField(
        _("desiderato"), help_text=_("Spuntato: lo vorrei; non spuntato: preferirei evitarlo.")
    )
    weight = models.PositiveSmallIntegerField(
        _("peso"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        ordering = ["user", "weekday", "shift_kind__starts"]
        verbose_name = _("preferenza di turno")
        verbose_name_plural = _("preferenze di turno")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "weekday", "shift_kind"], name="one_preference_per_shift"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_weekday_display()} {self.shift_kind.code}"


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("ferie o permesso")
    SICKNESS = "sickness", _("malattia")
    TRAINING = "training", _("formazione")
    OTHER = "other", _("altro")


class Absence(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("operatore"),
    )
    kind = models.CharField(_("tipo"), max_length=12, choices=AbsenceKind.choices)
    first_day = models.DateField(_("dal"))
    last_day = models.DateField(_("al (compreso)"))
    # Free text about an absence can reveal health details: kept encrypted like any note.
    note = EncryptedTextField(_("nota"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recorded_absences"
    )
    recorded_at = models.DateTimeField(_("registrata il"))
    cancelled_at = models.DateTimeField(_("annullata il"), null=True, blank=True)

    class Meta:
        ordering = ["first_day", "user"]
        verbose_name = _("assenza")
        verbose_name_plural = _("assenze")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=models.F("last_day")), name="absence_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.first_day}–{self.last_day}"

    def clean(self) -> None:
        if self.first_day and self.last_day and self.first_day > self.last_day:
            raise ValidationError({"last_day": _("L'assenza finisce prima di cominciare.")})

    def covers(self, day: datetime.date) -> bool:
        return self.cancelled_at is None and self.first_day <= day <= self.last_day


class RequirementSource(models.TextChoices):
    COORDINATOR = "coordinator", _("dal coordinatore")
    DEMAND = "demand", _("dalla domanda prevista")


class CoverageRequirement(models.Model):
    """At least ``minimum`` operators on a shift with a competence, for a service, or at all."""

    shift_kind = models.ForeignKey(
        ShiftKind, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("turno")
    )
    weekday = models.PositiveSmallIntegerField(_("giorno"), choices=Weekday.choices)
    competence = models.ForeignKey(
        Competence,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coverage_requirements",
        verbose_name=_("competenza"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coverage_requirements",
        verbose_name=_("servizio"),
    )
    minimum = models.PositiveSmallIntegerField(
        _("minimo"), validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    source = models.CharField(
        _("origine"),
        max_length=12,
        choices=RequirementSource.choices,
        default=RequirementSource.COORDINATOR,
    )

    class Meta:
        ordering = ["weekday", "shift_kind__starts", "competence__name_it", "service__position"]
        verbose_name = _("copertura richiesta")
        verbose_name_plural = _("coperture richieste")
        constraints = [
            models.CheckConstraint(
                condition=Q(competence__isnull=True) | Q(service__isnull=True),
                name="requirement_of_one_kind",
            ),
            models.UniqueConstraint(
                fields=["shift_kind", "weekday", "competence"],
                condition=Q(competence__isnull=False),
                name="one_requirement_per_competence",
            ),
            models.UniqueConstraint(
                fields=["shift_kind", "weekday", "service"],
                condition=Q(service__isnull=False),
                name="one_requirement_per_service",
            ),
            models.UniqueConstraint(
                fields=["shift_kind", "weekday"],
                condition=Q(competence__isnull=True, service__isnull=True),
                name="one_head_count_per_shift",
            ),
        ]

    def __str__(self) -> str:
        what = self.competence or self.service or _("operatori")
        return f"{self.get_weekday_display()} {self.shift_kind.code}: {self.minimum} {what}"

    def clean(self) -> None:
        if self.competence_id and self.service_id:
            raise ValidationError(
                _("Una copertura riguarda una competenza oppure un servizio, non entrambi.")
            )


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("proposta")
    PUBLISHED = "published", _("pubblicato")
    SUPERSEDED = "superseded", _("sostituito")
    DISCARDED = "discarded", _("scartata")


class RosterPlan(models.Model):
    status = models.CharField(
        _("stato"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    pattern_weeks = models.PositiveSmallIntegerField(
        _("settimane dello schema"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("Lo schema fisso si ripete ogni tante settimane."),
    )
    valid_from = models.DateField(_("in vigore dal"), null=True, blank=True)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("piano di partenza"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_roster_plans"
    )
    created_at = models.DateTimeField(_("creato il"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_roster_plans",
    )
    published_at = models.DateTimeField(_("pubblicato il"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("piano turni")
        verbose_name_plural = _("piani turni")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["published", "superseded"])
                | Q(valid_from__isnull=False, published_at__isnull=False),
                name="published_plan_has_a_start",
            ),
            models.UniqueConstraint(
                fields=["valid_from"],
                condition=Q(status="published"),
                name="one_published_plan_per_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} #{self.pk}"


class AssignmentSource(models.TextChoices):
    SOLVER = "solver", _("proposto dal calcolo")
    MANUAL = "manual", _("modificato a mano")


class PatternAssignment(models.Model):
    """One operator on one shift of the pattern: week ``week`` (0-based) of the cycle."""

    plan = models.ForeignKey(RosterPlan, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pattern_assignments"
    )
    week = models.PositiveSmallIntegerField(_("settimana"), default=0)
    weekday = models.PositiveSmallIntegerField(_("giorno"), choices=Weekday.choices)
    shift_kind = models.ForeignKey(ShiftKind, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(
        max_length=8, choices=AssignmentSource.choices, default=AssignmentSource.SOLVER
    )

    class Meta:
        ordering = ["week", "weekday", "shift_kind__starts", "user__last_name", "user__username"]
        constraints = [
            # At most one shift a day, enforced where a hand edit could slip past the checks.
            models.UniqueConstraint(
                fields=["plan", "user", "week", "weekday"], name="one_pattern_shift_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} w{self.week} {self.weekday} {self.shift_kind.code}"


class SolveKind(models.TextChoices):
    PATTERN = "pattern", _("schema settimanale")
    COVER = "cover", _("sostituzioni")


class SolveState(models.TextChoices):
    QUEUED = "queued", _("in coda")
    RUNNING = "running", _("in calcolo")
    DONE = "done", _("concluso")
    FAILED = "failed", _("non riuscito")


class CoverDecision(models.TextChoices):
    APPLY = "apply", _("applicate")
    REJECT = "reject", _("scartate")


class SolverRun(models.Model):
    """One run of the solver, as a Celery task: its progress and everything it reported."""

    kind = models.CharField(max_length=8, choices=SolveKind.choices)
    plan = models.ForeignKey(RosterPlan, on_delete=models.CASCADE, related_name="runs")
    first_day = models.DateField(null=True, blank=True)  # a cover run's dated horizon
    last_day = models.DateField(null=True, blank=True)
    time_limit_s = models.PositiveIntegerField(
        _("tempo massimo (secondi)"), validators=[MinValueValidator(1), MaxValueValidator(3600)]
    )
    state = models.CharField(max_length=8, choices=SolveState.choices, default=SolveState.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The solver's own words: "optimal", "feasible", "infeasible", "unknown", "invalid".
    outcome = models.CharField(max_length=12, blank=True)
    objective = models.BigIntegerField(null=True, blank=True)
    best_bound = models.BigIntegerField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    seconds_to_first = models.FloatField(null=True, blank=True)
    progress = models.JSONField(default=list, blank=True)  # [{seconds, objective, bound}]
    penalties = models.JSONField(default=list, blank=True)
    shortfalls = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    # A cover run's proposals are applied or rejected once; afterwards its changes are history.
    decision = models.CharField(max_length=8, choices=CoverDecision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.state}"


class ChangeReason(models.TextChoices):
    ABSENCE = "absence", _("assenza")
    SUBSTITUTE = "substitute", _("sostituzione")
    SWAP = "swap", _("cambio turno")
    MANUAL = "manual", _("modifica del coordinatore")


class ShiftChange(models.Model):
    """A dated exception to the published pattern: someone off, or someone on, one shift."""

    day = models.DateField(_("giorno"))
    shift_kind = models.ForeignKey(ShiftKind, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shift_changes"
    )
    on_shift = models.BooleanField(_("in turno"))  # False: taken off the pattern's shift
    reason = models.CharField(_("motivo"), max_length=12, choices=ChangeReason.choices)
    absence = models.ForeignKey(
        Absence, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    swap = models.ForeignKey(
        "SwapRequest", on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    run = models.ForeignKey(
        SolverRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    # Substitutes the solver proposed wait for the coordinator; only applied changes count.
    applied = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "shift_kind__starts", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "shift_kind", "user"],
                condition=Q(applied=True),
                name="one_applied_change_per_shift",
            )
        ]

    def __str__(self) -> str:
        sign = "+" if self.on_shift else "-"
        return f"{self.day} {self.shift_kind.code} {sign}{self.user}"


class SwapStatus(models.TextChoices):
    ASKED = "asked", _("in attesa del collega")
    AGREED = "agreed", _("in attesa del coordinatore")
    APPROVED = "approved", _("approvato")
    DECLINED = "declined", _("rifiutato dal collega")
    REFUSED = "refused", _("non approvato")
    WITHDRAWN = "withdrawn", _("ritirato")


class SwapRequest(models.Model):
    """An operator offers a shift to a colleague, in exchange for one of theirs or not."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="swaps_asked"
    )
    day = models.DateField(_("giorno del turno"))
    shift_kind = models.ForeignKey(
        ShiftKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("turno")
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="swaps_offered",
        verbose_name=_("collega"),
    )
    # Empty: the colleague simply takes the shift; otherwise the requester takes this one back.
    return_day = models.DateField(_("giorno del turno in cambio"), null=True, blank=True)
    return_shift_kind = models.ForeignKey(
        ShiftKind,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("turno in cambio"),
    )
    note = models.CharField(_("nota"), max_length=300, blank=True)
    status = models.CharField(
        _("stato"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.ASKED
    )
    asked_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(_("motivo"), blank=True)

    class Meta:
        ordering = ["-asked_at", "-pk"]
        verbose_name = _("cambio turno")
        verbose_name_plural = _("cambi turno")
        constraints = [
            models.CheckConstraint(
                condition=Q(return_day__isnull=True, return_shift_kind__isnull=True)
                | Q(return_day__isnull=False, return_shift_kind__isnull=False),
                name="swap_return_complete",
            ),
            models.CheckConstraint(
                condition=~Q(requester=models.F("colleague")), name="swap_with_someone_else"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.colleague} {self.day} {self.shift_kind.code}"
