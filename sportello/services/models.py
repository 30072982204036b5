"""The catalogue: who runs the desk, its services, target groups, programmes and hours.

All of it is data editable by the coordinator: the next emergency is a new row, not a release.
"""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.bilingual import Localized

code_validator = RegexValidator(
    r"^[a-z][a-z0-9_-]*$", _("Usa solo lettere minuscole, cifre, trattini e trattini bassi.")
)
phone_number_validator = RegexValidator(
    r"^\+?[0-9 ]{3,20}$", _("Inserisci un numero di telefono (solo cifre, spazi e + iniziale).")
)


class Organisation(models.Model):
    """The body running the desk; the calendar reads its holidays and patron day from here."""

    name_it = models.CharField(_("nome (italiano)"), max_length=200)
    name_en = models.CharField(_("nome (inglese)"), max_length=200, blank=True)
    department_it = models.CharField(_("settore (italiano)"), max_length=200, blank=True)
    department_en = models.CharField(_("settore (inglese)"), max_length=200, blank=True)
    switchboard_number = models.CharField(
        _("numero del centralino"), max_length=20, validators=[phone_number_validator]
    )
    email = models.EmailField(_("email di contatto"), blank=True)
    address = models.CharField(_("indirizzo"), max_length=300, blank=True)
    website = models.URLField(_("sito istituzionale"), blank=True)
    timezone = models.CharField(_("fuso orario"), max_length=64, default="Europe/Rome")
    holiday_country = models.CharField(
        _("paese per le festività"),
        max_length=2,
        default="IT",
        help_text=_("Codice ISO 3166-1 del paese (IT)."),
    )
    holiday_subdivision = models.CharField(
        _("provincia per le festività"),
        max_length=10,
        blank=True,
        help_text=_("Sigla della provincia (MI per Milano): aggiunge le feste locali note."),
    )
    patron_saint_it = models.CharField(_("santo patrono (italiano)"), max_length=100, blank=True)
    patron_saint_en = models.CharField(_("santo patrono (inglese)"), max_length=100, blank=True)
    patron_day_month = models.PositiveSmallIntegerField(
        _("mese del patrono"), null=True, blank=True
    )
    patron_day_day = models.PositiveSmallIntegerField(
        _("giorno del patrono"), null=True, blank=True
    )

    name = Localized()
    department = Localized()
    patron_saint = Localized()

    class Meta:
        verbose_name = _("ente")
        verbose_name_plural = _("enti")

    def __str__(self) -> str:
        return self.name_it

    def clean(self) -> None:
        month, day = self.patron_day_month, self.patron_day_day
        if (month is None) != (day is None):
            raise ValidationError(
                _("Indica sia il mese sia il giorno del patrono, o nessuno dei due.")
            )
        if month is not None and day is not None:
            try:
                datetime.date(2024, month, day)  # a leap year, so 29 February is allowed
            except ValueError:
                raise ValidationError(_("La data del patrono non esiste.")) from None
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"timezone": _("Fuso orario sconosciuto.")}) from None


class EmergencyNumber(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="emergency_numbers"
    )
    number = models.CharField(_("numero"), max_length=20, validators=[phone_number_validator])
    label_it = models.CharField(_("descrizione (italiano)"), max_length=200)
    label_en = models.CharField(_("descrizione (inglese)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("ordine"), default=0)

    label = Localized()

    class Meta:
        ordering = ["position", "number"]
        verbose_name = _("numero di emergenza")
        verbose_name_plural = _("numeri di emergenza")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="emergency_number_once_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.label_it}"


class Competence(models.Model):
    """What a professional can do; a shift must cover those its services require."""

    code = models.CharField(_("codice"), max_length=40, unique=True, validators=[code_validator])
    name_it = models.CharField(_("nome (italiano)"), max_length=120)
    name_en = models.CharField(_("nome (inglese)"), max_length=120, blank=True)

    name = Localized()

    class Meta:
        ordering = ["name_it"]
        verbose_name = _("competenza")
        verbose_name_plural = _("competenze")

    def __str__(self) -> str:
        return self.name_it


class Service(models.Model):
    code = models.CharField(_("codice"), max_length=40, unique=True, validators=[code_validator])
    name_it = models.CharField(_("nome (italiano)"), max_length=200)
    name_en = models.CharField(_("nome (inglese)"), max_length=200, blank=True)
    summary_it = models.CharField(_("in breve (italiano)"), max_length=300)
    summary_en = models.CharField(_("in breve (inglese)"), max_length=300, blank=True)
    description_it = models.TextField(_("descrizione (italiano)"))
    description_en = models.TextField(_("descrizione (inglese)"), blank=True)
    required_competences = models.ManyToManyField(
        Competence, related_name="services", blank=True, verbose_name=_("competenze richieste")
    )
    by_phone = models.BooleanField(_("al telefono"), default=True)
    by_video = models.BooleanField(_("in videochiamata"), default=True)
    is_active = models.BooleanField(_("attivo"), default=True)
    position = models.PositiveSmallIntegerField(_("ordine"), default=0)

    name = Localized()
    summary = Localized()
    description = Localized()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("servizio")
        verbose_name_plural = _("servizi")

    def __str__(self) -> str:
        return self.name_it

    def clean(self) -> None:
        if not (self.by_phone or self.by_video):
            raise ValidationError(
                _("Un servizio deve essere raggiungibile al telefono o in video.")
            )


class TargetGroup(models.Model):
    """Recorded on every emergency contact: who the desk is for."""

    code = models.CharField(_("codice"), max_length=40, unique=True, validators=[code_validator])
    name_it = models.CharField(_("nome (italiano)"), max_length=200)
    name_en = models.CharField(_("nome (inglese)"), max_length=200, blank=True)
    description_it = models.TextField(_("descrizione (italiano)"))
    description_en = models.TextField(_("descrizione (inglese)"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordine"), default=0)

    name = Localized()
    description = Localized()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("gruppo destinatario")
        verbose_name_plural = _("gruppi destinatari")

    def __str__(self) -> str:
        return self.name_it


class EmergencyProgrammeQuerySet(models.QuerySet["EmergencyProgramme"]):
    def running_on(self, day: datetime.date) -> "EmergencyProgrammeQuerySet":
        return self.filter(starts_on__lte=day).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
        )


class EmergencyProgramme(models.Model):
    """An emergency the desk answers (Covid-19 first): which services and groups it covers."""

    code = models.CharField(_("codice"), max_length=40, unique=True, validators=[code_validator])
    name_it = models.CharField(_("nome (italiano)"), max_length=200)
    name_en = models.CharField(_("nome (inglese)"), max_length=200, blank=True)
    description_it = models.TextField(_("descrizione (italiano)"), blank=True)
    description_en = models.TextField(_("descrizione (inglese)"), blank=True)
    starts_on = models.DateField(_("inizio"))
    ends_on = models.DateField(_("fine"), null=True, blank=True)
    services = models.ManyToManyField(Service, related_name="programmes", verbose_name=_("servizi"))
    target_groups = models.ManyToManyField(
        TargetGroup, related_name="programmes", verbose_name=_("gruppi destinatari")
    )

    name = Localized()
    description = Localized()

    objects = EmergencyProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "code"]
        verbose_name = _("programma di emergenza")
        verbose_name_plural = _("programmi di emergenza")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="programme_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.name_it

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("La fine non può precedere l'inizio.")})


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lunedì")
    TUESDAY = 1, _("martedì")
    WEDNESDAY = 2, _("mercoledì")
    THURSDAY = 3, _("giovedì")
    FRIDAY = 4, _("venerdì")
    SATURDAY = 5, _("sabato")
    SUNDAY = 6, _("domenica")


class WeeklyHours(models.Model):
    """One opening interval on a weekday; several rows make a split day."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("giorno"), choices=Weekday.choices)
    opens = models.TimeField(_("apre alle"))
    closes = models.TimeField(_("chiude alle"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("orario settimanale")
        verbose_name_plural = _("orari settimanali")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="weekly_hours_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None and self.closes <= self.opens:
            raise ValidationError(
                {"closes": _("L'orario di chiusura deve seguire quello di apertura.")}
            )


class CalendarException(models.Model):
    """A dated exception to the weekly hours: extra closure, extra opening, other hours."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("chiusura straordinaria")
        OPEN = "open", _("apertura straordinaria")
        HOURS = "hours", _("orario diverso")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="calendar_exceptions"
    )
    day = models.DateField(_("giorno"))
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    opens = models.TimeField(_("apre alle"), null=True, blank=True)
    closes = models.TimeField(_("chiude alle"), null=True, blank=True)
    reason_it = models.CharField(_("motivo (italiano)"), max_length=200, blank=True)
    reason_en = models.CharField(_("motivo (inglese)"), max_length=200, blank=True)

    reason = Localized()

    class Meta:
        ordering = ["day"]
        verbose_name = _("eccezione di calendario")
        verbose_name_plural = _("eccezioni di calendario")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "day"], name="one_exception_per_day"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="closed", opens__isnull=True, closes__isnull=True)
                    | (
                        ~models.Q(kind="closed")
                        & models.Q(
                            opens__isnull=False, closes__isnull=False, closes__gt=models.F("opens")
                        )
                    )
                ),
                name="exception_hours_match_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == self.Kind.CLOSED:
            if self.opens is not None or self.closes is not None:
                raise ValidationError(
                    _("Una chiusura non ha orari: lascia vuoti apertura e chiusura.")
                )
            return
        if self.opens is None or self.closes is None:
            raise ValidationError(_("Indica l'orario di apertura e di chiusura."))
        if self.closes <= self.opens:
            raise ValidationError(
                {"closes": _("L'orario di chiusura deve seguire quello di apertura.")}
            )
