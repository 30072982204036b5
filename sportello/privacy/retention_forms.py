"""The DPO's edit of one retention rule."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.form_styling import BootstrapItaliaForm
from sportello.privacy import retention
from sportello.privacy.models import RetentionAction, RetentionRule


class RetentionRuleForm(BootstrapItaliaForm):
    months = forms.IntegerField(
        label=_("Mesi di conservazione"),
        min_value=retention.MIN_MONTHS,
        max_value=retention.MAX_MONTHS,
        help_text=_("Da %(min)d a %(max)d mesi.")
        % {"min": retention.MIN_MONTHS, "max": retention.MAX_MONTHS},
        error_messages={
            "required": _("Indica per quanti mesi si conservano i dati."),
            "invalid": _("I mesi sono un numero intero."),
            "min_value": _("Il numero di mesi deve essere almeno %(limit_value)s."),
            "max_value": _("Il numero di mesi può essere al massimo %(limit_value)s."),
        },
    )
    action = forms.ChoiceField(
        label=_("Alla scadenza"),
        choices=RetentionAction.choices,
        error_messages={
            "required": _("Scegli cosa fare alla scadenza."),
            "invalid_choice": _("Scegli un'azione dell'elenco."),
        },
    )
    active = forms.BooleanField(label=_("Regola attiva"), required=False)
    basis = forms.CharField(
        label=_("Motivazione"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            "required": _("Scrivi perché i dati si conservano per questo periodo."),
            "max_length": _("La motivazione è lunga al massimo %(limit_value)d caratteri."),
        },
    )

    def __init__(self, *args: Any, rule: RetentionRule, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "months": rule.months,
                "action": rule.action,
                "active": rule.active,
                "basis": rule.basis,
            },
        )
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["months"].widget.attrs.setdefault("class", "form-control")
        kind = retention.KIND_BY_CODE.get(rule.record_kind)
        if kind is not None:
            self.fields["action"].choices = [
                (value, label) for value, label in RetentionAction.choices if value in kind.actions
            ]

    def clean_basis(self) -> str:
        basis = self.cleaned_data["basis"].strip()
        if not basis:
            raise forms.ValidationError(
                _("Scrivi perché i dati si conservano per questo periodo."), code="required"
            )
        return basis
