"""Export and import of the directory as an HSDS package: round trip, changes, refusals."""

import pytest

from sportello.directory.hsds_operations import (
    PackageRefused,
    export_package,
    import_package,
)
from sportello.directory.models import Organization, Service, TaxonomyTerm
from sportello.directory.tests.hsds_network import counts, empty_directory, make_network, snapshot
from sportello.privacy.models import AuditEvent
from sportello.testing import rome


@pytest.fixture
def network(milan, frozen_now):
    frozen_now(rome(2026, 3, 2, 10, 0))
    return make_network()


def edit(files: dict[str, bytes], name: str, old: str, new: str) -> dict[str, bytes]:
    text = files[name].decode()
    assert old in text, (old, text)
    return {**files, name: text.replace(old, new, 1).encode()}


def test_round_trip_into_an_empty_directory_gives_the_same_rows(network, make_staff):
    before = snapshot()
    files = export_package()
    empty_directory()
    assert sum(counts().values()) == 0

    report = import_package(make_staff("coordinator"), files)

    assert snapshot() == before
    assert report.changed == report.unchanged == report.left == 0
    assert report.table("services").added == 2
    assert report.table("service_attributes").added == 2
    assert report.table("languages").added == 2
    assert report.table("phones").added == 3
    assert export_package() == files


def test_the_same_package_again_is_all_unchanged(network, make_staff):
    files = export_package()

    report = import_package(make_staff("coordinator"), files)

    assert report.added == report.changed == report.left == 0
    assert report.unchanged == sum(counts().values())
    assert report.table("schedules").unchanged == 2


def test_a_changed_package_reports_and_writes_the_changed_rows(network, make_staff):
    coordinator = make_staff("coordinator")
    Organization.objects.filter(pk=network.organization.pk).update(verified_by=coordinator)
    files = edit(export_package(), "services.csv", "Centro psico-sociale", "CPS Niguarda")
    files = edit(files, "organizations.csv", "2026-01-15T09:00:00", "2026-02-20T09:00:00")
    files = edit(files, "languages.csv", "\r\n", f"\r\n{network.desk.id},ar\r\n")

    report = import_package(coordinator, files)

    assert report.table("services").changed == 1
    assert report.table("services").unchanged == 1
    assert report.table("organizations").changed == 1
    assert report.table("languages").added == 1
    assert report.table("locations").unchanged == 1
    network.cps.refresh_from_db()
    assert network.cps.name.startswith("CPS Niguarda")
    network.organization.refresh_from_db()
    assert network.organization.verified_at == rome(2026, 2, 20, 9, 0)
    # The package says when it was verified, not by whom.
    assert network.organization.verified_by is None
    assert list(network.desk.languages.values_list("code", flat=True)) == ["ar"]


def test_rows_missing_from_the_package_are_listed_and_kept(network, make_staff):
    files = export_package()
    lines = files["services.csv"].decode().split("\r\n")
    files["services.csv"] = "\r\n".join(
        line for line in lines if not line.startswith(str(network.desk.id))
    ).encode()
    # Its service area goes too, or the package would point at a service it does not hold.
    lines = files["service_areas.csv"].decode().split("\r\n")
    files["service_areas.csv"] = "\r\n".join(
        line for line in lines if str(network.desk.id) not in line
    ).encode()

    report = import_package(make_staff("coordinator"), files)

    assert [row.key for row in report.table("services").left] == [str(network.desk.id)]
    assert report.table("services").left[0].label == network.desk.name
    assert len(report.table("service_areas").left) == 1
    assert Service.objects.filter(pk=network.desk.pk).exists()


def test_an_import_writes_one_audit_row(network, make_staff):
    coordinator = make_staff("coordinator")
    before = AuditEvent.objects.count()

    import_package(coordinator, export_package())

    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert (event.actor, event.object_type, event.action) == (
        coordinator,
        "directory",
        "import_package",
    )
    assert event.detail["services"] == {"added": 0, "changed": 0, "unchanged": 2, "left": 0}


def test_a_dry_run_reports_and_writes_nothing(network, make_staff):
    files = edit(export_package(), "services.csv", "Centro psico-sociale", "CPS Niguarda")
    empty_directory()
    audit_before = AuditEvent.objects.count()

    report = import_package(make_staff("coordinator"), files, dry_run=True)

    assert report.dry_run and report.table("services").added == 2
    assert sum(counts().values()) == 0
    assert AuditEvent.objects.count() == audit_before


MALFORMED = [
    # (what, file, change, expected (file, row, column))
    ("bad uuid", "locations.csv", ("{location}", "not-a-uuid"), ("locations.csv", 2, "id")),
    ("bad time", "schedules.csv", ("08:30", "8h30"), ("schedules.csv", None, "opens_at")),
    ("bad municipio", "locations.csv", (",9\r\n", ",12\r\n"), ("locations.csv", 2, "municipio")),
    (
        "dangling foreign key",
        "service_at_locations.csv",
        ("{location}", "99999999-9999-4999-8999-999999999999"),
        ("service_at_locations.csv", 2, "location_id"),
    ),
    (
        "missing column",
        "phones.csv",
        ("number,", "numero,"),
        ("phones.csv", 1, "number"),
    ),
    (
        "unknown language",
        "languages.csv",
        (",en\r\n", ",xx\r\n"),
        ("languages.csv", None, "code"),
    ),
]


@pytest.mark.parametrize(("what", "name", "change", "expected"), MALFORMED)
def test_a_malformed_package_is_refused_and_nothing_is_written(
    network, make_staff, what, name, change, expected
):
    old, new = (part.format(location=network.location.id) for part in change)
    files = edit(export_package(), name, old, new)
    # Something the import would otherwise change, to prove nothing was written.
    files = edit(files, "services.csv", "Centro psico-sociale", "CPS Niguarda")
    before, rows = counts(), snapshot()
    audit_before = AuditEvent.objects.count()

    with pytest.raises(PackageRefused) as refused:
        import_package(make_staff("coordinator"), files)

    places = {(error.file, error.column) for error in refused.value.package_errors}
    assert (expected[0], expected[2]) in places, refused.value.package_errors
    if expected[1] is not None:
        assert expected[:3] in {
            (error.file, error.row, error.column) for error in refused.value.package_errors
        }
    assert all(error.file for error in refused.value.package_errors)
    assert counts() == before
    assert snapshot() == rows
    assert AuditEvent.objects.count() == audit_before


def test_a_duplicate_id_and_a_missing_file_are_refused_together(network, make_staff):
    files = export_package()
    text = files["phones.csv"].decode()
    last = text.strip().split("\r\n")[-1]
    files["phones.csv"] = (text + last + "\r\n").encode()
    del files["service_areas.csv"]
    empty_directory()

    with pytest.raises(PackageRefused) as refused:
        import_package(make_staff("coordinator"), files)

    found = {(error.file, error.row, error.column) for error in refused.value.package_errors}
    assert ("phones.csv", 5, "id") in found
    assert ("service_areas.csv", None, None) in found
    assert "phones.csv, riga 5, colonna id:" in " ".join(refused.value.messages)
    assert sum(counts().values()) == 0


def test_a_code_held_by_a_row_outside_the_package_is_refused(network, make_staff):
    files = export_package()
    TaxonomyTerm.objects.create(code="lutto", name_it="Lutto")
    files = edit(files, "taxonomy_terms.csv", ",crisi,", ",lutto,")

    with pytest.raises(PackageRefused) as refused:
        import_package(make_staff("coordinator"), files)

    assert [(error.file, error.column) for error in refused.value.package_errors] == [
        ("taxonomy_terms.csv", "code")
    ]
    assert TaxonomyTerm.objects.filter(code="crisi").exists()


def test_a_verification_dated_in_the_future_is_refused(network, make_staff):
    import csv
    import io

    files = dict(export_package())
    rows = list(csv.DictReader(io.StringIO(files["services.csv"].decode("utf-8"))))
    rows[0]["verified_at"] = "2099-01-01T09:00:00+01:00"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    files["services.csv"] = out.getvalue().encode("utf-8")
    before = snapshot()

    with pytest.raises(PackageRefused) as refused:
        import_package(make_staff("coordinator"), files)

    assert ("services.csv", 2, "verified_at") in {
        (error.file, error.row, error.column) for error in refused.value.package_errors
    }
    assert snapshot() == before
