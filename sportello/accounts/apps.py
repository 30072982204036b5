from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sportello.accounts"
    label = "accounts"
    verbose_name = _("Personale e ruoli")

    def ready(self) -> None:
        from sportello.accounts.roles import sync_role_groups

        # Permissions exist only after every app migrated, so the groups are synced then.
        post_migrate.connect(sync_role_groups, dispatch_uid="sportello.accounts.sync_role_groups")
