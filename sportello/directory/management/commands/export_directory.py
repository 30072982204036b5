from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from sportello.directory import hsds
from sportello.directory.hsds_operations import package_from_database, package_to_zip


class Command(BaseCommand):
    help = _(
        "Esporta la rete dei servizi territoriali come pacchetto di dati HSDS: in un archivio "
        "se il percorso finisce con .zip, altrimenti nei file di una cartella."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=_("Archivio .zip o cartella da scrivere."))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        package = package_from_database()
        files = hsds.write_package(package)
        if path.suffix.lower() == ".zip":
            path.write_bytes(package_to_zip(files))
        else:
            path.mkdir(parents=True, exist_ok=True)
            for name, content in files.items():
                (path / name).write_bytes(content)
        rows = sum(len(getattr(package, table.name)) for table in hsds.TABLES)
        self.stdout.write(
            _("Pacchetto scritto in %(path)s: %(files)d file, %(rows)d righe.")
            % {"path": path, "files": len(files), "rows": rows}
        )
