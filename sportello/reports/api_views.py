"""The statistics API for integrations: the dashboard's tables, disclosure-controlled, and the
open-data releases with their stable addresses. Token authentication, like the queue."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sportello.api.authentication import ClientTokenAuthentication
from sportello.api.permissions import IsApiClient
from sportello.api.throttling import PerClientThrottle
from sportello.reports import open_data
from sportello.reports import queries as statistics
from sportello.reports.exports import PublishedFigure, publish_all, published_figure
from sportello.reports.open_data_views import neutral_path, release_path
from sportello.reports.serializers import (
    OpenDataReleasesSerializer,
    StatisticsQuerySerializer,
    StatisticsTableSerializer,
    StatisticsTablesSerializer,
)
from sportello.services import queries as catalogue

ERRORS = {
    400: OpenApiResponse(description="Per-parameter errors, Italian or English."),
    401: OpenApiResponse(description="Missing, bad or revoked token."),
    429: OpenApiResponse(description="Too many requests from this client."),
}


def _value(text: str) -> int | str:
    """A published cell: its count as a number, or its mark ("<5", "n.d.") as it is."""
    return int(text) if text.isdigit() else text


def protected_table(published: PublishedFigure) -> dict[str, Any]:
    """A table as it may leave: through disclosure control, marks where withheld."""
    table = published.figure

    def line(cells: list[str], *, grand: bool = False) -> dict[str, Any]:
        label, *values = cells
        total: int | str | None = None
        if published.has_row_totals:
            *values, last = values
            total = _value(last)
        elif grand and published.grand_total is not None:
            total = _value(published.grand_total)  # one column: its total is the grand total
        return {"label": label, "values": [_value(v) for v in values], "total": total}

    columns = published.header[1:-1] if published.has_row_totals else published.header[1:]
    return {
        "key": table.key,
        "title": table.title,
        "row_heading": table.row_heading,
        "columns": list(columns),
        "rows": [line(row) for row in published.body],
        "totals": line(published.totals, grand=True) if published.totals else None,
        "threshold": published.threshold,
    }


def _scope(request: Request) -> tuple[Any, dict[str, Any]]:
    query = StatisticsQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    scope = statistics.Scope(
        first_day=data["from"],
        last_day=data["to"],
        service=data["service"],
        programme=data["programme"],
    )
    return scope, data


class StatisticsTablesView(APIView):
    """Every table of the statistics dashboard over a period, disclosure-controlled."""

    authentication_classes = [ClientTokenAuthentication]
    permission_classes = [IsApiClient]
    throttle_classes = [PerClientThrottle]

    @extend_schema(
        summary="Statistics tables",
        operation_id="v1_statistics_tables_list",
        description=(
            "Every table of the dashboard over the period (both days included, Rome time), "
            "for one service and emergency programme or all. Counts below the threshold, and "
            "those they could be worked out from, are withheld: such values are the strings "
            '"<5" or "n.d." instead of numbers.'
        ),
        parameters=[StatisticsQuerySerializer],
        responses={200: StatisticsTablesSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        scope, data = _scope(request)
        threshold = settings.SPORTELLO_DISCLOSURE_THRESHOLD
        return Response(
            {
                "from": data["from"].isoformat(),
                "to": data["to"].isoformat(),
                "service": data["service"].code if data["service"] else None,
                "programme": data["programme"].code if data["programme"] else None,
                "threshold": threshold,
                "tables": [
                    protected_table(published)
                    for published in publish_all(
                        statistics.dashboard_tables(scope), threshold=threshold
                    )
                ],
            }
        )


class StatisticsTableView(APIView):
    """One table of the statistics dashboard, by its key."""

    authentication_classes = [ClientTokenAuthentication]
    permission_classes = [IsApiClient]
    throttle_classes = [PerClientThrottle]

    @extend_schema(
        summary="One statistics table",
        operation_id="v1_statistics_table_retrieve",
        parameters=[
            OpenApiParameter(
                "key",
                str,
                OpenApiParameter.PATH,
                description="The table's stable key, e.g. contacts-by-channel.",
            ),
            StatisticsQuerySerializer,
        ],
        responses={
            200: StatisticsTableSerializer,
            **ERRORS,
            404: OpenApiResponse(description="No table with that key."),
        },
    )
    def get(self, request: Request, key: str) -> Response:
        scope, _data = _scope(request)
        try:
            published = published_figure(scope, key)
        except KeyError:
            raise NotFound(
                _("Non esiste una tabella «%(key)s». Tabelle: %(keys)s.")
                % {"key": key, "keys": ", ".join(statistics.TABLE_KEYS)}
            ) from None
        return Response(protected_table(published))


class OpenDataReleasesView(APIView):
    """The open-data releases, newest first, with their stable addresses."""

    authentication_classes = [ClientTokenAuthentication]
    permission_classes = [IsApiClient]
    throttle_classes = [PerClientThrottle]

    @extend_schema(
        summary="Open-data releases",
        responses={
            200: OpenDataReleasesSerializer,
            401: ERRORS[401],
            429: ERRORS[429],
        },
    )
    def get(self, request: Request) -> Response:
        items = open_data.releases()
        newest: dict[Any, int] = {}
        for item in items:
            newest.setdefault(item.month, item.version)
        absolute = request.build_absolute_uri
        zone = catalogue.desk_zone()
        return Response(
            {
                "catalogue": absolute(neutral_path("catalogue")),
                "dictionary": absolute(neutral_path("dictionary")),
                "releases": [
                    {
                        "month": open_data.month_label(item.month),
                        "version": item.version,
                        "published_at": item.published_at.astimezone(zone).isoformat(),
                        "url": absolute(release_path(item)),
                        "month_url": absolute(release_path(item, latest=True)),
                        "latest": newest[item.month] == item.version,
                        "sha256": item.sha256,
                        "byte_size": open_data.byte_size(item),
                        "rows": item.rows,
                        "threshold": item.threshold,
                    }
                    for item in items
                ],
            }
        )
