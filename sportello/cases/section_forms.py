"""A service's section of the case as a form built at run time from its SectionField rows.

Answers are stored as one JSON document: text as strings, a choice as its code, several choices
as a list of codes, a date as YYYY-MM-DD, yes/no as true/false; an unanswered question is absent.
The operation validates the document again (validate_answers), so a caller that skips the form
still cannot store an answer the questions do not allow.
"""

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from sportello.cases.models import FieldKind, SectionField
from sportello.form_styling import BootstrapItaliaForm

MAX_TEXT = 200
MAX_LONG_TEXT = 5000
YES, NO = "yes", "no"


def fields_of(service_id: int) -> list[SectionField]:
    return list(SectionField.objects.filter(service_id=service_id).order_by("order", "pk"))


def _required_message(field: SectionField) -> str:
    return _("Rispondi a «%(question)s».") % {"question": field.label}


def _form_field(field: SectionField) -> forms.Field:
    common: dict[str, Any] = {
        "label": field.label,
        "help_text": field.help,
        "required": field.required,
        "error_messages": {"required": _required_message(field)},
    }
    if field.kind == FieldKind.TEXT:
        return forms.CharField(max_length=MAX_TEXT, **common)
    if field.kind == FieldKind.LONG_TEXT:
        return forms.CharField(
            max_length=MAX_LONG_TEXT, widget=forms.Textarea(attrs={"rows": 4}), **common
        )
    if field.kind == FieldKind.CHOICE:
        return forms.ChoiceField(choices=[("", _("Scegli")), *field.choice_pairs()], **common)
    if field.kind == FieldKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=field.choice_pairs(), widget=forms.CheckboxSelectMultiple, **common
        )
    if field.kind == FieldKind.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            input_formats=["%Y-%m-%d"],
            **common,
        )
    return forms.ChoiceField(
        choices=[(YES, _("sì")), (NO, _("no"))], widget=forms.RadioSelect, **common
    )


class SectionForm(BootstrapItaliaForm):
    """Its fields are the service's questions (``section_fields``, in order)."""

    section_fields: list[SectionField] = []


def section_form_class(service_id: int) -> type[SectionForm]:
    """A form class for one service's questions, in the active language."""
    section_fields = fields_of(service_id)
    attributes: dict[str, Any] = {field.code: _form_field(field) for field in section_fields}
    attributes["section_fields"] = section_fields
    return type("ServiceSectionForm", (SectionForm,), attributes)


def initial_from(answers: Mapping[str, Any], section_fields: list[SectionField]) -> dict[str, Any]:
    """The stored document as a form's initial values."""
    kinds = {field.code: field.kind for field in section_fields}
    initial: dict[str, Any] = {}
    for code, value in answers.items():
        if kinds.get(code) == FieldKind.YES_NO:
            initial[code] = YES if value else NO
        else:
            initial[code] = value
    return initial


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _normalised(field: SectionField, value: Any) -> Any:
    """One answer in its stored shape, or ValueError with the message to show."""
    codes = {code for code, _label in field.choice_pairs()}
    if field.kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
        if not isinstance(value, str):
            raise ValueError(_("Scrivi un testo."))
        limit = MAX_TEXT if field.kind == FieldKind.TEXT else MAX_LONG_TEXT
        if len(value) > limit:
            raise ValueError(_("Al massimo %(limit)d caratteri.") % {"limit": limit})
        return value.strip()
    if field.kind == FieldKind.CHOICE:
        if value not in codes:
            raise ValueError(_("Scegli una delle risposte proposte."))
        return value
    if field.kind == FieldKind.MULTIPLE_CHOICE:
        chosen = [value] if isinstance(value, str) else list(value)
        if not all(item in codes for item in chosen):
            raise ValueError(_("Scegli solo tra le risposte proposte."))
        return sorted(set(chosen), key=[code for code, _label in field.choice_pairs()].index)
    if field.kind == FieldKind.DATE:
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                raise ValueError(_("Scrivi una data valida.")) from None
        if not isinstance(value, datetime.date):
            raise ValueError(_("Scrivi una data valida."))
        return value.isoformat()
    if value in (True, YES):
        return True
    if value in (False, NO):
        return False
    raise ValueError(_("Rispondi sì o no."))


def validate_answers(
    section_fields: list[SectionField], answers: Mapping[str, Any]
) -> dict[str, Any]:
    """The answers as stored, or a ValidationError per question (nothing to store then)."""
    known = {field.code: field for field in section_fields}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise ValidationError(
            _("Domande che questo servizio non prevede: %(codes)s.")
            % {"codes": ", ".join(unknown)},
            code="unknown_question",
        )
    document: dict[str, Any] = {}
    for code, field in known.items():
        value = answers.get(code)
        if isinstance(value, str):
            value = value.strip()
        if _empty(value):
            if field.required:
                errors[code] = [_required_message(field)]
            continue
        try:
            document[code] = _normalised(field, value)
        except ValueError as error:
            errors[code] = [str(error)]
    if errors:
        raise ValidationError(errors)
    return document


def display_rows(
    section_fields: list[SectionField], answers: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """(question, answer) in the active language, for the case page; unanswered as a dash."""
    rows = []
    for field in section_fields:
        value = answers.get(field.code)
        labels = dict(field.choice_pairs())
        if _empty(value):
            shown = "–"
        elif field.kind == FieldKind.CHOICE:
            shown = labels.get(value, value)
        elif field.kind == FieldKind.MULTIPLE_CHOICE:
            shown = ", ".join(labels.get(item, item) for item in value)
        elif field.kind == FieldKind.DATE:
            shown = formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        elif field.kind == FieldKind.YES_NO:
            shown = _("sì") if value else _("no")
        else:
            shown = str(value)
        rows.append((str(field.label), shown))
    return rows
