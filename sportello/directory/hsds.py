"""The directory as an HSDS 3.0 tabular data package: CSV files and a Frictionless
``datapackage.json``, read with every error found (file, row, column) or written from rows.

Our subset of Open Referral's Human Services Data Specification, one CSV per table:
organizations, services, locations, service_at_locations, phones, schedules, service_areas,
taxonomy_terms, service_attributes (HSDS's ``attribute`` table, linking a service to a taxonomy
term) and languages (a service's languages by ISO code). Our extensions are extra columns that
HSDS tools ignore: ``municipio``, ``pec_email``, ``free_of_charge``, ``is_sample``,
``verified_at`` and ``desk_service`` (the code of one of the department's own services).

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2.
A package is refused whole: ``read_package`` returns every error, never a partly read package.
Plain Python, no Django: the database side lives in ``hsds_operations``.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "DATAPACKAGE",
    "FILE_NAMES",
    "TABLES",
    "Column",
    "Existing",
    "LanguageRow",
    "LocationRow",
    "OrganizationRow",
    "Package",
    "PackageError",
    "PhoneRow",
    "ScheduleRow",
    "ServiceAreaRow",
    "ServiceAtLocationRow",
    "ServiceAttributeRow",
    "ServiceRow",
    "Table",
    "TaxonomyTermRow",
    "descriptor",
    "read_package",
    "write_package",
]

MUNICIPI = 9
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
DATAPACKAGE = "datapackage.json"


@dataclass(frozen=True)
class PackageError:
    """One thing wrong with a package; ``row`` and ``column`` are None when the error concerns
    the whole file (or the whole package, with an empty ``file``)."""

    file: str
    row: int | None
    column: str | None
    # The Italian message with %(name)s placeholders, marked for the translation catalogues so
    # that the Django side can show it translated (``gettext(message) % params``).
    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.message % self.params if self.params else self.message

    def __str__(self) -> str:
        where = self.file or "pacchetto"
        if self.row is not None:
            where += f", riga {self.row}"
        if self.column:
            where += f", colonna {self.column}"
        return f"{where}: {self.text}"


# --- Rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationRow:
    id: uuid.UUID
    name: str
    alternate_name: str = ""
    description: str = ""
    email: str = ""
    website: str = ""
    verified_at: datetime.datetime | None = None
    is_sample: bool = False


@dataclass(frozen=True)
class ServiceRow:
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    alternate_name: str = ""
    description: str = ""
    url: str = ""
    email: str = ""
    status: str = "active"
    eligibility_description: str = ""
    application_process: str = ""
    fees_description: str = ""
    last_modified: datetime.datetime | None = None
    pec_email: str = ""
    free_of_charge: bool = True
    open_on_holidays: bool = False
    desk_service: str = ""
    verified_at: datetime.datetime | None = None
    is_sample: bool = False


@dataclass(frozen=True)
class LocationRow:
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str = ""
    address_1: str = ""
    city: str = ""
    postal_code: str = ""
    region: str = ""
    country: str = "IT"
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    municipio: int | None = None


@dataclass(frozen=True)
class ServiceAtLocationRow:
    id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    description: str = ""


@dataclass(frozen=True)
class PhoneRow:
    id: uuid.UUID
    number: str
    service_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None
    description: str = ""


@dataclass(frozen=True)
class ScheduleRow:
    id: uuid.UUID
    byday: str
    opens_at: datetime.time
    closes_at: datetime.time
    service_id: uuid.UUID | None = None
    service_at_location_id: uuid.UUID | None = None
    freq: str = "WEEKLY"
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    description: str = ""


@dataclass(frozen=True)
class ServiceAreaRow:
    id: uuid.UUID
    service_id: uuid.UUID
    name: str
    description: str = ""
    municipio: int | None = None


@dataclass(frozen=True)
class TaxonomyTermRow:
    id: uuid.UUID
    code: str
    name: str
    name_en: str = ""
    description: str = ""
    parent_id: uuid.UUID | None = None
    taxonomy: str = "sportello-needs"


@dataclass(frozen=True)
class ServiceAttributeRow:
    link_id: uuid.UUID
    taxonomy_term_id: uuid.UUID
    link_type: str = "service"


@dataclass(frozen=True)
class LanguageRow:
    service_id: uuid.UUID
    code: str


@dataclass(frozen=True)
class Package:
    organizations: tuple[OrganizationRow, ...] = ()
    services: tuple[ServiceRow, ...] = ()
    locations: tuple[LocationRow, ...] = ()
    service_at_locations: tuple[ServiceAtLocationRow, ...] = ()
    phones: tuple[PhoneRow, ...] = ()
    schedules: tuple[ScheduleRow, ...] = ()
    service_areas: tuple[ServiceAreaRow, ...] = ()
    taxonomy_terms: tuple[TaxonomyTermRow, ...] = ()
    service_attributes: tuple[ServiceAttributeRow, ...] = ()
    languages: tuple[LanguageRow, ...] = ()


# --- Value kinds: parse a cell, write a value, describe it in the Frictionless schema --------


def gettext_noop(message: str) -> str:
    """Marks a message for the catalogues (makemessages finds the calls) without Django."""
    return message


class _Bad(ValueError):
    """A cell that does not hold its kind of value; the message is for the person."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Kind:
    parse: Callable[[str], Any]
    write: Callable[[Any], str]
    schema: Mapping[str, Any]


def _text(value: str) -> str:
    return value


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _Bad(
            gettext_noop("«%(value)s» non è un identificativo UUID valido."), value=value
        ) from None


def _date(value: str) -> datetime.date:
    try:
        if not _DATE.match(value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise _Bad(
            gettext_noop("«%(value)s» non è una data nel formato AAAA-MM-GG."), value=value
        ) from None


def _datetime(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(
            gettext_noop(
                "«%(value)s» non è una data e ora ISO 8601 (per esempio 2026-03-01T10:30:00+01:00)."
            ),
            value=value,
        ) from None
    if moment.tzinfo is None:
        raise _Bad(
            gettext_noop("«%(value)s» non indica il fuso orario (per esempio +01:00)."), value=value
        )
    return moment


def _time(value: str) -> datetime.time:
    match = _CLOCK.match(value)
    if not match:
        raise _Bad(
            gettext_noop("«%(value)s» non è un orario nel formato HH:MM (per esempio 09:30)."),
            value=value,
        )
    return datetime.time(int(match[1]), int(match[2]))


def _boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise _Bad(
        gettext_noop("«%(value)s» non è un valore vero/falso: scrivere true o false."), value=value
    )


def _municipio(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MUNICIPI:
        raise _Bad(
            gettext_noop("«%(value)s» non è un municipio: scrivere un numero da 1 a %(last)d."),
            value=value,
            last=MUNICIPI,
        )
    return int(value)


def _email(value: str) -> str:
    if not _EMAIL.match(value) or len(value) > 254:
        raise _Bad(gettext_noop("«%(value)s» non è un indirizzo email valido."), value=value)
    return value


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or len(value) > 200 or " " in value:
        raise _Bad(
            gettext_noop(
                "«%(value)s» non è un indirizzo web (deve iniziare con http:// o https://)."
            ),
            value=value,
        )
    return value


def _byday(value: str) -> str:
    days = [day.strip().upper() for day in value.split(",")]
    wrong = [day for day in days if day not in WEEKDAYS]
    if wrong:
        raise _Bad(
            gettext_noop(
                "«%(value)s» non è un elenco di giorni: usare %(days)s separati da virgole."
            ),
            value=value,
            days=", ".join(WEEKDAYS),
        )
    if len(set(days)) != len(days):
        raise _Bad(gettext_noop("«%(value)s» ripete un giorno."), value=value)
    return ",".join(sorted(days, key=WEEKDAYS.index))


def _coordinate(limit: int) -> Callable[[str], Decimal]:
    def parse(value: str) -> Decimal:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise _Bad(
                gettext_noop("«%(value)s» non è un numero (usare il punto per i decimali)."),
                value=value,
            ) from None
        if not number.is_finite() or abs(number) > limit:
            raise _Bad(
                gettext_noop("«%(value)s» è fuori dall'intervallo da -%(limit)d a %(limit)d."),
                value=value,
                limit=limit,
            )
        return number.quantize(Decimal("0.000001"))

    return parse


def _one_of(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            choices = ", ".join(f"«{choice}»" for choice in allowed)
            raise _Bad(
                gettext_noop("«%(value)s» non è un valore ammesso: usare %(choices)s."),
                value=value,
                choices=choices,
            )
        return value

    return parse


def _pattern(pattern: re.Pattern[str], message: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not pattern.match(value):
            raise _Bad(message, value=value)
        return value

    return parse


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _write_bool(value: Any) -> str:
    return "true" if value else "false"


def _write_time(value: Any) -> str:
    return "" if value is None else f"{value:%H:%M}"


def _write_datetime(value: Any) -> str:
    return "" if value is None else value.isoformat()


def _write_coordinate(value: Any) -> str:
    return "" if value is None else f"{Decimal(value):f}"


TEXT = Kind(_text, _plain, {"type": "string"})
UUID = Kind(_uuid, _plain, {"type": "string", "format": "uuid"})
DATE = Kind(_date, _plain, {"type": "date"})
DATETIME = Kind(_datetime, _write_datetime, {"type": "datetime"})
TIME = Kind(_time, _write_time, {"type": "time", "format": "%H:%M"})
BOOLEAN = Kind(
    _boolean, _write_bool, {"type": "boolean", "trueValues": ["true"], "falseValues": ["false"]}
)
MUNICIPIO = Kind(
    _municipio,
    _plain,
    {"type": "integer", "constraints": {"minimum": 1, "maximum": MUNICIPI}},
)
EMAIL = Kind(_email, _plain, {"type": "string", "format": "email"})
URL = Kind(_url, _plain, {"type": "string", "format": "uri"})
BYDAY = Kind(
    _byday,
    _plain,
    {
        "type": "string",
        "constraints": {"pattern": r"^(MO|TU|WE|TH|FR|SA|SU)(,(MO|TU|WE|TH|FR|SA|SU))*$"},
    },
)
LATITUDE = Kind(_coordinate(90), _write_coordinate, {"type": "number"})
LONGITUDE = Kind(_coordinate(180), _write_coordinate, {"type": "number"})
STATUS = Kind(
    _one_of(*SERVICE_STATUSES),
    _plain,
    {"type": "string", "constraints": {"enum": list(SERVICE_STATUSES)}},
)
FREQ = Kind(_one_of("WEEKLY"), _plain, {"type": "string", "constraints": {"enum": ["WEEKLY"]}})
LINK_TYPE = Kind(
    _one_of("service"), _plain, {"type": "string", "constraints": {"enum": ["service"]}}
)
SLUG = Kind(
    _pattern(_SLUG, gettext_noop("«%(value)s» non è un codice (lettere, cifre, trattini).")),
    _plain,
    {"type": "string", "constraints": {"pattern": _SLUG.pattern}},
)
LANGUAGE_CODE = Kind(
    _pattern(
        _LANGUAGE,
        gettext_noop("«%(value)s» non è un codice di lingua ISO 639 (per esempio it, en, ar)."),
    ),
    _plain,
    {"type": "string", "constraints": {"pattern": _LANGUAGE.pattern}},
)
COUNTRY = Kind(
    _pattern(
        re.compile(r"^[A-Z]{2}$"),
        gettext_noop("«%(value)s» non è un codice di paese di due lettere (per esempio IT)."),
    ),
    _plain,
    {"type": "string"},
)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = TEXT
    required: bool = False
    max_length: int | None = None
    description: str = ""


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str  # the referenced table, by its package name; always its ``id``


@dataclass(frozen=True)
class Table:
    name: str  # the Package attribute and the resource name
    row: type
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ("id",)
    foreign_keys: tuple[ForeignKey, ...] = ()
    description: str = ""

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


def _id() -> Column:
    return Column("id", UUID, required=True)


TABLES: tuple[Table, ...] = (
    Table(
        "organizations",
        OrganizationRow,
        (
            _id(),
            Column("name", required=True, max_length=200),
            Column("alternate_name", max_length=200),
            Column("description"),
            Column("email", EMAIL),
            Column("website", URL),
            Column("verified_at", DATETIME, description="Estensione: ultima verifica."),
            Column("is_sample", BOOLEAN, description="Estensione: dato di esempio da verificare."),
        ),
    ),
    Table(
        "services",
        ServiceRow,
        (
            _id(),
            Column("organization_id", UUID, required=True),
            Column("name", required=True, max_length=200),
            Column("alternate_name", max_length=200),
            Column("description"),
            Column("url", URL),
            Column("email", EMAIL),
            Column("status", STATUS),
            Column("eligibility_description"),
            Column("application_process"),
            Column("fees_description"),
            Column("last_modified", DATETIME),
            Column("pec_email", EMAIL, description="Estensione: posta elettronica certificata."),
            Column("free_of_charge", BOOLEAN, description="Estensione: servizio gratuito."),
            Column(
                "open_on_holidays",
                BOOLEAN,
                description="Estensione: mantiene i suoi orari anche nei giorni festivi.",
            ),
            Column(
                "desk_service",
                SLUG,
                max_length=40,
                description="Estensione: codice del servizio del dipartimento.",
            ),
            Column("verified_at", DATETIME, description="Estensione: ultima verifica."),
            Column("is_sample", BOOLEAN, description="Estensione: dato di esempio da verificare."),
        ),
        foreign_keys=(ForeignKey("organization_id", "organizations"),),
    ),
    Table(
        "locations",
        LocationRow,
        (
            _id(),
            Column("organization_id", UUID, required=True),
            Column("name", max_length=200),
            Column("address_1", max_length=200),
            Column("city", max_length=100),
            Column("postal_code", max_length=10),
            Column("region", max_length=100),
            Column("country", COUNTRY),
            Column("latitude", LATITUDE),
            Column("longitude", LONGITUDE),
            Column("municipio", MUNICIPIO, description="Estensione: municipio di Milano (1-9)."),
        ),
        foreign_keys=(ForeignKey("organization_id", "organizations"),),
    ),
    Table(
        "service_at_locations",
        ServiceAtLocationRow,
        (
            _id(),
            Column("service_id", UUID, required=True),
            Column("location_id", UUID, required=True),
            Column("description"),
        ),
        foreign_keys=(ForeignKey("service_id", "services"), ForeignKey("location_id", "locations")),
    ),
    Table(
        "phones",
        PhoneRow,
        (
            _id(),
            Column("service_id", UUID),
            Column("organization_id", UUID),
            Column("location_id", UUID),
            Column("number", required=True, max_length=30),
            Column("description", max_length=200),
        ),
        foreign_keys=(
            ForeignKey("service_id", "services"),
            ForeignKey("organization_id", "organizations"),
            ForeignKey("location_id", "locations"),
        ),
    ),
    Table(
        "schedules",
        ScheduleRow,
        (
            _id(),
            Column("service_id", UUID),
            Column("service_at_location_id", UUID),
            Column("freq", FREQ),
            Column("byday", BYDAY, required=True),
            Column("opens_at", TIME, required=True),
            Column("closes_at", TIME, required=True),
            Column("valid_from", DATE),
            Column("valid_to", DATE),
            Column("description", max_length=200),
        ),
        foreign_keys=(
            ForeignKey("service_id", "services"),
            ForeignKey("service_at_location_id", "service_at_locations"),
        ),
    ),
    Table(
        "service_areas",
        ServiceAreaRow,
        (
            _id(),
            Column("service_id", UUID, required=True),
            Column("name", required=True, max_length=200),
            Column("description"),
            Column("municipio", MUNICIPIO, description="Estensione: vuoto per tutta la città."),
        ),
        foreign_keys=(ForeignKey("service_id", "services"),),
    ),
    Table(
        "taxonomy_terms",
        TaxonomyTermRow,
        (
            _id(),
            Column("code", SLUG, required=True, max_length=60),
            Column("name", required=True, max_length=120),
            Column("name_en", max_length=120),
            Column("description"),
            Column("parent_id", UUID),
            Column("taxonomy", max_length=60),
        ),
        foreign_keys=(ForeignKey("parent_id", "taxonomy_terms"),),
    ),
    Table(
        "service_attributes",
        ServiceAttributeRow,
        (
            Column("link_id", UUID, required=True),
            Column("link_type", LINK_TYPE, required=True),
            Column("taxonomy_term_id", UUID, required=True),
        ),
        primary_key=("link_id", "taxonomy_term_id"),
        foreign_keys=(
            ForeignKey("link_id", "services"),
            ForeignKey("taxonomy_term_id", "taxonomy_terms"),
        ),
        description="Il bisogno (voce della tassonomia) a cui risponde un servizio.",
    ),
    Table(
        "languages",
        LanguageRow,
        (
            Column("service_id", UUID, required=True),
            Column("code", LANGUAGE_CODE, required=True, max_length=8),
        ),
        primary_key=("service_id", "code"),
        foreign_keys=(ForeignKey("service_id", "services"),),
    ),
)
FILE_NAMES: tuple[str, ...] = (DATAPACKAGE, *(table.file for table in TABLES))
_BY_NAME = {table.name: table for table in TABLES}


# --- Reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Read:
    """A parsed row and the CSV row it came from, for the cross-file checks."""

    line: int
    row: Any


@dataclass(frozen=True)
class Existing:
    """What the package meets where it is imported, for the checks a file alone cannot make.

    ``languages`` and ``desk_services`` are the codes that exist (None: not checked). The other
    maps say which row holds a unique value now: a row the package leaves out keeps its value,
    so a package row with another id cannot take it."""

    languages: frozenset[str] | None = None
    desk_services: frozenset[str] | None = None
    taxonomy_codes: Mapping[str, uuid.UUID] = field(default_factory=dict)
    desk_service_holders: Mapping[str, uuid.UUID] = field(default_factory=dict)
    service_at_location_pairs: Mapping[tuple[uuid.UUID, uuid.UUID], uuid.UUID] = field(
        default_factory=dict
    )
    # The moment of the import: nobody verified an entry after it (None: not checked).
    now: datetime.datetime | None = None


def read_package(
    files: Mapping[str, bytes], existing: Existing | None = None
) -> Package | list[PackageError]:
    """The package the files hold, or every error found in them (nothing half-read)."""
    errors: list[PackageError] = []
    for name in sorted(set(files) - set(FILE_NAMES)):
        errors.append(
            PackageError(
                name, None, None, gettext_noop("File sconosciuto: non fa parte del pacchetto.")
            )
        )
    for name in FILE_NAMES:
        if name not in files:
            errors.append(PackageError(name, None, None, gettext_noop("File mancante.")))
    if DATAPACKAGE in files:
        errors.extend(_check_descriptor(files[DATAPACKAGE]))

    tables: dict[str, list[_Read]] = {}
    for table in TABLES:
        if table.file in files:
            tables[table.name] = _read_table(table, files[table.file], errors)

    _check_keys(tables, errors)
    _check_rows(tables, errors)
    if existing is not None:
        _check_existing(tables, existing, errors)
    if errors:
        return errors
    return Package(**{name: tuple(read.row for read in reads) for name, reads in tables.items()})


def _check_descriptor(raw: bytes) -> list[PackageError]:
    try:
        descriptor = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return [PackageError(DATAPACKAGE, None, None, gettext_noop("Non è un file JSON valido."))]
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        return [
            PackageError(
                DATAPACKAGE, None, None, gettext_noop("Manca l'elenco delle risorse («resources»).")
            )
        ]
    return []


def _read_table(table: Table, raw: bytes, errors: list[PackageError]) -> list[_Read]:
    file = table.file
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append(
            PackageError(file, None, None, gettext_noop("Il file non è codificato in UTF-8."))
        )
        return []
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        errors.append(
            PackageError(
                file, None, None, gettext_noop("CSV non leggibile: %(error)s."), {"error": error}
            )
        )
        return []
    if not records:
        errors.append(PackageError(file, 1, None, gettext_noop("Manca la riga di intestazione.")))
        return []

    header = [name.strip() for name in records[0]]
    known = {column.name for column in table.columns}
    problems = False
    for name in sorted({name for name in header if header.count(name) > 1}):
        errors.append(
            PackageError(file, 1, name, gettext_noop("Colonna ripetuta nell'intestazione."))
        )
        problems = True
    for column in table.columns:
        if column.required and column.name not in header:
            errors.append(
                PackageError(file, 1, column.name, gettext_noop("Colonna obbligatoria mancante."))
            )
            problems = True
    if problems:
        return []

    # Columns HSDS has and we do not keep are allowed and ignored.
    positions = {name: index for index, name in enumerate(header) if name in known}
    reads: list[_Read] = []
    for index, record in enumerate(records[1:], start=2):
        if not record or record == [""]:
            continue
        if len(record) != len(header):
            errors.append(
                PackageError(
                    file,
                    index,
                    None,
                    gettext_noop(
                        "La riga ha %(values)d valori, l'intestazione %(columns)d colonne."
                    ),
                    {"values": len(record), "columns": len(header)},
                )
            )
            continue
        values: dict[str, Any] = {}
        good = True
        for column in table.columns:
            if column.name not in positions:
                continue
            cell = record[positions[column.name]].strip()
            if not cell:
                if column.required:
                    errors.append(
                        PackageError(file, index, column.name, gettext_noop("Valore obbligatorio."))
                    )
                    good = False
                continue
            if column.max_length is not None and len(cell) > column.max_length:
                errors.append(
                    PackageError(
                        file,
                        index,
                        column.name,
                        gettext_noop("Testo troppo lungo: al massimo %(limit)d caratteri."),
                        {"limit": column.max_length},
                    )
                )
                good = False
                continue
            try:
                values[column.name] = column.kind.parse(cell)
            except _Bad as bad:
                errors.append(PackageError(file, index, column.name, bad.message, bad.params))
                good = False
        if good:
            reads.append(_Read(index, table.row(**values)))
    return reads


def _check_keys(tables: Mapping[str, list[_Read]], errors: list[PackageError]) -> None:
    keys: dict[str, set[Any]] = {}
    for name, reads in tables.items():
        table = _BY_NAME[name]
        seen: set[Any] = set()
        for read in reads:
            key = tuple(getattr(read.row, column) for column in table.primary_key)
            if key in seen:
                errors.append(
                    PackageError(
                        table.file,
                        read.line,
                        table.primary_key[0],
                        gettext_noop("Identificativo ripetuto: già presente in un'altra riga."),
                    )
                )
            seen.add(key)
        if table.primary_key == ("id",):
            keys[name] = {key[0] for key in seen}

    for name, reads in tables.items():
        table = _BY_NAME[name]
        for foreign in table.foreign_keys:
            if foreign.table not in keys:
                continue  # the referenced file is missing or unreadable: already reported
            target = _BY_NAME[foreign.table].file
            for read in reads:
                value = getattr(read.row, foreign.column)
                if value is not None and value not in keys[foreign.table]:
                    errors.append(
                        PackageError(
                            table.file,
                            read.line,
                            foreign.column,
                            gettext_noop("«%(value)s» non corrisponde a nessun id in %(file)s."),
                            {"value": value, "file": target},
                        )
                    )


def _check_rows(tables: Mapping[str, list[_Read]], errors: list[PackageError]) -> None:
    def unique(name: str, column: str, key: Callable[[Any], Any], message: str) -> None:
        seen: set[Any] = set()
        for read in tables.get(name, []):
            value = key(read.row)
            if value is None:
                continue
            if value in seen:
                errors.append(PackageError(_BY_NAME[name].file, read.line, column, message))
            seen.add(value)

    unique(
        "taxonomy_terms",
        "code",
        lambda row: row.code,
        gettext_noop("Codice ripetuto: ogni voce della tassonomia ha un codice diverso."),
    )
    unique(
        "services",
        "desk_service",
        lambda row: row.desk_service or None,
        gettext_noop("Servizio del dipartimento già collegato a un altro servizio."),
    )
    unique(
        "service_at_locations",
        "location_id",
        lambda row: (row.service_id, row.location_id),
        gettext_noop("Lo stesso servizio è già collegato a questa sede in un'altra riga."),
    )

    for read in tables.get("phones", []):
        row = read.row
        if row.service_id is None and row.organization_id is None and row.location_id is None:
            errors.append(
                PackageError(
                    "phones.csv",
                    read.line,
                    "service_id",
                    gettext_noop(
                        "Il numero non appartiene a niente: indicare service_id, "
                        "organization_id o location_id."
                    ),
                )
            )
    for read in tables.get("schedules", []):
        row = read.row
        if row.service_id is None and row.service_at_location_id is None:
            errors.append(
                PackageError(
                    "schedules.csv",
                    read.line,
                    "service_id",
                    gettext_noop(
                        "L'orario non appartiene a niente: indicare service_id o "
                        "service_at_location_id."
                    ),
                )
            )
        if row.opens_at >= row.closes_at:
            errors.append(
                PackageError(
                    "schedules.csv",
                    read.line,
                    "closes_at",
                    gettext_noop("L'orario di chiusura deve essere dopo quello di apertura."),
                )
            )
        if row.valid_from and row.valid_to and row.valid_from > row.valid_to:
            errors.append(
                PackageError(
                    "schedules.csv",
                    read.line,
                    "valid_to",
                    gettext_noop("La fine della validità è prima dell'inizio."),
                )
            )

    terms = {read.row.id: read for read in tables.get("taxonomy_terms", [])}
    for read in terms.values():
        seen = {read.row.id}
        parent = read.row.parent_id
        while parent is not None and parent in terms:
            if parent in seen:
                errors.append(
                    PackageError(
                        "taxonomy_terms.csv",
                        read.line,
                        "parent_id",
                        gettext_noop("La voce risale a se stessa attraverso i genitori (ciclo)."),
                    )
                )
                break
            seen.add(parent)
            parent = terms[parent].row.parent_id


def _check_existing(
    tables: Mapping[str, list[_Read]], existing: Existing, errors: list[PackageError]
) -> None:
    def taken(
        name: str,
        column: str,
        holders: Mapping[Any, uuid.UUID],
        key: Callable[[Any], Any],
        message: str,
    ) -> None:
        reads = tables.get(name, [])
        ids = {read.row.id for read in reads}
        for read in reads:
            holder = holders.get(key(read.row))
            if holder is not None and holder != read.row.id and holder not in ids:
                errors.append(
                    PackageError(_BY_NAME[name].file, read.line, column, message, {"id": holder})
                )

    if existing.languages is not None:
        for read in tables.get("languages", []):
            if read.row.code not in existing.languages:
                errors.append(
                    PackageError(
                        "languages.csv",
                        read.line,
                        "code",
                        gettext_noop("La lingua «%(value)s» non è nell'elenco delle lingue."),
                        {"value": read.row.code},
                    )
                )
    if existing.now is not None:
        for name in ("organizations", "services"):
            for read in tables.get(name, []):
                verified = read.row.verified_at
                if verified is not None and verified > existing.now:
                    errors.append(
                        PackageError(
                            f"{name}.csv",
                            read.line,
                            "verified_at",
                            gettext_noop("La data di verifica è nel futuro."),
                            {},
                        )
                    )
    if existing.desk_services is not None:
        for read in tables.get("services", []):
            code = read.row.desk_service
            if code and code not in existing.desk_services:
                errors.append(
                    PackageError(
                        "services.csv",
                        read.line,
                        "desk_service",
                        gettext_noop("«%(value)s» non è un servizio del dipartimento."),
                        {"value": code},
                    )
                )
    taken(
        "taxonomy_terms",
        "code",
        existing.taxonomy_codes,
        lambda row: row.code,
        gettext_noop(
            "Il codice è già usato dalla voce %(id)s, che il pacchetto non contiene: "
            "aggiungerla al pacchetto o cambiare codice."
        ),
    )
    taken(
        "services",
        "desk_service",
        existing.desk_service_holders,
        lambda row: row.desk_service or None,
        gettext_noop(
            "Il servizio del dipartimento è già collegato al servizio %(id)s, che il pacchetto "
            "non contiene."
        ),
    )
    taken(
        "service_at_locations",
        "location_id",
        existing.service_at_location_pairs,
        lambda row: (row.service_id, row.location_id),
        gettext_noop(
            "Il servizio è già collegato a questa sede dal collegamento %(id)s, che il "
            "pacchetto non contiene."
        ),
    )


# --- Writing ----------------------------------------------------------------------------------


def write_package(package: Package) -> dict[str, bytes]:
    """The package's files, CSV with a header row (RFC 4180, UTF-8) and the descriptor."""
    files = {table.file: _write_table(table, getattr(package, table.name)) for table in TABLES}
    files[DATAPACKAGE] = (json.dumps(descriptor(), ensure_ascii=False, indent=2) + "\n").encode(
        "utf-8"
    )
    return files


def _write_table(table: Table, rows: Iterable[Any]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in table.columns])
    for row in rows:
        writer.writerow([column.kind.write(getattr(row, column.name)) for column in table.columns])
    return out.getvalue().encode("utf-8")


def descriptor() -> dict[str, Any]:
    """The Frictionless tabular data package descriptor of the format."""
    return {
        "profile": "tabular-data-package",
        "name": "sportello-directory",
        "title": "Rete dei servizi territoriali (HSDS 3.0)",
        "keywords": ["HSDS", "Open Referral", "3.0"],
        "resources": [_resource(table) for table in TABLES],
    }


def _resource(table: Table) -> dict[str, Any]:
    defaults = {item.name: item.default for item in fields(table.row)}
    schema_fields = []
    for column in table.columns:
        entry: dict[str, Any] = {"name": column.name, **column.kind.schema}
        constraints = dict(column.kind.schema.get("constraints", {}))
        if column.required:
            constraints["required"] = True
        if column.max_length is not None:
            constraints["maxLength"] = column.max_length
        if constraints:
            entry["constraints"] = constraints
        if column.description:
            entry["description"] = column.description
        default = defaults.get(column.name)
        if not column.required and default not in (None, "") and not callable(default):
            entry["x-default"] = column.kind.write(default)
        schema_fields.append(entry)
    resource: dict[str, Any] = {
        "name": table.name,
        "path": table.file,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": schema_fields,
            "primaryKey": list(table.primary_key),
            "foreignKeys": [
                {
                    "fields": foreign.column,
                    "reference": {
                        "resource": "" if foreign.table == table.name else foreign.table,
                        "fields": "id",
                    },
                }
                for foreign in table.foreign_keys
            ],
        },
    }
    if table.description:
        resource["description"] = table.description
    return resource
