"""Editable public content (privacy notice, accessibility statement, legal notes) and feedback."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.bilingual import Localized


class LegalPage(models.Model):
    class Slug(models.TextChoices):
        PRIVACY = "privacy", _("Informativa sulla privacy")
        ACCESSIBILITY = "accessibility", _("Dichiarazione di accessibilità")
        LEGAL_NOTES = "legal-notes", _("Note legali")

    slug = models.CharField(_("pagina"), max_length=40, unique=True, choices=Slug.choices)
    title_it = models.CharField(_("titolo (italiano)"), max_length=200)
    title_en = models.CharField(_("titolo (inglese)"), max_length=200, blank=True)
    intro_it = models.TextField(_("introduzione (italiano)"), blank=True)
    intro_en = models.TextField(_("introduzione (inglese)"), blank=True)
    updated_on = models.DateField(_("ultimo aggiornamento"))

    title = Localized()
    intro = Localized()

    class Meta:
        verbose_name = _("pagina informativa")
        verbose_name_plural = _("pagine informative")

    def __str__(self) -> str:
        return self.title_it


class LegalSection(models.Model):
    page = models.ForeignKey(LegalPage, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("ordine"), default=0)
    heading_it = models.CharField(_("titolo (italiano)"), max_length=200)
    heading_en = models.CharField(_("titolo (inglese)"), max_length=200, blank=True)
    body_it = models.TextField(_("testo (italiano)"))
    body_en = models.TextField(_("testo (inglese)"), blank=True)

    heading = Localized()
    body = Localized()

    class Meta:
        ordering = ["page", "position", "id"]
        verbose_name = _("sezione")
        verbose_name_plural = _("sezioni")

    def __str__(self) -> str:
        return self.heading_it


class PageFeedback(models.Model):
    """Anonymous answer to "how clear is this page?": no personal data is asked or kept."""

    page = models.CharField(_("pagina"), max_length=200)
    rating = models.PositiveSmallIntegerField(
        _("valutazione"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    reason = models.CharField(_("motivo"), max_length=40, blank=True)
    comment = models.TextField(_("commento"), max_length=200, blank=True)
    language = models.CharField(_("lingua"), max_length=8)
    created_at = models.DateTimeField(_("ricevuto il"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("valutazione della pagina")
        verbose_name_plural = _("valutazioni delle pagine")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.page} {self.rating}/5"
