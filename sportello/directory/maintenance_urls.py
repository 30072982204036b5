"""The coordinator's maintenance pages of the directory, under /personale/rete/gestione/."""

from django.urls import path

from sportello.directory import maintenance_views as views

app_name = "directory_admin"

urlpatterns = [
    path("", views.directory_list, name="list"),
    path("servizi/nuovo/", views.service_create, name="service-create"),
    path("servizi/<uuid:pk>/", views.service_edit, name="service"),
    path("servizi/<uuid:pk>/verificato/", views.service_verify, name="service-verify"),
    path("servizi/<uuid:pk>/non-attivo/", views.service_deactivate, name="service-deactivate"),
    path("enti/nuovo/", views.organization_create, name="organization-create"),
    path("enti/<uuid:pk>/", views.organization_edit, name="organization"),
    path("enti/<uuid:pk>/verificato/", views.organization_verify, name="organization-verify"),
]
