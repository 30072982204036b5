"""Staff: a custom user, the roles as groups, and a professional's profile (all lists are data)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from sportello.accounts.roles import Role
from sportello.bilingual import Localized
from sportello.services.models import Competence, Service, code_validator


class User(AbstractUser):
    @cached_property
    def role_names(self) -> frozenset[str]:
        """The user's groups, read once per instance: every policy check of a request asks."""
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, role: Role) -> bool:
        return self.is_active and role.value in self.role_names

    @property
    def roles(self) -> list[Role]:
        return [role for role in Role if role.value in self.role_names]

    @property
    def display_name(self) -> str:
        """How colleagues see a staff member named: the full name, else the username."""
        return self.get_full_name() or self.get_username()


class Profession(models.Model):
    code = models.CharField(_("codice"), max_length=40, unique=True, validators=[code_validator])
    name_it = models.CharField(_("nome (italiano)"), max_length=120)
    name_en = models.CharField(_("nome (inglese)"), max_length=120, blank=True)

    name = Localized()

    class Meta:
        ordering = ["name_it"]
        verbose_name = _("professione")
        verbose_name_plural = _("professioni")

    def __str__(self) -> str:
        return self.name_it


class Language(models.Model):
    code = models.CharField(
        _("codice ISO 639-1"), max_length=8, unique=True, validators=[code_validator]
    )
    name_it = models.CharField(_("nome (italiano)"), max_length=80)
    name_en = models.CharField(_("nome (inglese)"), max_length=80, blank=True)

    name = Localized()

    class Meta:
        ordering = ["name_it"]
        verbose_name = _("lingua")
        verbose_name_plural = _("lingue")

    def __str__(self) -> str:
        return self.name_it


class ProfessionalProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="professional_profile")
    profession = models.ForeignKey(
        Profession, on_delete=models.PROTECT, related_name="profiles", verbose_name=_("professione")
    )
    competences = models.ManyToManyField(
        Competence, related_name="professionals", blank=True, verbose_name=_("competenze")
    )
    services = models.ManyToManyField(
        Service, related_name="professionals", blank=True, verbose_name=_("servizi")
    )
    languages = models.ManyToManyField(
        Language, related_name="professionals", blank=True, verbose_name=_("lingue parlate")
    )

    class Meta:
        verbose_name = _("profilo professionale")
        verbose_name_plural = _("profili professionali")

    def __str__(self) -> str:
        return f"{self.user.display_name} ({self.profession})"
