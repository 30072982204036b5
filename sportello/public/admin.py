from django.contrib import admin

from sportello.public import models


class LegalSectionInline(admin.StackedInline):
    model = models.LegalSection
    extra = 0


@admin.register(models.LegalPage)
class LegalPageAdmin(admin.ModelAdmin):
    list_display = ["title_it", "slug", "updated_on"]
    inlines = [LegalSectionInline]


@admin.register(models.PageFeedback)
class PageFeedbackAdmin(admin.ModelAdmin):
    list_display = ["created_at", "page", "rating", "reason", "language"]
    list_filter = ["rating", "page", "language"]
    readonly_fields = ["page", "rating", "reason", "comment", "language", "created_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
