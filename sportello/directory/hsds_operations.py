"""The directory in and out of an HSDS data package: export from the database, import in one
transaction (all or nothing, with its audit row), and the zip archive the package travels in.

An import adds the package's new rows and updates the changed ones; rows in the database the
package leaves out are listed in the report and kept: removing a service from the network is a
decision for the maintenance pages, not a side effect of a file."""

from __future__ import annotations

import dataclasses
import io
import lzma
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Language, User
from sportello.directory import hsds
from sportello.directory.models import (
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from sportello.privacy.operations import record_audit
from sportello.services import queries as catalogue
from sportello.services.models import Organisation
from sportello.services.models import Service as DeskService
from sportello.services.queries import current_organisation

# A directory is a few thousand rows: far below these, far above any zip bomb's first bite.
MAX_ZIP_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024

TABLE_LABELS = {
    "organizations": _("Enti"),
    "services": _("Servizi"),
    "locations": _("Sedi"),
    "service_at_locations": _("Servizi nelle sedi"),
    "phones": _("Telefoni"),
    "schedules": _("Orari"),
    "service_areas": _("Aree servite"),
    "taxonomy_terms": _("Bisogni (tassonomia)"),
    "service_attributes": _("Bisogni dei servizi"),
    "languages": _("Lingue dei servizi"),
}


def error_message(error: hsds.PackageError) -> str:
    """The error's message in the active language."""
    message = gettext(error.message)
    return message % error.params if error.params else message


def describe(error: hsds.PackageError) -> str:
    """The error with where it is, in the active language (for messages and the console)."""
    where = error.file or gettext("pacchetto")
    if error.row is not None:
        where = gettext("%(file)s, riga %(row)d") % {"file": where, "row": error.row}
    if error.column:
        where = gettext("%(where)s, colonna %(column)s") % {"where": where, "column": error.column}
    return f"{where}: {error_message(error)}"


class PackageRefused(ValidationError):
    """A package (or its zip) that cannot be imported, with every error found in it."""

    def __init__(self, errors: Iterable[hsds.PackageError]) -> None:
        self.package_errors = list(errors)
        super().__init__([describe(error) for error in self.package_errors])


@dataclass(frozen=True)
class LeftRow:
    key: str
    label: str


@dataclass(frozen=True)
class TableReport:
    table: str
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    left: tuple[LeftRow, ...] = ()

    @property
    def label(self) -> str:
        return str(TABLE_LABELS[self.table])


@dataclass(frozen=True)
class ImportReport:
    tables: tuple[TableReport, ...]
    dry_run: bool = False

    def table(self, name: str) -> TableReport:
        return next(report for report in self.tables if report.table == name)

    @property
    def added(self) -> int:
        return sum(report.added for report in self.tables)

    @property
    def changed(self) -> int:
        return sum(report.changed for report in self.tables)

    @property
    def unchanged(self) -> int:
        return sum(report.unchanged for report in self.tables)

    @property
    def left(self) -> int:
        return sum(len(report.left) for report in self.tables)


# --- From the database ------------------------------------------------------------------------


def _local(moment: Any) -> Any:
    return timezone.localtime(moment) if moment is not None else None


def package_from_database() -> hsds.Package:
    """The whole directory as package rows, in a stable order (the same data, the same bytes)."""
    services = Service.objects.select_related("desk_service").order_by("id")
    through_terms = Service.taxonomy_terms.through.objects
    through_languages = Service.languages.through.objects
    return hsds.Package(
        organizations=tuple(_organization_row(row) for row in Organization.objects.order_by("id")),
        services=tuple(_service_row(row) for row in services),
        locations=tuple(_location_row(row) for row in Location.objects.order_by("id")),
        service_at_locations=tuple(
            hsds.ServiceAtLocationRow(
                id=row.id,
                service_id=row.service_id,
                location_id=row.location_id,
                description=row.description,
            )
            for row in ServiceAtLocation.objects.order_by("id")
        ),
        phones=tuple(
            hsds.PhoneRow(
                id=row.id,
                number=row.number,
                service_id=row.service_id,
                organization_id=row.organization_id,
                location_id=row.location_id,
                description=row.description,
            )
            for row in Phone.objects.order_by("id")
        ),
        schedules=tuple(_schedule_row(row) for row in Schedule.objects.order_by("id")),
        service_areas=tuple(
            hsds.ServiceAreaRow(
                id=row.id,
                service_id=row.service_id,
                name=row.name,
                description=row.description,
                municipio=row.municipio,
            )
            for row in ServiceArea.objects.order_by("id")
        ),
        taxonomy_terms=tuple(
            hsds.TaxonomyTermRow(
                id=row.id,
                code=row.code,
                name=row.name_it,
                name_en=row.name_en,
                description=row.description,
                parent_id=row.parent_id,
                taxonomy=row.taxonomy,
            )
            for row in TaxonomyTerm.objects.order_by("id")
        ),
        service_attributes=tuple(
            hsds.ServiceAttributeRow(link_id=service_id, taxonomy_term_id=term_id)
            for service_id, term_id in through_terms.order_by(
                "service_id", "taxonomyterm_id"
            ).values_list("service_id", "taxonomyterm_id")
        ),
        languages=tuple(
            hsds.LanguageRow(service_id=service_id, code=code)
            for service_id, code in through_languages.order_by(
                "service_id", "language__code"
            ).values_list("service_id", "language__code")
        ),
    )


def _organization_row(row: Organization) -> hsds.OrganizationRow:
    return hsds.OrganizationRow(
        id=row.id,
        name=row.name,
        alternate_name=row.alternate_name,
        description=row.description,
        email=row.email,
        website=row.website,
        verified_at=_local(row.verified_at),
        is_sample=row.is_sample,
    )


def _service_row(row: Service) -> hsds.ServiceRow:
    return hsds.ServiceRow(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        alternate_name=row.alternate_name,
        description=row.description,
        url=row.url,
        email=row.email,
        status=row.status,
        eligibility_description=row.eligibility_description,
        application_process=row.application_process,
        fees_description=row.fees_description,
        last_modified=_local(row.last_modified),
        pec_email=row.pec_email,
        free_of_charge=row.free_of_charge,
        open_on_holidays=row.open_on_holidays,
        desk_service=row.desk_service.code if row.desk_service else "",
        verified_at=_local(row.verified_at),
        is_sample=row.is_sample,
    )


def _location_row(row: Location) -> hsds.LocationRow:
    return hsds.LocationRow(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        address_1=row.address_1,
        city=row.city,
        postal_code=row.postal_code,
        region=row.region,
        country=row.country,
        latitude=row.latitude,
        longitude=row.longitude,
        municipio=row.municipio,
    )


def _schedule_row(row: Schedule) -> hsds.ScheduleRow:
    return hsds.ScheduleRow(
        id=row.id,
        byday=row.byday,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        service_id=row.service_id,
        service_at_location_id=row.service_at_location_id,
        freq=row.freq,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        description=row.description,
    )


def export_package() -> dict[str, bytes]:
    """The current directory as the files of an HSDS data package."""
    return hsds.write_package(package_from_database())


# --- Into the database ------------------------------------------------------------------------


def _existing() -> hsds.Existing:
    return hsds.Existing(
        now=catalogue.now(),
        languages=frozenset(Language.objects.values_list("code", flat=True)),
        desk_services=frozenset(DeskService.objects.values_list("code", flat=True)),
        taxonomy_codes=dict(TaxonomyTerm.objects.values_list("code", "id")),
        desk_service_holders=dict(
            Service.objects.filter(desk_service__isnull=False).values_list(
                "desk_service__code", "id"
            )
        ),
        service_at_location_pairs={
            (service_id, location_id): pk
            for pk, service_id, location_id in ServiceAtLocation.objects.values_list(
                "id", "service_id", "location_id"
            )
        },
    )


def read_checked(files: Mapping[str, bytes]) -> hsds.Package:
    """The package, checked against the files and against the database; PackageRefused
    carries every error otherwise."""
    result = hsds.read_package(files, _existing())
    if isinstance(result, list):
        raise PackageRefused(result)
    return result


@transaction.atomic
def import_package(
    actor: User | None,
    files: Mapping[str, bytes],
    *,
    dry_run: bool = False,
    actor_label: str = "",
) -> ImportReport:
    """Bring the directory to what the package says, in one transaction: new rows added,
    changed rows updated, rows the package leaves out listed and kept. Any error refuses the
    whole package (PackageRefused) and nothing is written; a dry run reports and writes nothing."""
    # One import at a time: two coordinators uploading at once would each compare against a
    # database the other is changing.
    Organisation.objects.select_for_update().filter(pk=current_organisation().pk).exists()
    package = read_checked(files)
    current = package_from_database()
    now = catalogue.now()
    try:
        with transaction.atomic():
            report = ImportReport(tables=tuple(_apply(package, current, now)), dry_run=dry_run)
    except IntegrityError:
        # A swap of unique values between rows (two codes exchanged) is beyond the checks.
        raise PackageRefused(
            [
                hsds.PackageError(
                    "",
                    None,
                    None,
                    hsds.gettext_noop(
                        "Il pacchetto scambia tra righe diverse valori che devono restare unici "
                        "(codici, servizi del dipartimento): importarlo in due passaggi."
                    ),
                )
            ]
        ) from None
    if dry_run:
        transaction.set_rollback(True)
        return report
    record_audit(
        actor,
        object_type="directory",
        object_id="hsds-package",
        action="import_package",
        actor_label=actor_label,
        **{
            report_.table: {
                "added": report_.added,
                "changed": report_.changed,
                "unchanged": report_.unchanged,
                "left": len(report_.left),
            }
            for report_ in report.tables
        },
    )
    return report


def _apply(package: hsds.Package, current: hsds.Package, now: Any) -> Iterable[TableReport]:
    # Parents before the rows that point at them: terms, then organizations, then the rest.
    yield _sync(
        "taxonomy_terms",
        _parents_first(package.taxonomy_terms),
        current.taxonomy_terms,
        TaxonomyTerm,
        lambda row, old: {
            "code": row.code,
            "name_it": row.name,
            "name_en": row.name_en,
            "description": row.description,
            "parent_id": row.parent_id,
            "taxonomy": row.taxonomy,
        },
    )
    yield _sync(
        "organizations",
        package.organizations,
        current.organizations,
        Organization,
        lambda row, old: {**_plain(row), **_verified(row, old)},
    )
    desk_services = dict(DeskService.objects.values_list("code", "id"))

    def service_fields(row: hsds.ServiceRow, old: hsds.ServiceRow | None) -> dict[str, Any]:
        values = _plain(row, exclude=("desk_service", "last_modified"))
        values["desk_service_id"] = desk_services[row.desk_service] if row.desk_service else None
        values["last_modified"] = row.last_modified or now
        return {**values, **_verified(row, old)}

    current_services = {row.id: row for row in current.services}
    yield _sync(
        "services",
        [_keep_last_modified(row, current_services.get(row.id)) for row in package.services],
        current.services,
        Service,
        service_fields,
    )
    yield _sync("locations", package.locations, current.locations, Location, _both(_plain))
    yield _sync(
        "service_at_locations",
        package.service_at_locations,
        current.service_at_locations,
        ServiceAtLocation,
        _both(_plain),
    )
    yield _sync("phones", package.phones, current.phones, Phone, _both(_plain))
    yield _sync("schedules", package.schedules, current.schedules, Schedule, _both(_plain))
    yield _sync(
        "service_areas", package.service_areas, current.service_areas, ServiceArea, _both(_plain)
    )
    languages = dict(Language.objects.values_list("code", "id"))
    yield _sync_links(
        "service_attributes",
        {(row.link_id, row.taxonomy_term_id) for row in package.service_attributes},
        {(row.link_id, row.taxonomy_term_id) for row in current.service_attributes},
        lambda pair: Service.taxonomy_terms.through(service_id=pair[0], taxonomyterm_id=pair[1]),
        Service.taxonomy_terms.through,
    )
    yield _sync_links(
        "languages",
        {(row.service_id, row.code) for row in package.languages},
        {(row.service_id, row.code) for row in current.languages},
        lambda pair: Service.languages.through(service_id=pair[0], language_id=languages[pair[1]]),
        Service.languages.through,
    )


def _plain(row: Any, exclude: tuple[str, ...] = ("verified_at",)) -> dict[str, Any]:
    """The row's values under the model's names (the package uses ``*_id`` like the models)."""
    skipped = {"id", "verified_at", *exclude}
    return {
        field.name: getattr(row, field.name)
        for field in dataclasses.fields(row)
        if field.name not in skipped
    }


def _both(fields_of: Callable[[Any], dict[str, Any]]) -> Callable[[Any, Any], dict[str, Any]]:
    return lambda row, old: fields_of(row)


def _verified(row: Any, old: Any) -> dict[str, Any]:
    # The package says when, not who: a new verification date clears the old verifier.
    values: dict[str, Any] = {"verified_at": row.verified_at}
    if old is None or old.verified_at != row.verified_at:
        values["verified_by"] = None
    return values


def _keep_last_modified(row: hsds.ServiceRow, old: hsds.ServiceRow | None) -> hsds.ServiceRow:
    """A package without last_modified does not, by itself, change a service."""
    if row.last_modified is not None or old is None:
        return row
    return dataclasses.replace(row, last_modified=old.last_modified)


def _parents_first(terms: tuple[hsds.TaxonomyTermRow, ...]) -> list[hsds.TaxonomyTermRow]:
    by_id = {term.id: term for term in terms}

    def depth(term: hsds.TaxonomyTermRow) -> int:
        steps = 0
        while term.parent_id in by_id:
            term = by_id[term.parent_id]  # type: ignore[index]
            steps += 1
        return steps

    return sorted(terms, key=depth)


def _sync(
    table: str,
    rows: Iterable[Any],
    current_rows: Iterable[Any],
    model: type[models.Model],
    fields_of: Callable[[Any, Any], dict[str, Any]],
) -> TableReport:
    current = {row.id: row for row in current_rows}
    seen: set[uuid.UUID] = set()
    added = changed = unchanged = 0
    for row in rows:
        seen.add(row.id)
        old = current.get(row.id)
        if old is None:
            model.objects.create(id=row.id, **fields_of(row, None))
            added += 1
        elif old == row:
            unchanged += 1
        else:
            model.objects.filter(pk=row.id).update(**fields_of(row, old))
            changed += 1
    left_ids = [key for key in current if key not in seen]
    labels = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=left_ids)}
    left = tuple(LeftRow(str(key), labels.get(key, "")) for key in left_ids)
    return TableReport(table, added, changed, unchanged, left)


def _sync_links(
    table: str,
    pairs: set[tuple[uuid.UUID, Any]],
    current: set[tuple[uuid.UUID, Any]],
    make: Callable[[tuple[uuid.UUID, Any]], models.Model],
    through: type[models.Model],
) -> TableReport:
    new = sorted(pairs - current, key=str)
    through.objects.bulk_create([make(pair) for pair in new])
    left_pairs = sorted(current - pairs, key=str)
    names = dict(
        Service.objects.filter(pk__in={pair[0] for pair in left_pairs}).values_list("id", "name")
    )
    left = tuple(
        LeftRow(f"{service_id} {other}", f"{names.get(service_id, '')} · {other}")
        for service_id, other in left_pairs
    )
    return TableReport(table, added=len(new), unchanged=len(pairs & current), left=left)


# --- The zip archive --------------------------------------------------------------------------


def package_to_zip(files: Mapping[str, bytes]) -> bytes:
    """The files in a zip, flat, in a stable order with a fixed date (the same data, the same
    archive)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def _zip_error(message: str, file: str = "", **params: object) -> PackageRefused:
    return PackageRefused([hsds.PackageError(file, None, None, message, params)])


def files_from_zip(data: bytes) -> dict[str, bytes]:
    """The package's files out of a zip; PackageRefused for anything but a flat zip of the
    package's own files within the size limits (nothing is extracted to disk)."""
    if len(data) > MAX_ZIP_BYTES:
        raise _zip_error(
            hsds.gettext_noop("L'archivio è troppo grande: al massimo %(limit)d MB."),
            limit=MAX_ZIP_BYTES // (1024 * 1024),
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise _zip_error(hsds.gettext_noop("Il file non è un archivio zip.")) from None
    with archive:
        infos = archive.infolist()
        errors: list[hsds.PackageError] = []
        names: set[str] = set()
        for info in infos:
            name = info.filename
            if "/" in name or "\\" in name or ".." in name or info.is_dir():
                message = hsds.gettext_noop(
                    "L'archivio deve contenere i file direttamente, senza cartelle."
                )
            elif name not in hsds.FILE_NAMES:
                message = hsds.gettext_noop("File sconosciuto: non fa parte del pacchetto.")
            elif name in names:
                message = hsds.gettext_noop("File ripetuto nell'archivio.")
            elif info.flag_bits & 0x1:
                message = hsds.gettext_noop("File cifrato: l'archivio deve essere in chiaro.")
            else:
                names.add(name)
                continue
            errors.append(hsds.PackageError(name, None, None, message))
        if errors:
            raise PackageRefused(errors)
        too_big = _zip_error(
            hsds.gettext_noop(
                "Il contenuto dell'archivio è troppo grande: al massimo %(limit)d MB."
            ),
            limit=MAX_UNCOMPRESSED_BYTES // (1024 * 1024),
        )
        if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
            raise too_big
        files: dict[str, bytes] = {}
        budget = MAX_UNCOMPRESSED_BYTES
        for info in infos:
            # The sizes in the directory may lie: count what really comes out.
            try:
                with archive.open(info) as member:
                    content = member.read(budget + 1)
            except (zipfile.BadZipFile, OSError, NotImplementedError, zlib.error, lzma.LZMAError):
                raise _zip_error(
                    hsds.gettext_noop("Il file è danneggiato nell'archivio."), info.filename
                ) from None
            if len(content) > budget:
                raise too_big
            budget -= len(content)
            files[info.filename] = content
    return files
