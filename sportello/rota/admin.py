"""The roster's data, kept by the coordinator: shift kinds, contracts, preferences and coverage.
Plans, absences and swaps have their own pages (they are operations with checks and audit)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sportello.rota import queries
from sportello.rota.models import Contract, CoverageRequirement, ShiftKind, ShiftPreference
from sportello.services.models import Weekday


class WeekdaysField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs: object) -> None:
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        super().__init__(
            choices=Weekday.choices,
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            **kwargs,  # type: ignore[arg-type]
        )

    def prepare_value(self, value: object) -> object:
        return value if isinstance(value, list) else []


class ShiftKindForm(forms.ModelForm):
    weekdays = WeekdaysField(label=_("giorni della settimana"))

    class Meta:
        model = ShiftKind
        fields = [
            "code",
            "name_it",
            "name_en",
            "starts",
            "ends",
            "weekdays",
            "position",
            "is_active",
        ]


class ContractForm(forms.ModelForm):
    weekdays_available = WeekdaysField(label=_("giorni disponibili"))

    class Meta:
        model = Contract
        fields = [
            "user",
            "hours_per_week",
            "weekdays_available",
            "max_shifts_per_week",
            "min_shifts_per_week",
            "max_consecutive_days",
            "is_active",
        ]


@admin.register(ShiftKind)
class ShiftKindAdmin(admin.ModelAdmin):
    form = ShiftKindForm
    list_display = ("name_it", "code", "starts", "ends", "position", "is_active")
    list_editable = ("position", "is_active")


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    form = ContractForm
    list_display = ("user", "hours_per_week", "max_shifts_per_week", "is_active")
    list_filter = ("is_active",)
    search_fields = ("user__username", "user__first_name", "user__last_name")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "user":
            kwargs["queryset"] = queries.shift_staff()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ShiftPreference)
class ShiftPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "weekday", "shift_kind", "wanted", "weight")
    list_filter = ("weekday", "shift_kind", "wanted")
    search_fields = ("user__username", "user__last_name")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "user":
            kwargs["queryset"] = queries.shift_staff()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CoverageRequirement)
class CoverageRequirementAdmin(admin.ModelAdmin):
    list_display = ("weekday", "shift_kind", "competence", "service", "minimum", "source")
    list_filter = ("weekday", "shift_kind", "competence", "service", "source")
