from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "sportello.services"
    label = "services"
    verbose_name = _("Catalogo dei servizi e calendario")
