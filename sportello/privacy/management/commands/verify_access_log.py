"""Check that nobody changed the chained logs: every hash recomputed, every link and number."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sportello.privacy.chained_logs import LOGS, ChainBreak, Problem, verify


def describe(broken: ChainBreak) -> str:
    if broken.problem == Problem.CONTENT_CHANGED:
        return _("il contenuto della riga è stato modificato (l'hash ricalcolato non corrisponde)")
    if broken.problem == Problem.LINK_BROKEN:
        return _("la riga non è collegata all'hash della riga precedente")
    if broken.problem == Problem.MISSING_ROWS and broken.row_id is None:
        return _(
            "mancano le ultime righe: la catena ne contava %(expected)s, ne restano %(found)s"
        ) % {
            "expected": broken.expected,
            "found": broken.found,
        }
    if broken.problem == Problem.MISSING_ROWS:
        return _("mancano righe: attesa la n. %(expected)s, trovata la n. %(found)s") % {
            "expected": broken.expected,
            "found": broken.found,
        }
    return _(
        "l'ultima riga non è quella registrata in testa alla catena: righe aggiunte o cambiate "
        "fuori dalla catena"
    )


class Command(BaseCommand):
    help = (
        "Verify the hash chains of the access log, the audit log and the contacts' log: prints "
        "OK and the number of rows for each, or the first broken row and exits with status 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--log",
            choices=[*LOGS, "all"],
            default="all",
            help="Which log to verify (default: all).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = list(LOGS) if options["log"] == "all" else [options["log"]]
        failures = []
        for name in names:
            model = apps.get_model(LOGS[name])
            report = verify(model)
            label = f"{model._meta.verbose_name_plural} ({report.log})"
            if report.broken is None:
                counted = ngettext("OK: %(rows)d riga", "OK: %(rows)d righe", report.rows)
                self.stdout.write(f"{label}: " + counted % {"rows": report.rows})
                continue
            broken = report.broken
            failures.append(
                _("%(log)s: catena interrotta alla riga n. %(seq)d (id %(id)s): %(problem)s.")
                % {
                    "log": label,
                    "seq": broken.seq,
                    "id": broken.row_id if broken.row_id is not None else "—",
                    "problem": describe(broken),
                }
            )
        if failures:
            raise CommandError("\n".join(failures))
