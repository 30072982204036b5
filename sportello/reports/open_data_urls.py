from django.urls import path, re_path

from sportello.reports import open_data_views as views

app_name = "open_data"

# Stable addresses: YYYY-MM.csv follows the month's newest version, YYYY-MM-vN.csv never changes.
urlpatterns = [
    path("", views.releases_page, name="releases"),
    path("catalogo.jsonld", views.catalogue_jsonld, name="catalogue"),
    path("dizionario.csv", views.dictionary_csv, name="dictionary"),
    re_path(
        r"^(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])\.csv$", views.month_csv, name="month-csv"
    ),
    re_path(
        r"^(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])-v(?P<version>[1-9][0-9]{0,4})\.csv$",
        views.version_csv,
        name="version-csv",
    ),
]
