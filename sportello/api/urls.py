"""Routing shared by every integration; each domain app owns its own API views."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from sportello.directory import api_views as directory
from sportello.intake.api_views import IncomingCallView, QueueView
from sportello.rota.api_views import ErlangStaffingView
from sportello.services.api_views import DeskStatusView

app_name = "api"

urlpatterns = [
    path("v1/status/", DeskStatusView.as_view(), name="status"),
    path("v1/telephony/calls/", IncomingCallView.as_view(), name="telephony-calls"),
    path("v1/queue/", QueueView.as_view(), name="queue"),
    path("v1/staffing/erlang/", ErlangStaffingView.as_view(), name="staffing-erlang"),
    path("v1/directory/services/", directory.ServiceListView.as_view(), name="directory-services"),
    path(
        "v1/directory/services/<uuid:pk>/",
        directory.ServiceDetailView.as_view(),
        name="directory-service",
    ),
    path(
        "v1/directory/organizations/",
        directory.OrganizationListView.as_view(),
        name="directory-organizations",
    ),
    path(
        "v1/directory/organizations/<uuid:pk>/",
        directory.OrganizationDetailView.as_view(),
        name="directory-organization",
    ),
    path(
        "v1/directory/taxonomy_terms/",
        directory.TaxonomyTermListView.as_view(),
        name="directory-taxonomy-terms",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

# Statistics (sportello.reports): disclosure-controlled tables and the open-data releases.
from sportello.reports import api_views as statistics  # noqa: E402

urlpatterns += [
    path(
        "v1/statistics/tables/", statistics.StatisticsTablesView.as_view(), name="statistics-tables"
    ),
    path(
        "v1/statistics/tables/<slug:key>/",
        statistics.StatisticsTableView.as_view(),
        name="statistics-table",
    ),
    path(
        "v1/statistics/open-data/",
        statistics.OpenDataReleasesView.as_view(),
        name="statistics-open-data",
    ),
]
