from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RotaConfig(AppConfig):
    name = "sportello.rota"
    verbose_name = _("Piano turni")
