"""Give an installation the desk's records of processing: the entries missing are created, the
ones present (perhaps edited by the DPO) are left as they are."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from sportello.privacy.processing_records import ensure_desk_records


class Command(BaseCommand):
    help = (
        "Create the help desk's entries of the records of processing that are missing; entries "
        "already present are never changed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = ensure_desk_records()
        self.stdout.write(
            _("Registro dei trattamenti: %(n)d trattamenti aggiunti.") % {"n": created}
        )
