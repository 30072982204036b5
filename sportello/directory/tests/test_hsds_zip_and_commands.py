"""The package's zip archive and the export_directory / import_directory commands."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sportello.directory import hsds, hsds_operations
from sportello.directory.hsds_operations import (
    PackageRefused,
    export_package,
    files_from_zip,
    package_to_zip,
)
from sportello.directory.models import Service
from sportello.directory.tests.hsds_network import counts, empty_directory, make_network, snapshot
from sportello.testing import rome


@pytest.fixture
def network(milan, frozen_now):
    frozen_now(rome(2026, 3, 2, 10, 0))
    return make_network()


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def refusal(data: bytes) -> list[hsds.PackageError]:
    with pytest.raises(PackageRefused) as refused:
        files_from_zip(data)
    return refused.value.package_errors


def test_a_zip_holds_the_package_files_as_they_were():
    files = {"organizations.csv": b"id,name\r\n", "datapackage.json": b"{}"}

    assert files_from_zip(package_to_zip(files)) == files
    assert package_to_zip(files) == package_to_zip(dict(reversed(files.items())))


def test_something_else_than_a_zip_is_refused():
    errors = refusal(b"id,name\nnot a zip")

    assert [error.text for error in errors] == ["Il file non è un archivio zip."]


def test_folders_parent_paths_and_unknown_files_are_refused_by_name():
    errors = refusal(
        zipped(
            {
                "package/organizations.csv": b"",
                "../services.csv": b"",
                "notes.txt": b"",
                "datapackage.json": b"{}",
            }
        )
    )

    by_file = {error.file: error.text for error in errors}
    assert set(by_file) == {"package/organizations.csv", "../services.csv", "notes.txt"}
    assert "cartelle" in by_file["package/organizations.csv"]
    assert "cartelle" in by_file["../services.csv"]
    assert "sconosciuto" in by_file["notes.txt"]


def test_a_zip_bomb_is_refused_before_it_is_expanded(monkeypatch):
    monkeypatch.setattr(hsds_operations, "MAX_UNCOMPRESSED_BYTES", 100_000)
    bomb = zipped({"organizations.csv": b"0" * 1_000_000})
    assert len(bomb) < 100_000

    errors = refusal(bomb)

    assert "troppo grande" in errors[0].text


def test_sizes_that_lie_in_the_zip_directory_are_caught_while_reading(monkeypatch):
    monkeypatch.setattr(hsds_operations, "MAX_UNCOMPRESSED_BYTES", 100_000)
    data = bytearray(zipped({"organizations.csv": b"0" * 200_000}))
    # Rewrite the declared size in the central directory to a harmless one.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")

    errors = refusal(bytes(data))

    assert errors[0].text.startswith(("Il contenuto dell'archivio è troppo grande", "Il file"))


def test_export_then_import_commands_round_trip_through_a_zip(network, tmp_path):
    before = snapshot()
    out = io.StringIO()
    call_command("export_directory", str(tmp_path / "rete.zip"), stdout=out)
    assert "rete.zip" in out.getvalue()
    assert set(files_from_zip((tmp_path / "rete.zip").read_bytes())) == set(hsds.FILE_NAMES)
    empty_directory()

    out = io.StringIO()
    call_command("import_directory", str(tmp_path / "rete.zip"), stdout=out)

    assert snapshot() == before
    total = sum(counts().values())
    assert f"Aggiunte {total}, modificate 0, invariate 0, assenti dal pacchetto 0." in (
        out.getvalue()
    )


def test_export_to_a_folder_and_import_it_in_a_dry_run(network, tmp_path):
    folder = tmp_path / "rete"
    call_command("export_directory", str(folder), stdout=io.StringIO())
    assert {path.name for path in folder.iterdir()} == set(hsds.FILE_NAMES)
    services = folder / "services.csv"
    services.write_text(services.read_text().replace("Centro psico-sociale", "CPS"))

    out = io.StringIO()
    call_command("import_directory", str(folder), "--dry-run", stdout=out)

    assert "Prova senza scrittura" in out.getvalue()
    assert "services: aggiunte 0, modificate 1, invariate 1" in out.getvalue()
    assert Service.objects.filter(name__startswith="Centro psico-sociale").exists()


def test_a_bad_package_exits_with_its_errors_and_writes_nothing(network, tmp_path):
    files = export_package()
    files["locations.csv"] = files["locations.csv"].replace(b",9\r\n", b",12\r\n")
    files["services.csv"] = files["services.csv"].replace(b"Centro psico-sociale", b"CPS")
    Path(tmp_path / "bad.zip").write_bytes(package_to_zip(files))
    before, rows = counts(), snapshot()
    err = io.StringIO()

    with pytest.raises(CommandError, match="Pacchetto rifiutato"):
        call_command("import_directory", str(tmp_path / "bad.zip"), stderr=err)

    assert "locations.csv, riga 2, colonna municipio" in err.getvalue()
    assert counts() == before
    assert snapshot() == rows


def test_the_command_exits_non_zero_from_the_shell(network, tmp_path):
    import subprocess
    import sys

    (tmp_path / "bad.zip").write_bytes(b"not a zip")

    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "import_directory", str(tmp_path / "bad.zip")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "sportello.test_settings"},
        check=False,
    )

    assert done.returncode != 0
    assert "non è un archivio zip" in done.stderr


def test_a_zip_with_damaged_compressed_data_is_refused_not_a_crash():
    content = b"id,name\r\n" + b"".join(b"%d,Ente %d\r\n" % (n, n) for n in range(400))
    data = bytearray(zipped({"organizations.csv": content}))
    header = 30 + len("organizations.csv")  # local file header, then the deflated bytes
    for offset in range(header + 10, header + 30):
        data[offset] ^= 0xFF
    errors = refusal(bytes(data))
    assert [error.text for error in errors] == ["Il file è danneggiato nell'archivio."]
