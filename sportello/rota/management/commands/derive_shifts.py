import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from sportello.rota import queries
from sportello.rota.default_shifts import install_shift_kinds
from sportello.rota.models import ShiftKind
from sportello.services import queries as catalogue


def _clock(value: str) -> datetime.time:
    try:
        return datetime.datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise CommandError(
            _("«%(value)s» non è un orario: scrivere per esempio 13:45.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = _(
        "Ricava i turni dall'orario di apertura settimanale, tagliandolo agli orari indicati "
        "(per esempio --taglio 13:45 dà mattina e pomeriggio), e segnala l'orario scoperto."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--taglio",
            dest="splits",
            action="append",
            default=[],
            metavar="HH:MM",
            help=_("Orario a cui un turno finisce e comincia il successivo (ripetibile)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        splits = tuple(_clock(value) for value in options["splits"])
        organisation = catalogue.current_organisation()
        hours = list(organisation.weekly_hours.all())
        if not hours:
            raise CommandError(_("L'orario settimanale è vuoto: non ci sono turni da ricavare."))
        with transaction.atomic():
            written = install_shift_kinds(ShiftKind, hours, splits)
        self.stdout.write(_("Turni scritti: %(n)d.") % {"n": written})
        for kind in ShiftKind.objects.filter(is_active=True):
            self.stdout.write(f"  {kind.code:<12} {kind} {kind.weekdays}")
        gaps = queries.uncovered_opening_hours()
        for gap in gaps:
            self.stdout.write(
                _("Orario di apertura scoperto: giorno %(day)d, %(start)s–%(end)s")
                % {"day": gap.weekday, "start": f"{gap.starts:%H:%M}", "end": f"{gap.ends:%H:%M}"}
            )
