import json
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sportello.services.catalogue_loader import CatalogueError, install_catalogue


class Command(BaseCommand):
    help = _(
        "Installa o aggiorna il catalogo di un ente da un file JSON (vedi catalogues/milano.json)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help=_("percorso del file JSON del catalogo"))

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(_("File non trovato: %(path)s") % {"path": path}) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(
                _("Il file %(path)s non è un JSON valido: %(error)s")
                % {"path": path, "error": error}
            ) from None
        try:
            counts = install_catalogue(data, apps.get_model)
        except CatalogueError as error:
            raise CommandError(
                _("Catalogo non valido, nessuna modifica salvata. %(error)s") % {"error": error}
            ) from None
        summary = ", ".join(f"{section}: {count}" for section, count in counts.items())
        self.stdout.write(
            self.style.SUCCESS(_("Catalogo installato (%(summary)s).") % {"summary": summary})
        )
