"""The directory of territorial services, modelled on Open Referral's Human Services Data
Specification (HSDS 3.0): organization, service, location, service_at_location, phone, schedule,
service_area and taxonomy_term, with HSDS's identifiers (UUIDs) so that a data package can be
exported and imported again without losing who is who.

Our own additions, which HSDS leaves to extensions: the Milan ``municipio`` of a location and a
service area, a PEC address for certified e-mail, ``free_of_charge``, the languages a service is
offered in, whether an entry is sample data, and who last verified it and when."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Language
from sportello.services.models import Service as DeskService

MUNICIPI = 9


def municipio_field(label: str = "municipio") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        _(label),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MUNICIPI)],
    )


class Verified(models.Model):
    """Who last checked an entry against reality, and when: stale entries are listed for review."""

    verified_at = models.DateTimeField(_("verificato il"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verificato da"),
    )
    # Demo and seed data must be checked before anyone refers a person to it.
    is_sample = models.BooleanField(_("dato di esempio da verificare"), default=False)

    class Meta:
        abstract = True


class TaxonomyTerm(models.Model):
    """A need the desk refers for (mental health, violence against women…): data, not code."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("codice"), max_length=60, unique=True)
    name_it = models.CharField(_("nome (italiano)"), max_length=120)
    name_en = models.CharField(_("nome (inglese)"), max_length=120, blank=True)
    description = models.TextField(_("descrizione"), blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    taxonomy = models.CharField(_("tassonomia"), max_length=60, default="sportello-needs")

    class Meta:
        ordering = ["name_it"]
        verbose_name = _("bisogno (voce della tassonomia)")
        verbose_name_plural = _("bisogni (tassonomia)")

    def __str__(self) -> str:
        return self.name_it


class Organization(Verified):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("nome"), max_length=200)
    alternate_name = models.CharField(_("altro nome"), max_length=200, blank=True)
    description = models.TextField(_("descrizione"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("sito web"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ente")
        verbose_name_plural = _("enti")

    def __str__(self) -> str:
        return self.name


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("attivo")
    INACTIVE = "inactive", _("non attivo")
    DEFUNCT = "defunct", _("cessato")
    TEMPORARILY_CLOSED = "temporarily closed", _("temporaneamente chiuso")


class Service(Verified):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="services", verbose_name=_("ente")
    )
    name = models.CharField(_("nome"), max_length=200)
    alternate_name = models.CharField(_("altro nome"), max_length=200, blank=True)
    description = models.TextField(_("descrizione"), blank=True)
    url = models.URLField(_("sito web"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    # Certified e-mail (PEC): referrals go there when the service has one.
    pec_email = models.EmailField(_("PEC"), blank=True)
    status = models.CharField(
        _("stato"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    eligibility_description = models.TextField(_("a chi si rivolge"), blank=True)
    application_process = models.TextField(_("come accedere"), blank=True)
    free_of_charge = models.BooleanField(_("gratuito"), default=True)
    # Emergency lines and shelters keep their hours on public holidays too.
    open_on_holidays = models.BooleanField(_("aperto anche nei giorni festivi"), default=False)
    fees_description = models.TextField(_("costi"), blank=True)
    languages = models.ManyToManyField(
        Language, blank=True, related_name="+", verbose_name=_("lingue")
    )
    taxonomy_terms = models.ManyToManyField(
        TaxonomyTerm, blank=True, related_name="services", verbose_name=_("bisogni")
    )
    # One of the department's own four services, when this entry is one of them: a referral
    # there is an internal transfer.
    desk_service = models.OneToOneField(
        DeskService,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="directory_entry",
        verbose_name=_("servizio del dipartimento"),
    )
    last_modified = models.DateTimeField(_("modificato il"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("servizio territoriale")
        verbose_name_plural = _("servizi territoriali")

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations", verbose_name=_("ente")
    )
    name = models.CharField(_("nome"), max_length=200, blank=True)
    address_1 = models.CharField(_("indirizzo"), max_length=200, blank=True)
    city = models.CharField(_("comune"), max_length=100, blank=True)
    postal_code = models.CharField(_("CAP"), max_length=10, blank=True)
    region = models.CharField(_("regione"), max_length=100, blank=True)
    country = models.CharField(_("paese"), max_length=2, default="IT")
    latitude = models.DecimalField(
        _("latitudine"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitudine"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    municipio = municipio_field()

    class Meta:
        ordering = ["name", "address_1"]
        verbose_name = _("sede")
        verbose_name_plural = _("sedi")

    def __str__(self) -> str:
        return self.name or self.address_1


class ServiceAtLocation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="services_here")
    description = models.TextField(_("descrizione"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="service_at_location_once")
        ]

    def __str__(self) -> str:
        return f"{self.service} @ {self.location}"


class Phone(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    number = models.CharField(_("numero"), max_length=30)
    description = models.CharField(_("descrizione"), max_length=200, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service__isnull=False)
                | models.Q(organization__isnull=False)
                | models.Q(location__isnull=False),
                name="phone_belongs_somewhere",
            )
        ]

    def __str__(self) -> str:
        return self.number


class Schedule(models.Model):
    """Weekly opening hours, HSDS-style (one row per set of days with the same hours)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="schedules"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="schedules",
    )
    freq = models.CharField(max_length=10, default="WEEKLY")
    # iCalendar BYDAY: "MO,TU,WE".
    byday = models.CharField(_("giorni"), max_length=30)
    opens_at = models.TimeField(_("apre alle"))
    closes_at = models.TimeField(_("chiude alle"))
    valid_from = models.DateField(_("valido dal"), null=True, blank=True)
    valid_to = models.DateField(_("valido fino al"), null=True, blank=True)
    description = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")), name="schedule_in_order"
            ),
            models.CheckConstraint(
                condition=models.Q(service__isnull=False)
                | models.Q(service_at_location__isnull=False),
                name="schedule_belongs_somewhere",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.byday} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"


class ServiceArea(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    name = models.CharField(_("nome"), max_length=200)
    description = models.TextField(_("descrizione"), blank=True)
    # Empty: the whole city.
    municipio = municipio_field()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
