"""What the dashboard draws and lists for each protected table: the chart's data for
``static/reports/dashboard.js`` (hidden cells left out), the words that describe the chart to
someone who cannot see it, and the data table that is its accessible alternative."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sportello.reports.exports import PublishedFigure

# Each colour has a contrast of at least 4.5:1 on white (WCAG 1.4.11 asks 3:1 of graphics),
# and neighbours differ in hue and lightness; lines also change point shape, so colour is never
# the only way to tell two series apart.
PALETTE = (
    "#0066cc",  # blue
    "#a64d00",  # burnt orange
    "#00796b",  # teal
    "#a61e33",  # red
    "#5e3a99",  # purple
    "#3d6b00",  # green
    "#8a3b7a",  # magenta
    "#4d5a66",  # slate
)
POINT_STYLES = ("circle", "rect", "triangle", "rectRot", "crossRot", "star", "rectRounded", "line")
CHART_KINDS = ("line", "bar", "stacked-bar")
# Longer tables start folded, so the page stays a page of charts.
OPEN_TABLE_ROWS = 12
# Label, up to two series and the total fit beside the chart; more columns go under it.
WIDE_TABLE_COLUMNS = 4


@dataclass(frozen=True)
class Cell:
    text: str
    hidden: bool


@dataclass(frozen=True)
class FigureView:
    """One table of the dashboard as the template shows it."""

    published: PublishedFigure
    chart: dict[str, Any]
    summary: str
    header: list[str]
    body: list[tuple[str, list[Cell]]]
    totals: tuple[str, list[Cell]] | None

    @property
    def key(self) -> str:
        return self.published.key

    @property
    def title(self) -> str:
        return self.published.title

    @property
    def data_id(self) -> str:
        return f"chart-data-{self.published.key}"

    @property
    def wide(self) -> bool:
        """A table of many columns goes under its chart, across the page."""
        return len(self.header) > WIDE_TABLE_COLUMNS

    @property
    def table_open(self) -> bool:
        return len(self.body) <= OPEN_TABLE_ROWS


def _cells(values: list[str]) -> list[Cell]:
    return [Cell(value, not value.isdigit()) for value in values]


def chart_note(published: PublishedFigure) -> str:
    """The line under the plot: short, the canvas does not wrap text."""
    count = published.hidden_cells
    if not count:
        return ""
    return ngettext(
        "%(count)d valore nascosto per riservatezza non è nel grafico.",
        "%(count)d valori nascosti per riservatezza non sono nel grafico.",
        count,
    ) % {"count": count}


def chart_data(published: PublishedFigure) -> dict[str, Any]:
    """The chart's data: one series per column, None where the cell is hidden."""
    figure = published.figure
    kind = figure.chart if figure.chart in CHART_KINDS else "bar"
    datasets = [
        {
            "label": label,
            "data": [published.shown(row, column) for row in range(len(figure.row_labels))],
            "color": PALETTE[column % len(PALETTE)],
            "point": POINT_STYLES[column % len(POINT_STYLES)],
        }
        for column, label in enumerate(figure.column_labels)
    ]
    return {
        "canvas": f"chart-{figure.key}",
        "kind": kind,
        "labels": list(figure.row_labels),
        "datasets": datasets,
        "axis": {"x": figure.row_heading, "y": _("Numero")},
        "note": chart_note(published),
    }


def chart_summary(published: PublishedFigure) -> str:
    """The canvas's accessible name: what kind of chart, over what, the total, what is missing."""
    figure = published.figure
    kind = {
        "line": _("Grafico a linee"),
        "stacked-bar": _("Grafico a barre sovrapposte"),
    }.get(figure.chart, _("Grafico a barre"))
    rows = len(figure.row_labels)
    series = len(figure.column_labels)
    parts = [
        _("%(kind)s: %(title)s.") % {"kind": kind, "title": figure.title},
        ngettext(
            "%(rows)d voce per «%(heading)s»",
            "%(rows)d voci per «%(heading)s»",
            rows,
        )
        % {"rows": rows, "heading": figure.row_heading}
        + ngettext(", %(series)d serie.", ", %(series)d serie.", series) % {"series": series},
    ]
    if published.grand_total is not None:
        parts.append(_("Totale: %(total)s.") % {"total": published.grand_total})
    if published.hidden_cells:
        parts.append(
            ngettext(
                "%(count)d valore nascosto per riservatezza.",
                "%(count)d valori nascosti per riservatezza.",
                published.hidden_cells,
            )
            % {"count": published.hidden_cells}
        )
    parts.append(_("Gli stessi dati sono nella tabella accanto al grafico."))
    return " ".join(parts)


def figure_view(published: PublishedFigure) -> FigureView:
    return FigureView(
        published=published,
        chart=chart_data(published),
        summary=chart_summary(published),
        header=published.header,
        body=[(row[0], _cells(row[1:])) for row in published.body],
        totals=(published.totals[0], _cells(published.totals[1:])) if published.totals else None,
    )
