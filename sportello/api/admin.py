from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sportello.api import operations
from sportello.api.models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Clients are created with `manage.py create_api_client`; here they are revoked or rotated."""

    list_display = ["name", "client_id", "token_hint", "is_active", "created_at", "rotated_at"]
    list_filter = ["is_active"]
    readonly_fields = [
        "name",
        "client_id",
        "token_hint",
        "is_active",
        "created_at",
        "rotated_at",
        "revoked_at",
    ]
    fields = readonly_fields
    actions = ["revoke", "rotate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoca i client selezionati"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            operations.revoke_client(client)
        self.message_user(request, _("Client revocati: %(n)d.") % {"n": queryset.count()})

    @admin.action(description=_("Rinnova token e segreto (mostrati una sola volta)"))
    def rotate(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset.filter(is_active=True):
            credentials = operations.rotate_credentials(client)
            # Shown once, in this message only: nothing keeps them in clear afterwards.
            self.message_user(
                request,
                _("Nuove credenziali di %(name)s (copiale ora): %(lines)s")
                % {"name": client.name, "lines": credentials.as_shell().replace("\n", "  ")},
                level=messages.WARNING,
            )
