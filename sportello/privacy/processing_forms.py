"""The DPO's form for one entry of the records of processing."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.form_styling import BootstrapItaliaForm
from sportello.privacy.models import ProcessingActivity
from sportello.privacy.processing_records import EDITABLE_FIELDS


def _label(name: str) -> str:
    return str(ProcessingActivity._meta.get_field(name).verbose_name).capitalize()


class ProcessingActivityForm(BootstrapItaliaForm):
    name = forms.CharField(max_length=200)
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    legal_basis = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    data_subjects = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    data_categories = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    special_categories = forms.BooleanField(required=False)
    recipients = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    transfers = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    retention = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    security_measures = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    controller = forms.CharField(max_length=200)
    processors = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.label = _label(name)
            if field.required:
                field.error_messages["required"] = _("Questo campo è obbligatorio.")
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = _(
                    "Al massimo %(limit_value)d caratteri (ne hai scritti %(show_value)d)."
                )
        self.fields["special_categories"].label = _(
            "Riguarda dati particolari (art. 9 GDPR: salute) o relativi a reati (art. 10)"
        )

    @classmethod
    def for_activity(cls, activity: ProcessingActivity) -> "ProcessingActivityForm":
        return cls(initial={name: getattr(activity, name) for name in EDITABLE_FIELDS})

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}
