import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sportello.reports import rollups


def _day(value: str | None, option: str) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("La data di %(option)s non è valida: «%(value)s». Usa il formato AAAA-MM-GG.")
            % {"option": option, "value": value}
        ) from None


class Command(BaseCommand):
    help = _(
        "Aggiorna i riepiloghi delle statistiche: senza date ricalcola i giorni cambiati "
        "dall'ultimo aggiornamento, con --from e --to ricalcola tutti i giorni del periodo."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", help=_("Primo giorno (AAAA-MM-GG)."))
        parser.add_argument("--to", dest="last", help=_("Ultimo giorno compreso (AAAA-MM-GG)."))

    def handle(self, *args: Any, **options: Any) -> None:
        first = _day(options["first"], "--from")
        last = _day(options["last"], "--to")
        if (first is None) != (last is None):
            raise CommandError(_("Indica sia --from sia --to, oppure nessuno dei due."))
        if first is None or last is None:
            days = rollups.refresh_pending()
            self.stdout.write(
                _("Riepiloghi aggiornati: %(days)d giorni ricalcolati.") % {"days": days}
            )
            return
        if last < first:
            raise CommandError(_("Il giorno --to non può precedere il giorno --from."))
        days = rollups.rebuild(first, last)
        self.stdout.write(
            _("Riepiloghi ricalcolati dal %(first)s al %(last)s: %(days)d giorni.")
            % {"first": first.isoformat(), "last": last.isoformat(), "days": days}
        )
