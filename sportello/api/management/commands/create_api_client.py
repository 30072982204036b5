"""Provision an integration and print its credentials once, as lines a shell can source."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.api.operations import create_client


class Command(BaseCommand):
    help = (
        "Create an API client and print SPORTELLO_CLIENT_ID, SPORTELLO_API_TOKEN and "
        "SPORTELLO_HMAC_SECRET once: only their hashes or encrypted forms are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="A name for the integration, e.g. 'centralino-020202'.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            credentials = create_client(options["name"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(credentials.as_shell())
