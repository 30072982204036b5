from django.urls import path

from sportello.privacy import processing_views, views

app_name = "privacy"

urlpatterns = [
    path("", views.home, name="home"),
    path("registro-accessi/", views.access_log, name="access-log"),
    path("registro-accessi/verifica/", views.verify_chains, name="access-log-verify"),
    path("registro-accessi/esporta.csv", views.access_log_csv, name="access-log-export"),
    path("trattamenti/", processing_views.processing_list, name="processing-list"),
    path("trattamenti/<int:pk>/", processing_views.processing_edit, name="processing-edit"),
    path("trattamenti/registro.csv", processing_views.processing_csv, name="processing-csv"),
    path("trattamenti/registro.pdf", processing_views.processing_pdf, name="processing-pdf"),
]

# Data-subject requests (the DPO only).
from sportello.privacy import subject_request_views as dsr_views  # noqa: E402

urlpatterns += [
    path("richieste/", dsr_views.requests, name="requests"),
    path("richieste/nuova/", dsr_views.register, name="request-new"),
    path("richieste/<int:pk>/", dsr_views.detail, name="request"),
    path("richieste/<int:pk>/persona/", dsr_views.link_person, name="request-link-person"),
    path("richieste/<int:pk>/proroga/", dsr_views.extend, name="request-extend"),
    path("richieste/<int:pk>/rettifica/", dsr_views.rectify, name="request-rectify"),
    path("richieste/<int:pk>/limitazione/", dsr_views.restrict, name="request-restrict"),
    path(
        "richieste/<int:pk>/limitazione/revoca/",
        dsr_views.lift_restriction,
        name="request-lift-restriction",
    ),
    path("richieste/<int:pk>/cancellazione/", dsr_views.erase, name="request-erase"),
    path("richieste/<int:pk>/chiusura/", dsr_views.close, name="request-close"),
    path("richieste/<int:pk>/vincoli/", dsr_views.place_hold, name="request-hold"),
    path(
        "richieste/<int:pk>/vincoli/<int:hold_pk>/revoca/",
        dsr_views.lift_hold,
        name="request-hold-lift",
    ),
    path(
        "richieste/<int:pk>/esportazione.<str:fmt>",
        dsr_views.export,
        name="request-export",
    ),
]

# Retention (the DPO only).
from sportello.privacy import retention_views  # noqa: E402

urlpatterns += [
    path("conservazione/", retention_views.retention_home, name="retention"),
    path("conservazione/regole/<int:pk>/", retention_views.retention_rule, name="retention-rule"),
    path("conservazione/prova/", retention_views.retention_dry_run, name="retention-dry-run"),
    path(
        "conservazione/regole-predefinite/",
        retention_views.retention_default_rules,
        name="retention-default-rules",
    ),
    path("conservazione/esecuzioni/<int:pk>/", retention_views.retention_run, name="retention-run"),
    path(
        "conservazione/esecuzioni/<int:pk>/esegui/",
        retention_views.retention_apply,
        name="retention-apply",
    ),
]
