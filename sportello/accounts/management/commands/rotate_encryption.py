"""Re-encrypt personal data under the newest key of SPORTELLO_ENCRYPTION_KEYS."""

from typing import Any

from django.core.management.base import BaseCommand

from sportello.field_encryption import forget_keys, reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the first key of SPORTELLO_ENCRYPTION_KEYS; "
        "afterwards the older keys can be removed from the setting."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        forget_keys()
        changed = reencrypt_all()
        self.stdout.write(f"Re-encrypted values: {changed}")
