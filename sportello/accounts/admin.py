from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from sportello.accounts import models


class ProfessionalProfileInline(admin.StackedInline):
    model = models.ProfessionalProfile
    can_delete = False
    filter_horizontal = ["competences", "services", "languages"]


@admin.register(models.User)
class StaffUserAdmin(UserAdmin):
    inlines = [ProfessionalProfileInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    list_filter = ["groups", "is_active"]


@admin.register(models.Profession)
class ProfessionAdmin(admin.ModelAdmin):
    list_display = ["name_it", "name_en", "code"]


@admin.register(models.Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name_it", "name_en", "code"]
