from django.urls import path

from sportello.directory import hsds_views

app_name = "directory_hsds"

urlpatterns = [
    path("", hsds_views.package_page, name="package"),
    path("scarica/", hsds_views.download, name="download"),
]
