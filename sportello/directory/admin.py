"""The directory in the Django admin, for superusers' repairs and the taxonomy of needs. The
coordinator's everyday maintenance goes through /personale/rete/gestione/, whose operations check
the input and write the audit."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sportello.directory.models import (
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from sportello.services import queries as catalogue

VERIFICATION = ("verified_at", "verified_by")


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(admin.ModelAdmin):
    list_display = ("name_it", "name_en", "code", "parent")
    search_fields = ("name_it", "name_en", "code")


class LocationInline(admin.StackedInline):
    model = Location
    extra = 0


class PhoneInline(admin.TabularInline):
    model = Phone
    extra = 0
    fields = ("number", "description")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "is_sample", "verified_at", "verified_by")
    list_filter = ("is_sample",)
    search_fields = ("name", "alternate_name")
    readonly_fields = VERIFICATION
    inlines = [LocationInline, PhoneInline]


class ServiceAtLocationInline(admin.TabularInline):
    model = ServiceAtLocation
    extra = 0


class ScheduleInline(admin.TabularInline):
    model = Schedule
    extra = 0
    fields = ("byday", "opens_at", "closes_at", "valid_from", "valid_to", "description")


class ServiceAreaInline(admin.TabularInline):
    model = ServiceArea
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "status", "is_sample", "verified_at", "verified_by")
    list_filter = ("status", "is_sample", "free_of_charge", "taxonomy_terms")
    search_fields = ("name", "alternate_name", "organization__name")
    readonly_fields = (*VERIFICATION, "last_modified")
    filter_horizontal = ("taxonomy_terms", "languages")
    inlines = [ServiceAtLocationInline, PhoneInline, ScheduleInline, ServiceAreaInline]

    def save_model(self, request: HttpRequest, obj: Service, form: Any, change: bool) -> None:
        obj.last_modified = catalogue.now()
        super().save_model(request, obj, form, change)
