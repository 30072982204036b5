"""The logs in the admin, for the DPO to browse: nobody adds, changes or deletes a row there."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sportello.privacy.models import AccessLog, AuditEvent


class ReadOnlyLogAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyLogAdmin):
    list_display = [
        "seq",
        "at",
        "username",
        "roles",
        "action",
        "object_type",
        "object_id",
        "case_id",
        "break_glass",
        "ip_address",
    ]
    list_filter = ["action", "break_glass", "object_type"]
    search_fields = ["username", "object_id"]
    date_hierarchy = "at"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyLogAdmin):
    list_display = [
        "seq",
        "at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "case_id",
        "contact_id",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id"]
    date_hierarchy = "at"
