from django.contrib import admin
from django.db import models as db_models

from sportello.services import models


class EmergencyNumberInline(admin.TabularInline):
    model = models.EmergencyNumber
    extra = 0


class WeeklyHoursInline(admin.TabularInline):
    model = models.WeeklyHours
    extra = 0


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name_it", "switchboard_number", "holiday_subdivision", "patron_saint_it"]
    inlines = [EmergencyNumberInline, WeeklyHoursInline]
    # A website typed without scheme is taken as https:// (Django 6's default).
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}


@admin.register(models.CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "opens", "closes", "reason_it"]
    list_filter = ["kind"]
    date_hierarchy = "day"


@admin.register(models.Competence)
class CompetenceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_it", "name_en"]
    search_fields = ["code", "name_it", "name_en"]


@admin.register(models.Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name_it", "code", "by_phone", "by_video", "is_active", "position"]
    list_editable = ["is_active", "position"]
    filter_horizontal = ["required_competences"]


@admin.register(models.TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name_it", "code", "position"]


@admin.register(models.EmergencyProgramme)
class EmergencyProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name_it", "code", "starts_on", "ends_on"]
    filter_horizontal = ["services", "target_groups"]
