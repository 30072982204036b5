"""Bootstrap Italia's classes on Django form widgets, in one place for every form.

Django (5.2) already ties help texts and errors to their inputs (aria-describedby with
``<id>_helptext`` and ``<id>_error``, aria-invalid); templates render the texts with those ids.
"""

from typing import Any

from django import forms

TEXT_WIDGETS = (
    forms.TextInput,
    forms.Textarea,
    forms.EmailInput,
    forms.URLInput,
    forms.DateTimeInput,
)


class BootstrapItaliaForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, TEXT_WIDGETS) and not widget.is_hidden:
                widget.attrs.setdefault("class", "form-control")

    def _post_clean(self) -> None:
        super()._post_clean()
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            classes = widget.attrs.get("class", "") if widget is not None else ""
            if widget is not None and classes.startswith("form-") and "is-invalid" not in classes:
                widget.attrs["class"] = classes + " is-invalid"
