"""The access log as CSV (UTF-8, Italian headers), filtered as on the page, for the DPO.

An export is itself an access to the log: it is written to the access log (action "export",
object type "access_log") before any row leaves, and it holds the rows appended before it, so
that the file and the log agree on where it ends."""

import csv
import io
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.privacy import policies
from sportello.privacy.models import OBJECT_TYPE_LABELS, AccessAction, AccessLog
from sportello.privacy.operations import record_access
from sportello.privacy.queries import AccessLogFilter, filtered_access_log
from sportello.services import queries as catalogue

OBJECT_TYPE = "access_log"
CHUNK = 2000

# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def can_export(user: User) -> bool:
    """A copy of the log leaves the system: the DPO's decision, not a coordinator's."""
    return policies.is_data_protection_officer(user)


def headers() -> list[str]:
    with override("it"):
        return [
            _("Numero"),
            _("Quando"),
            _("Utente"),
            _("Ruoli"),
            _("Azione"),
            _("Accesso in emergenza"),
            _("Tipo di dato"),
            _("Identificativo"),
            _("Presa in carico"),
            _("Finalità"),
            _("Indirizzo IP"),
            _("Pagina"),
            _("Browser"),
            _("Hash della riga precedente"),
            _("Hash della riga"),
        ]


def _describe(wanted: AccessLogFilter, rows: int) -> str:
    parts = []
    if wanted.person is not None:
        parts.append(_("persona %(pseudonym)s") % {"pseudonym": wanted.person.pseudonym})
    if wanted.user is not None:
        parts.append(_("utente %(username)s") % {"username": wanted.user.get_username()})
    if wanted.case_id is not None:
        parts.append(_("presa in carico n. %(number)d") % {"number": wanted.case_id})
    if wanted.break_glass_only:
        parts.append(_("solo accessi in emergenza"))
    if wanted.date_from is not None:
        parts.append(_("dal %(day)s") % {"day": wanted.date_from.isoformat()})
    if wanted.date_to is not None:
        parts.append(_("al %(day)s") % {"day": wanted.date_to.isoformat()})
    text = _("esportazione CSV del registro degli accessi, %(rows)d righe") % {"rows": rows}
    if parts:
        text += "; " + _("filtri: %(filters)s") % {"filters": ", ".join(parts)}
    return text


@transaction.atomic
def record_export(request: HttpRequest | None, user: User, wanted: AccessLogFilter) -> AccessLog:
    """Write the export down; the file then holds the rows before this one."""
    if not can_export(user):
        raise PermissionDenied
    rows = filtered_access_log(wanted).count()
    with override("it"):
        purpose = _describe(wanted, rows)
    return record_access(
        request,
        user,
        action=AccessAction.EXPORT,
        object_type=OBJECT_TYPE,
        object_id="csv",
        case_id=wanted.case_id,
        purpose=purpose,
    )


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(wanted: AccessLogFilter, export: AccessLog) -> Iterator[str]:
    """The header, then one line per row of the log before the export, as on the page."""
    # Labels in Italian, looked up once: the lines are written while the response streams.
    with override("it"):
        actions = {value: str(label) for value, label in AccessAction.choices}
        objects = {key: str(label) for key, label in OBJECT_TYPE_LABELS.items()}
        roles = {role.value: role.label for role in Role}
        yes, no = _("sì"), _("no")
        head = headers()
    zone = catalogue.desk_zone()
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(cell) for cell in cells])
        return buffer.getvalue()

    yield line(head)  # type: ignore[arg-type]
    rows = filtered_access_log(wanted).filter(seq__lt=export.seq)
    for row in rows.iterator(chunk_size=CHUNK):
        yield line(
            [
                row.seq,
                timezone.localtime(row.at, zone).isoformat(timespec="seconds"),
                row.username,
                ", ".join(roles.get(name, name) for name in row.role_names),
                actions.get(row.action, row.action),
                yes if row.break_glass else no,
                objects.get(row.object_type, row.object_type),
                row.object_id,
                row.case_id,
                row.purpose,
                row.ip_address,
                row.path,
                row.user_agent,
                row.prev_hash,
                row.row_hash,
            ]
        )


def filename(export: AccessLog) -> str:
    at = timezone.localtime(export.at, catalogue.desk_zone())
    return f"registro-accessi-{at:%Y%m%d-%H%M}.csv"
