from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sportello.directory.hsds_operations import (
    MAX_ZIP_BYTES,
    ImportReport,
    PackageRefused,
    files_from_zip,
    import_package,
)


def _read(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {
            entry.name: entry.read_bytes() for entry in sorted(path.iterdir()) if entry.is_file()
        }
    if not path.is_file():
        raise CommandError(_("%(path)s non esiste.") % {"path": path})
    if path.stat().st_size > MAX_ZIP_BYTES:
        raise CommandError(_("%(path)s è troppo grande per essere un pacchetto.") % {"path": path})
    return files_from_zip(path.read_bytes())


class Command(BaseCommand):
    help = _(
        "Importa un pacchetto di dati HSDS (archivio .zip o cartella) nella rete dei servizi "
        "territoriali, in un'unica transazione: se il pacchetto ha errori non scrive niente. "
        "Le righe assenti dal pacchetto sono elencate, non cancellate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=_("Archivio .zip o cartella del pacchetto."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Controlla il pacchetto e mostra cosa cambierebbe, senza scrivere niente."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            files = _read(Path(options["path"]))
            report = import_package(
                None, files, dry_run=options["dry_run"], actor_label="manage.py import_directory"
            )
        except PackageRefused as refused:
            for message in refused.messages:
                self.stderr.write(message)
            raise CommandError(
                _("Pacchetto rifiutato (%(n)d errori): non è stato scritto niente.")
                % {"n": len(refused.package_errors)}
            ) from None
        self._print(report)

    def _print(self, report: ImportReport) -> None:
        if report.dry_run:
            self.stdout.write(_("Prova senza scrittura: il database non è cambiato."))
        self.stdout.write(
            _(
                "Aggiunte %(added)d, modificate %(changed)d, invariate %(unchanged)d, "
                "assenti dal pacchetto %(left)d."
            )
            % {
                "added": report.added,
                "changed": report.changed,
                "unchanged": report.unchanged,
                "left": report.left,
            }
        )
        for table in report.tables:
            self.stdout.write(
                _(
                    "  %(table)s: aggiunte %(added)d, modificate %(changed)d, invariate "
                    "%(unchanged)d, assenti %(left)d"
                )
                % {
                    "table": table.table,
                    "added": table.added,
                    "changed": table.changed,
                    "unchanged": table.unchanged,
                    "left": len(table.left),
                }
            )
            for row in table.left:
                self.stdout.write(
                    _("    assente dal pacchetto, non cancellata: %(key)s %(label)s")
                    % {"key": row.key, "label": row.label}
                )
