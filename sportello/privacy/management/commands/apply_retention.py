"""Apply the retention rules: a dry run reports what has expired, a real run pseudonymises or
deletes it in batches (the nightly task does the same; this is for the DPO and operators)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from sportello.privacy import retention
from sportello.services import queries as catalogue


class Command(BaseCommand):
    help = (
        "Apply the retention rules as of a day (default: now). --dry-run only reports, per kind "
        "of record, what is due and what a legal hold keeps."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report only, change nothing.")
        parser.add_argument(
            "--as-of", default="", help="Measure retention from the start of this day (YYYY-MM-DD)."
        )
        parser.add_argument(
            "--batch-size", default="500", help="Records per transaction (default 500)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = self._as_of(options["as_of"])
        batch_size = self._batch_size(options["batch_size"])
        retention.ensure_default_rules()
        try:
            run = retention.apply(as_of, batch_size=batch_size, dry_run=options["dry_run"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        heading = _("Prova (nessuna modifica)") if run.dry_run else _("Esecuzione")
        self.stdout.write(f"{heading} n. {run.pk}, {timezone.localtime(run.as_of):%Y-%m-%d %H:%M}")
        for code, line in run.report.items():
            self.stdout.write(
                _(
                    "%(kind)s: da trattare %(due)d, trattenuti da un vincolo %(held)d, "
                    "fatti %(done)d"
                )
                % {
                    "kind": retention.kind_label(code),
                    "due": line["due"],
                    "held": line["held"],
                    "done": line["done"],
                }
            )

    @staticmethod
    def _as_of(text: str) -> datetime.datetime:
        if not text:
            return catalogue.now()
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            raise CommandError(
                _("Data non valida: %(text)s. Scrivila come AAAA-MM-GG.") % {"text": text}
            ) from None
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

    @staticmethod
    def _batch_size(text: str) -> int:
        try:
            size = int(text)
        except ValueError:
            size = 0
        if size < 1:
            raise CommandError(
                _("Il numero di record per lotto deve essere un numero intero da 1 in su.")
            )
        return size
