"""Only the list of contact reasons is edited in the admin: screenings are health data and are
read through the pages that log every read."""

from django.contrib import admin

from sportello.triage.models import ContactReason


@admin.register(ContactReason)
class ContactReasonAdmin(admin.ModelAdmin):
    list_display = ("name_it", "name_en", "code", "position", "active")
    list_editable = ("position", "active")
    search_fields = ("code", "name_it", "name_en")
