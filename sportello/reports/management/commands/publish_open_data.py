from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sportello.reports import open_data


class Command(BaseCommand):
    help = _(
        "Pubblica i dati aperti di un mese concluso (predefinito: il mese scorso); se i dati "
        "sono cambiati dall'ultima pubblicazione ne esce una nuova versione."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help=_("Mese da pubblicare, nel formato AAAA-MM."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = (
                open_data.parse_month(options["month"])
                if options["month"] is not None
                else open_data.last_month()
            )
            release = open_data.publish_month(month)
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(
            _("Pubblicati i dati aperti di %(month)s, versione %(version)d: %(rows)d righe.")
            % {
                "month": open_data.month_label(release.month),
                "version": release.version,
                "rows": release.rows,
            }
        )
