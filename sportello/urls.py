from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Sportello · amministrazione")
admin.site.site_title = _("Sportello")
admin.site.index_title = _("Catalogo, calendario e personale")

urlpatterns = [
    path("api/", include("sportello.api.urls")),
    path("admin/", admin.site.urls),
]
# Italian at "/", English at "/en/": the language is in the address, so no cookie is needed.
urlpatterns += i18n_patterns(
    path("", include("sportello.public.urls")),
    path("", include("sportello.intake.citizen_urls")),
    path("", include("sportello.appointments.citizen_urls")),
    path("", include("sportello.accounts.urls")),
    path("personale/", include("sportello.intake.urls")),
    path("personale/privacy/", include("sportello.privacy.urls")),
    path("personale/casi/", include("sportello.cases.urls")),
    path("personale/avvisi/", include("sportello.alerts.urls")),
    path("personale/", include("sportello.triage.urls")),
    path("personale/turni/", include("sportello.rota.urls")),
    path("personale/appuntamenti/", include("sportello.appointments.urls")),
    path("personale/rete/gestione/", include("sportello.directory.maintenance_urls")),
    path("personale/rete/dati/", include("sportello.directory.hsds_urls")),
    path("personale/rete/", include("sportello.directory.urls")),
    path("personale/statistiche/", include("sportello.reports.urls")),
    path("dati-aperti/", include("sportello.reports.open_data_urls")),
    prefix_default_language=False,
)
