"""The statistics' rollups and the open-data releases.

Rollups hold counts only: a day, a service, a programme, what is counted (the measure) and the
category it falls in. Nobody's identity, note or free text is ever stored here, so management can
read these tables without reaching the clinical record."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyFigure(models.Model):
    """How many of something happened on one day, for one service and programme.

    ``measure`` names what is counted ("contacts", "contacts_by_channel", "wait_minutes"…) and
    ``category`` the bucket inside it ("phone", "0-5"…; blank for a plain total). A day's rows are
    replaced as a whole when the day is refreshed."""

    day = models.DateField(_("giorno"))
    service = models.ForeignKey(
        "services.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("servizio")
    )
    programme = models.ForeignKey(
        "services.EmergencyProgramme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programma di emergenza"),
    )
    measure = models.CharField(_("misura"), max_length=40)
    category = models.CharField(_("categoria"), max_length=60, blank=True)
    count = models.PositiveBigIntegerField(_("conteggio"))

    class Meta:
        verbose_name = _("dato giornaliero")
        verbose_name_plural = _("dati giornalieri")
        indexes = [
            models.Index(fields=["measure", "day"], name="reports_figure_measure_day"),
            models.Index(fields=["day"], name="reports_figure_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.category}: {self.count}"


class RollupState(models.Model):
    """Where the incremental refresh got to: changes after ``refreshed_through`` are not yet in
    the rollups. One row; the refresh locks it, so two refreshes never interleave."""

    name = models.CharField(max_length=40, primary_key=True, default="daily")
    refreshed_through = models.DateTimeField(_("aggiornato fino a"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("ultimo aggiornamento"), null=True, blank=True)
    last_run_days = models.PositiveIntegerField(_("giorni ricalcolati"), default=0)

    class Meta:
        verbose_name = _("stato dei riepiloghi")
        verbose_name_plural = _("stato dei riepiloghi")

    def __str__(self) -> str:
        return f"{self.name}: {self.refreshed_through}"


class OpenDataRelease(models.Model):
    """One month's open-data file as it was published: once out, it does not change, so the
    stable URL always serves the same bytes (a correction is a new release of the same month)."""

    month = models.DateField(_("mese"))  # the first day of the month
    version = models.PositiveSmallIntegerField(_("versione"), default=1)
    published_at = models.DateTimeField(_("pubblicato il"))
    csv = models.TextField(_("contenuto CSV"))
    sha256 = models.CharField(_("impronta SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("righe"))
    threshold = models.PositiveSmallIntegerField(_("soglia di riservatezza"))

    class Meta:
        verbose_name = _("rilascio di dati aperti")
        verbose_name_plural = _("rilasci di dati aperti")
        ordering = ["-month", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "version"], name="reports_release_month_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} v{self.version}"
