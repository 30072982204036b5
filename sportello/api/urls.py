"""Routing shared by every integration; each domain app owns its own API views."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from sportello.services.api_views import DeskStatusView

app_name = "api"

urlpatterns = [
    path("v1/status/", DeskStatusView.as_view(), name="status"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
