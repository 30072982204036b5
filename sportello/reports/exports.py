"""The dashboard's tables as they may leave the system, and their CSV and XLSX files.

Every figure passes through disclosure control here, once: the dashboard draws and lists the
same protected table the files carry, so what is on screen is exactly what can be exported."""

import csv
import datetime
import io
from dataclasses import dataclass
from functools import cached_property

import xlsxwriter
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sportello.reports import queries
from sportello.reports.disclosure import LabelledTable, labelled
from sportello.reports.queries import FigureTable, Scope


@dataclass(frozen=True)
class PublishedFigure:
    """A dashboard table after disclosure control: the only form in which figures are shown."""

    figure: FigureTable
    table: LabelledTable

    @property
    def key(self) -> str:
        return self.figure.key

    @property
    def title(self) -> str:
        return self.figure.title

    @property
    def threshold(self) -> int:
        return self.table.protected.threshold

    @cached_property
    def rows(self) -> list[list[str]]:
        """Header, body rows and the totals row (where the table has one), as text with the
        marks in hidden cells."""
        rows = self.table.published_rows(total_label=_("Totale"))
        rows[0][0] = self.figure.row_heading
        return rows

    @property
    def header(self) -> list[str]:
        return self.rows[0]

    @property
    def body(self) -> list[list[str]]:
        return self.rows[1:-1] if self.table.protected.has_column_totals else self.rows[1:]

    @property
    def totals(self) -> list[str] | None:
        """The column totals' line; a table of one row has none (its row total is the sum)."""
        return self.rows[-1] if self.table.protected.has_column_totals else None

    @property
    def has_row_totals(self) -> bool:
        return self.table.protected.has_row_totals

    @property
    def grand_total(self) -> str | None:
        """Everything in the table added up, where that means something: none for columns that
        measure different things."""
        protected = self.table.protected
        if protected.has_column_totals and (protected.has_row_totals or len(self.header) == 2):
            return self.rows[-1][-1]
        if protected.has_row_totals and not protected.has_column_totals:
            return self.rows[1][-1]
        return None

    @property
    def hidden_cells(self) -> int:
        return len(self.table.protected.hidden)

    def shown(self, row: int, column: int) -> int | None:
        """A cell's count, or None where disclosure control hides it."""
        value = self.table.protected.shown(row, column)
        return value if isinstance(value, int) else None


def publish(
    figure: FigureTable,
    *,
    threshold: int | None = None,
    published_with: dict[str, PublishedFigure] | None = None,
) -> PublishedFigure:
    """One table through disclosure control. A table derived from another (``derived_from``)
    hides each cell whose sources the other hides: pass the other as published alongside."""
    limit = settings.SPORTELLO_DISCLOSURE_THRESHOLD if threshold is None else threshold
    forced: set[tuple[int, int]] = set()
    if figure.derived_from:
        if published_with is None or figure.derived_from not in published_with:
            raise ValueError(f"{figure.key} is published only with {figure.derived_from}")
        base = published_with[figure.derived_from].table.protected.hidden
        forced = {cell for cell, sources in figure.derived_cells if set(sources) & base}
    table = labelled(
        figure.title,
        figure.row_labels,
        figure.column_labels,
        figure.counts,
        threshold=limit,
        row_totals=figure.row_totals,
        force_hidden=forced,
    )
    return PublishedFigure(figure, table)


def publish_all(
    figures: list[FigureTable], *, threshold: int | None = None
) -> list[PublishedFigure]:
    """Tables published together, each through disclosure control, the derived ones after the
    tables they derive from."""
    done: dict[str, PublishedFigure] = {}
    for figure in sorted(figures, key=lambda figure: bool(figure.derived_from)):
        done[figure.key] = publish(figure, threshold=threshold, published_with=done)
    return [done[figure.key] for figure in figures]


def published_figures(scope: Scope) -> list[PublishedFigure]:
    return publish_all(queries.dashboard_tables(scope))


def published_figure(scope: Scope, key: str) -> PublishedFigure:
    """One table, as the dashboard shows it; KeyError for a key the dashboard does not have."""
    figure = queries.dashboard_table(scope, key)
    if not figure.derived_from:
        return publish(figure)
    base = queries.dashboard_table(scope, figure.derived_from)
    return publish_all([base, figure])[1]


def day_text(day: datetime.date) -> str:
    """ "2 novembre 2026" in Italian (month names in lower case), "2 November 2026" in English."""
    text = date_format(day, "j F Y")
    return text.lower() if (get_language() or "it").startswith("it") else text


def scope_description(scope: Scope) -> str:
    return _(
        "Periodo: dal %(first)s al %(last)s; servizio: %(service)s; "
        "programma di emergenza: %(programme)s."
    ) % {
        "first": day_text(scope.first_day),
        "last": day_text(scope.last_day),
        "service": scope.service.name if scope.service else _("tutti"),
        "programme": scope.programme.name if scope.programme else _("tutti"),
    }


def marks_note(threshold: int) -> str:
    return _(
        "«<%(threshold)d»: da 1 a %(below)d casi, nascosti per riservatezza; «n.d.»: dato non "
        "disponibile, nascosto perché non si possa ricavare un altro dato nascosto dai totali."
    ) % {"threshold": threshold, "below": threshold - 1}


def file_name(published: PublishedFigure, scope: Scope, extension: str) -> str:
    return (
        f"statistiche-{published.key}-{scope.first_day:%Y%m%d}-{scope.last_day:%Y%m%d}.{extension}"
    )


def figure_csv(published: PublishedFigure, scope: Scope) -> bytes:
    """UTF-8 (no byte-order mark), comma-separated, quoted where needed: the title and the
    scope first, then the table, then what the marks mean."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([published.title])
    writer.writerow([scope_description(scope)])
    writer.writerow([])
    writer.writerows(published.rows)
    writer.writerow([])
    writer.writerow([_("Nota: %(note)s") % {"note": marks_note(published.threshold)}])
    return out.getvalue().encode("utf-8")


def figure_xlsx(published: PublishedFigure, scope: Scope) -> bytes:
    """One sheet: title, scope, the table (header bold, counts as numbers, marks as text),
    the note on the marks."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet(published.key[:31])
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    mark = workbook.add_format({"align": "right"})
    sheet.write_string(0, 0, published.title, title)
    sheet.write_string(1, 0, scope_description(scope))
    first = 3
    for offset, row in enumerate(published.rows):
        line = first + offset
        header_or_total = offset == 0 or offset == len(published.rows) - 1
        for column, value in enumerate(row):
            if offset == 0 or column == 0:
                # Labels stay text even when they look like numbers ("1", "2026-W48").
                sheet.write_string(line, column, value, bold if header_or_total else None)
            elif value.isdigit():
                sheet.write_number(line, column, int(value), bold if header_or_total else None)
            else:
                sheet.write_string(line, column, value, mark)
    note_line = first + len(published.rows) + 1
    sheet.write_string(
        note_line, 0, _("Nota: %(note)s") % {"note": marks_note(published.threshold)}
    )
    sheet.set_column(0, 0, max(12, *(len(row[0]) for row in published.rows)) + 2)
    sheet.set_column(1, len(published.header) - 1, 12)
    workbook.close()
    return out.getvalue()
