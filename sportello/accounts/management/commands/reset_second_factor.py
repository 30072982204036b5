"""Remove a staff member's second factor (a lost or changed phone): the next sign-in enrols."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sportello.accounts import mfa
from sportello.accounts.models import User


class Command(BaseCommand):
    help = (
        "Delete the authenticator apps and recovery codes of USERNAME; at the next sign-in the "
        "user activates the second factor again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The staff member's user name.")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(
                _("Nessun utente con nome «%(username)s»: nulla è stato cambiato.")
                % {"username": username}
            )
        authenticators, recovery_sets = mfa.reset_second_factor(user)
        self.stdout.write(
            _(
                "Secondo fattore di «%(username)s» azzerato: %(authenticators)d app di "
                "autenticazione e %(recovery_sets)d serie di codici di recupero eliminate. Al "
                "prossimo accesso dovrà attivarlo di nuovo."
            )
            % {
                "username": username,
                "authenticators": authenticators,
                "recovery_sets": recovery_sets,
            }
        )
