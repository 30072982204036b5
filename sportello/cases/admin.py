from django.contrib import admin

from sportello.cases.models import SectionField

# Only the questions of the service sections are edited here: case records are never shown in
# the admin, whose pages do not go through the case policy or the access log.


@admin.register(SectionField)
class SectionFieldAdmin(admin.ModelAdmin):
    list_display = ("service", "order", "code", "label_it", "kind", "required")
    list_filter = ("service", "kind")
    ordering = ("service", "order")
