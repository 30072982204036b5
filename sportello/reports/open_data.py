"""The monthly open-data file: the desk's statistics for one month, disclosure-controlled, as a
long-form CSV (one published cell a line), and its publication as a numbered release.

One desk-wide set of tables per month, and no per-service tables. The desk-wide tables already
break contacts down by service (``contacts-by-service``); publishing every other table a second
time per service would cut the same people into cells four times smaller, most of which would be
suppressed anyway, and would publish linked tables: the desk-wide cell minus the per-service
cells of the other services gives back a cell suppressed in one of them, a difference that the
secondary suppression of each table alone cannot see. Per-service figures stay available to the
desk (the dashboard, the statistics API), each table protected on its own.

The file holds only what ``LabelledTable.published_rows()`` lets out, so no count below the
threshold, and nothing that would differ between two builds of the same figures (no timestamp,
no version): identical figures give identical bytes, which is how a republication with nothing
new is recognised and refused."""

from __future__ import annotations

import calendar
import csv
import datetime
import hashlib
import io
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Func, IntegerField
from django.utils import translation
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.privacy.operations import record_audit
from sportello.reports import policies
from sportello.reports import queries as statistics
from sportello.reports.exports import publish_all
from sportello.reports.models import OpenDataRelease
from sportello.services import queries as catalogue

logger = logging.getLogger(__name__)

SYSTEM = "sistema (dati aperti)"
PUBLISHED = "open_data_published"
TOTAL_LABEL = "Totale"
_MONTH = re.compile(r"(\d{4})-(\d{2})")

# The file is a published document in Italian whatever the language of whoever publishes it:
# its texts are constants, not translations, so two builds of the same figures are the same
# bytes. The English side is the data dictionary.
CSV_HEADER = (
    "mese",
    "tabella",
    "titolo",
    "intestazione_righe",
    "riga",
    "colonna",
    "valore",
    "nota",
)
NOTE_SMALL = "valore inferiore alla soglia di riservatezza"
NOTE_WITHHELD = "non disponibile: oscurato per la tutela della riservatezza"


@dataclass(frozen=True)
class DictionaryEntry:
    """One item of the data dictionary, in Italian and English."""

    kind: str  # "colonna", "tabella" or "simbolo"
    name: str
    it: str
    en: str


COLUMNS = (
    DictionaryEntry(
        "colonna",
        "mese",
        "Mese di riferimento, nel formato AAAA-MM (ora di Roma).",
        "Reference month, as YYYY-MM (Rome time).",
    ),
    DictionaryEntry(
        "colonna",
        "tabella",
        "Codice stabile della tabella (vedi le tabelle sotto).",
        "Stable code of the table (see the tables below).",
    ),
    DictionaryEntry(
        "colonna", "titolo", "Titolo della tabella, in italiano.", "Title of the table, in Italian."
    ),
    DictionaryEntry(
        "colonna",
        "intestazione_righe",
        "Che cosa indicano le righe della tabella (ad esempio Giorno, Canale).",
        "What the rows of the table are (for example Day, Channel).",
    ),
    DictionaryEntry(
        "colonna",
        "riga",
        "Etichetta della riga; «Totale» è la riga dei totali di colonna (assente se la tabella "
        "ha una sola riga).",
        "Row label; «Totale» is the row of column totals (absent when the table has one row).",
    ),
    DictionaryEntry(
        "colonna",
        "colonna",
        "Etichetta della colonna; «Totale» è la colonna dei totali di riga (assente se la "
        "tabella ha una sola colonna o se le sue colonne misurano cose diverse, come contatti "
        "e ore-operatore).",
        "Column label; «Totale» is the column of row totals (absent when the table has one "
        "column or when its columns measure different things, such as contacts and operator "
        "hours).",
    ),
    DictionaryEntry(
        "colonna",
        "valore",
        "Il conteggio (numero intero), oppure «<N» o «n.d.» se non pubblicato.",
        "The count (a whole number), or «<N» or «n.d.» when it is not published.",
    ),
    DictionaryEntry(
        "colonna",
        "nota",
        "Perché il valore non è pubblicato; vuota per i valori pubblicati.",
        "Why the value is not published; empty for published values.",
    ),
)

SYMBOLS = (
    DictionaryEntry(
        "simbolo",
        "<N",
        "Conteggio tra 1 e N-1 persone, non pubblicato per tutelare la riservatezza "
        "(N è la soglia, di solito 5).",
        "A count of 1 to N-1 people, withheld to protect confidentiality "
        "(N is the threshold, usually 5).",
    ),
    DictionaryEntry(
        "simbolo",
        "n.d.",
        "Non disponibile: valore oscurato perché permetterebbe di ricalcolare un conteggio "
        "piccolo dai totali, oppure totale troppo piccolo.",
        "Not available: withheld because it would let a small count be worked out from the "
        "totals, or a total that is itself too small.",
    ),
)

TABLES = {
    "contacts-by-day": ("Contatti per giorno.", "Contacts per day."),
    "contacts-by-week": ("Contatti per settimana.", "Contacts per week."),
    "contacts-by-channel": (
        "Contatti per canale di arrivo (centralino, telefono, richiesta di richiamata…).",
        "Contacts by the channel they came in through (switchboard, phone, callback request…).",
    ),
    "contacts-by-service": ("Contatti per servizio.", "Contacts by service."),
    "contacts-by-target-group": (
        "Contatti per gruppo di destinatari dell'emergenza.",
        "Contacts by target group of the emergency.",
    ),
    "contacts-by-reason": ("Contatti per motivo del contatto.", "Contacts by reason for contact."),
    "contacts-by-risk-level": (
        "Contatti per livello di rischio valutato.",
        "Contacts by assessed risk level.",
    ),
    "contacts-by-outcome": ("Contatti per esito.", "Contacts by outcome."),
    "waiting-time": (
        "Distribuzione dell'attesa prima della risposta, in minuti lavorativi.",
        "Distribution of the wait before an answer, in working minutes.",
    ),
    "service-level": (
        "Contatti con risposta entro o oltre il tempo obiettivo.",
        "Contacts answered within or beyond the target time.",
    ),
    "callback-attempts": (
        "Richiamate: raggiunti al primo, secondo, terzo tentativo o oltre, oppure non raggiunti.",
        "Callbacks: reached at the first, second, third or a later attempt, or not reached.",
    ),
    "sessions-per-case": (
        "Prese in carico per numero di colloqui.",
        "Cases by number of sessions.",
    ),
    "referrals-by-destination": (
        "Invii per tipo di servizio di destinazione ed esito.",
        "Referrals by kind of destination service and outcome.",
    ),
    "staffing-vs-demand": (
        "Operatori in turno a confronto con i contatti ricevuti.",
        "Staff on shift compared with the contacts received.",
    ),
}


def disclosure_threshold() -> int:
    return int(settings.SPORTELLO_DISCLOSURE_THRESHOLD)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(first_day: datetime.date) -> datetime.date:
    return first_day.replace(day=calendar.monthrange(first_day.year, first_day.month)[1])


def month_label(first_day: datetime.date) -> str:
    return f"{first_day:%Y-%m}"


def parse_month(text: str) -> datetime.date:
    """The first day of a month written YYYY-MM; ValidationError (Italian) otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
        raise ValidationError(
            _("Mese non valido: «%(text)s». Scrivilo come AAAA-MM, ad esempio 2026-01.")
            % {"text": text}
        )
    return datetime.date(int(match[1]), int(match[2]), 1)


def today() -> datetime.date:
    """Today at the desk (Rome), not in UTC: a month is over when the desk's month is."""
    return catalogue.now().astimezone(catalogue.desk_zone()).date()


def last_month(day: datetime.date | None = None) -> datetime.date:
    """The first day of the month before ``day``'s (today's by default)."""
    this_month = month_start(day or today())
    return month_start(this_month - datetime.timedelta(days=1))


def _note(value: str) -> str:
    if value.startswith("<"):
        return NOTE_SMALL
    if value == "n.d.":
        return NOTE_WITHHELD
    return ""


def build_month(month_first_day: datetime.date) -> tuple[str, int]:
    """The month's CSV text and how many data lines it has (the header not counted).

    Every dashboard table over the whole month, desk-wide, through disclosure control; one line
    per published cell, row and column totals included."""
    if month_first_day.day != 1:
        raise ValueError("build_month takes the first day of a month")
    threshold = disclosure_threshold()
    scope = statistics.Scope(month_first_day, month_end(month_first_day))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    lines = 0
    month = month_label(month_first_day)
    # Titles and labels come translated to the active language: the file is Italian.
    with translation.override("it"):
        tables = statistics.dashboard_tables(scope)
        for table, published in zip(tables, publish_all(tables, threshold=threshold), strict=True):
            columns = published.header[1:]
            rows = published.body + ([published.totals] if published.totals else [])
            for row in rows:
                label, *values = row
                for column, value in zip(columns, values[: len(columns)], strict=True):
                    writer.writerow(
                        (
                            month,
                            table.key,
                            table.title,
                            table.row_heading,
                            label,
                            column,
                            value,
                            _note(value),
                        )
                    )
                    lines += 1
    return buffer.getvalue(), lines


def digest(csv_text: str) -> str:
    return hashlib.sha256(csv_text.encode("utf-8")).hexdigest()


def _check_month_is_over(month_first_day: datetime.date) -> None:
    if month_first_day >= month_start(today()):
        raise ValidationError(
            _(
                "Il mese %(month)s non è ancora concluso: i suoi dati si pubblicano dal primo "
                "giorno del mese successivo."
            )
            % {"month": month_label(month_first_day)}
        )


def _refresh_figures() -> None:
    """Bring the rollups up to date first, so that a month is never published from figures
    that miss its last changes."""
    from sportello.reports import rollups

    rollups.refresh_pending(catalogue.now())


def publish_month(month: datetime.date, *, by: User | None = None) -> OpenDataRelease:
    """Publish a month that is over: its first release, or version + 1 when its figures changed
    since the last one. Refuses (ValidationError, nothing written) a month not yet over and a
    republication identical to the latest release; ``by`` (a person, or None for the monthly
    task and the command) must be allowed to see the statistics."""
    if by is not None and not policies.can_see_statistics(by):
        raise PermissionDenied(_("Solo i coordinatori e la direzione pubblicano i dati aperti."))
    first_day = month_start(month)
    _check_month_is_over(first_day)
    _refresh_figures()
    return _publish(first_day, by)


@transaction.atomic
def _publish(first_day: datetime.date, by: User | None) -> OpenDataRelease:
    csv_text, rows = build_month(first_day)
    sha256 = digest(csv_text)
    latest = latest_release(first_day)
    if latest is not None and latest.sha256 == sha256:
        raise ValidationError(
            _(
                "I dati di %(month)s sono già pubblicati identici nella versione %(version)d: "
                "non c'è niente di nuovo da pubblicare."
            )
            % {"month": month_label(first_day), "version": latest.version}
        )
    version = latest.version + 1 if latest is not None else 1
    try:
        # A savepoint, so that a publication racing this one fails cleanly on the constraint.
        with transaction.atomic():
            release = OpenDataRelease.objects.create(
                month=first_day,
                version=version,
                published_at=catalogue.now(),
                csv=csv_text,
                sha256=sha256,
                rows=rows,
                threshold=disclosure_threshold(),
            )
    except IntegrityError:
        raise ValidationError(
            _("Un'altra pubblicazione di %(month)s è in corso: riprova tra poco.")
            % {"month": month_label(first_day)}
        ) from None
    record_audit(
        by,
        object_type="open_data_release",
        object_id=release.pk,
        action=PUBLISHED,
        actor_label="" if by is not None else SYSTEM,
        month=month_label(first_day),
        version=version,
        sha256=sha256,
        rows=rows,
        threshold=release.threshold,
    )
    logger.info("Open data %s published as version %d", month_label(first_day), version)
    return release


# --- reading the releases ---------------------------------------------------------------------


def latest_release(first_day: datetime.date) -> OpenDataRelease | None:
    return OpenDataRelease.objects.filter(month=first_day).order_by("-version").first()


def release(first_day: datetime.date, version: int | None = None) -> OpenDataRelease | None:
    """A month's release: the given version, or the latest."""
    if version is None:
        return latest_release(first_day)
    return OpenDataRelease.objects.filter(month=first_day, version=version).first()


class OctetLength(Func):
    """The size of a text in bytes (UTF-8), counted by the database."""

    function = "OCTET_LENGTH"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # SQLite keeps text as UTF-8: its bytes as a blob are the file's bytes.
        return self.as_sql(
            compiler, connection, template="LENGTH(CAST(%(expressions)s AS BLOB))", **extra
        )


def releases() -> list[OpenDataRelease]:
    """Every release, newest month first and, within a month, newest version first, each with
    its ``byte_size``; without the CSV text, which only the download needs."""
    return list(
        OpenDataRelease.objects.defer("csv")
        .annotate(byte_size=OctetLength("csv"))
        .order_by("-month", "-version")
    )


def byte_size(item: OpenDataRelease) -> int:
    size = getattr(item, "byte_size", None)
    return size if size is not None else len(item.csv.encode("utf-8"))


def dictionary_entries() -> list[DictionaryEntry]:
    """The data dictionary: the file's columns, its tables and the marks of what is withheld."""
    keys = getattr(statistics, "TABLE_KEYS", tuple(TABLES))
    tables = [DictionaryEntry("tabella", key, *TABLES.get(key, (key, key))) for key in keys]
    return [*COLUMNS, *tables, *SYMBOLS]


def dictionary_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("kind", "name", "description_en", "descrizione_it"))
    kinds = {"colonna": "column", "tabella": "table", "simbolo": "symbol"}
    for entry in dictionary_entries():
        writer.writerow((kinds[entry.kind], entry.name, entry.en, entry.it))
    return buffer.getvalue()
