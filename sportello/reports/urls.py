from django.urls import path

from sportello.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("aggiorna/", views.refresh, name="refresh"),
    path("esporta/<slug:key>.csv", views.export_csv, name="export-csv"),
    path("esporta/<slug:key>.xlsx", views.export_xlsx, name="export-xlsx"),
]
