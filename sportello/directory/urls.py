from django.urls import path

from sportello.directory import search_views

app_name = "directory"

urlpatterns = [
    path("", search_views.search, name="search"),
    path("servizi/<uuid:pk>/", search_views.service, name="service"),
]
