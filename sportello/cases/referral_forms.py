"""Forms of the referral pages; the operations in cases.referrals check everything again."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.cases.models import MUNICIPI, ReferralUrgency, SentHow, SharedItem
from sportello.cases.referrals import MAX_NOTE, MAX_REASON, MAX_SUMMARY
from sportello.directory import queries as directory_queries
from sportello.directory.models import Service as DirectoryService
from sportello.form_styling import BootstrapItaliaForm


class ServiceFilterForm(BootstrapItaliaForm):
    """Narrows the list of services (GET): by need and by municipio."""

    bisogno = forms.ChoiceField(label=_("Bisogno"), required=False)
    municipio = forms.TypedChoiceField(
        label=_("Municipio"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[],  # in the request's language: see __init__
    )

    def __init__(self, *args: Any, needs: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipio"].choices = [("", _("Tutta la città"))] + [
            (n, _("Municipio %(n)d") % {"n": n}) for n in range(1, MUNICIPI + 1)
        ]
        self.fields["bisogno"].choices = [("", _("Tutti i bisogni"))] + [
            (term.code, directory_queries.term_name(term)) for term in needs
        ]


class ServiceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: DirectoryService) -> str:
        label = f"{obj.name} – {obj.organization.name}"
        if obj.desk_service_id:
            label += " " + str(_("(servizio del dipartimento: trasferimento interno)"))
        if obj.is_sample:
            label += " " + str(_("(dato di esempio da verificare)"))
        return label


class ProposeReferralForm(BootstrapItaliaForm):
    to_service = ServiceChoice(
        label=_("Servizio a cui inviare"),
        queryset=DirectoryService.objects.none(),
        empty_label=_("Scegli un servizio"),
    )
    reason = forms.CharField(
        label=_("Motivo dell'invio"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    summary = forms.CharField(
        label=_("Sintesi del percorso per il servizio"),
        help_text=_("Finisce nella lettera solo se la persona acconsente a condividerla."),
        required=False,
        max_length=MAX_SUMMARY,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    urgency = forms.ChoiceField(
        label=_("Urgenza"),
        choices=ReferralUrgency.choices,
        initial=ReferralUrgency.ROUTINE,
        widget=forms.RadioSelect,
    )
    shared = forms.MultipleChoiceField(
        label=_("Che cosa la persona acconsente a condividere con il servizio"),
        help_text=_("Nella lettera compare solo ciò che è spuntato qui."),
        choices=SharedItem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_given = forms.BooleanField(
        label=_("La persona ha acconsentito all'invio e a condividere quanto indicato"),
        required=True,
        error_messages={
            "required": _("Serve il consenso della persona all'invio e a ciò che viene condiviso.")
        },
    )

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_service"].queryset = services


class SendForm(BootstrapItaliaForm):
    how = forms.ChoiceField(
        label=_("Come inviare la lettera"), choices=SentHow.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, service: DirectoryService, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        if service.email:
            choices.append(
                (SentHow.EMAIL, _("per email a %(address)s") % {"address": service.email})
            )
        if service.pec_email:
            choices.append(
                (SentHow.PEC, _("per PEC a %(address)s") % {"address": service.pec_email})
            )
        choices.append((SentHow.HANDED, SentHow.HANDED.label))
        self.fields["how"].choices = choices


class AnswerForm(BootstrapItaliaForm):
    accepted = forms.TypedChoiceField(
        label=_("Risposta del servizio"),
        choices=[("1", _("accettato")), ("0", _("rifiutato"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    refusal_reason = forms.CharField(
        label=_("Motivo del rifiuto"),
        help_text=_("Solo se il servizio ha rifiutato."),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FirstAppointmentForm(BootstrapItaliaForm):
    held_at = forms.DateTimeField(
        label=_("Data e ora del primo appuntamento"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )


class CloseReferralForm(BootstrapItaliaForm):
    note = forms.CharField(
        label=_("Nota di chiusura"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
