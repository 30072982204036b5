"""Forms of the case record; the operations check everything again, the forms say it first."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Language, User
from sportello.accounts.roles import Role
from sportello.cases.models import (
    MAX_SESSION_MINUTES,
    MUNICIPI,
    Case,
    ConsentHow,
    Outcome,
    validate_birth_year,
)
from sportello.cases.models import SessionMode as Mode
from sportello.cases.operations import (
    MAX_FULL_NAME,
    MAX_GOALS,
    MAX_NOTES,
    MAX_OTHER_PARTICIPANTS,
    PersonData,
)
from sportello.form_styling import BootstrapItaliaForm
from sportello.intake import phone_numbers
from sportello.intake.models import Contact
from sportello.services.models import Service

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def _when_field(label: Any, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
        input_formats=[LOCAL_MINUTE],
        **kwargs,
    )


def _staff_label(user: User) -> str:
    return user.display_name


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _staff_label(obj)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _staff_label(obj)


class PersonForm(BootstrapItaliaForm):
    anonymous = forms.BooleanField(
        label=_("La persona resta anonima"),
        required=False,
        help_text=_("Si può restare anonimi: la presa in carico usa uno pseudonimo."),
    )
    full_name = forms.CharField(
        label=_("Nome e cognome"),
        required=False,
        max_length=MAX_FULL_NAME,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_year = forms.IntegerField(
        label=_("Anno di nascita"),
        required=False,
        validators=[validate_birth_year],
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
    )
    municipio = forms.TypedChoiceField(
        label=_("Municipio di residenza"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Non indicato"))] + [(n, str(n)) for n in range(1, MUNICIPI + 1)],
    )
    preferred_language = forms.ModelChoiceField(
        label=_("Lingua preferita"),
        required=False,
        queryset=Language.objects.all(),
        empty_label=_("Non indicata"),
    )
    phone = forms.CharField(
        label=_("Telefono"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        error_messages={"invalid": _("Scrivi un indirizzo email valido.")},
    )
    safe_to_message = forms.BooleanField(
        label=_("Si possono inviare messaggi in sicurezza"),
        required=False,
        help_text=_(
            "Conferme e promemoria degli appuntamenti per SMS o email: solo se nessun altro "
            "legge i messaggi della persona e lei è d'accordo. Altrimenti la chiami tu."
        ),
    )
    no_messages = forms.BooleanField(
        label=_("La persona ha chiesto di non ricevere messaggi"),
        required=False,
    )

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        return phone_numbers.normalise(raw) if raw else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name, anonymous = cleaned.get("full_name", "").strip(), cleaned.get("anonymous")
        if anonymous and name:
            self.add_error(
                "full_name",
                _("Una persona anonima non ha nome: togli il nome oppure togli «anonima»."),
            )
        elif not anonymous and not name and "full_name" not in self.errors:
            self.add_error(
                "full_name", _("Scrivi nome e cognome, oppure indica che la persona è anonima.")
            )
        return cleaned

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        language = data.get("preferred_language")
        return PersonData(
            full_name=data.get("full_name", ""),
            birth_year=data.get("birth_year"),
            municipio=data.get("municipio"),
            preferred_language_id=language.pk if language else None,
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            safe_to_message=bool(data.get("safe_to_message")),
            no_messages=bool(data.get("no_messages")),
        )

    @classmethod
    def initial_for(cls, case: Case) -> dict[str, Any]:
        person = case.person
        return {
            "anonymous": not person.identified,
            "full_name": person.full_name,
            "birth_year": person.birth_year,
            "municipio": person.municipio,
            "preferred_language": person.preferred_language_id,
            "phone": person.phone,
            "email": person.email,
            "safe_to_message": person.safe_to_message,
            "no_messages": person.no_messages,
        }


class GoalsForm(BootstrapItaliaForm):
    goals = forms.CharField(
        label=_("Obiettivi della presa in carico"),
        required=False,
        max_length=MAX_GOALS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Che cosa si vuole raggiungere insieme alla persona."),
    )


class OpenCaseForm(PersonForm):
    goals = GoalsForm.base_fields["goals"]


class SessionForm(BootstrapItaliaForm):
    held_at = _when_field(
        _("Svolto il"), error_messages={"required": _("Indica quando si è svolto il colloquio.")}
    )
    mode = forms.ChoiceField(
        label=_("Modalità"),
        choices=Mode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Scegli se al telefono o in videochiamata.")},
    )
    duration_minutes = forms.IntegerField(
        label=_("Durata in minuti"),
        min_value=1,
        max_value=MAX_SESSION_MINUTES,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={
            "required": _("Indica la durata in minuti."),
            "min_value": _("La durata è almeno di 1 minuto."),
            "max_value": _("La durata è al massimo di %(limit_value)s minuti."),
        },
    )
    participants = StaffMultipleChoiceField(
        label=_("Professionisti presenti"),
        required=False,
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    other_participants = forms.CharField(
        label=_("Altre persone presenti"),
        required=False,
        max_length=MAX_OTHER_PARTICIPANTS,
        help_text=_("Per esempio: la persona e sua sorella."),
    )
    notes = forms.CharField(
        label=_("Note del colloquio"),
        required=False,
        max_length=MAX_NOTES,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    next_steps = forms.CharField(
        label=_("Prossimi passi"),
        required=False,
        max_length=MAX_NOTES,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [member.pk for member in case.team.all()]
        if case.primary_professional_id:
            ids.append(case.primary_professional_id)
        self.fields["participants"].queryset = User.objects.filter(pk__in=ids).order_by(  # type: ignore[attr-defined]
            "last_name", "first_name", "username"
        )


class ConsentForm(BootstrapItaliaForm):
    given_how = forms.ChoiceField(
        label=_("Come è stato dato"),
        choices=ConsentHow.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Scegli come è stato dato il consenso.")},
    )
    given_at = _when_field(
        _("Quando"), error_messages={"required": _("Indica quando è stato dato il consenso.")}
    )


class CloseForm(BootstrapItaliaForm):
    outcome = forms.ChoiceField(
        label=_("Esito"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Scegli l'esito della presa in carico.")},
    )


class TransferForm(BootstrapItaliaForm):
    to_service = forms.ChoiceField(
        label=_("Al servizio"),
        error_messages={"required": _("Scegli il servizio.")},
    )
    reason = forms.CharField(
        label=_("Motivo del trasferimento"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Spiega il motivo del trasferimento.")},
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_service"].choices = [("", _("Scegli il servizio"))] + [  # type: ignore[attr-defined]
            (service.code, service.name)
            for service in Service.objects.filter(is_active=True).exclude(pk=case.service_id)
        ]


class AssignForm(BootstrapItaliaForm):
    professional = StaffChoiceField(
        label=_("Professionista di riferimento"),
        queryset=User.objects.none(),
        empty_label=_("Scegli"),
        error_messages={"required": _("Scegli il professionista.")},
    )

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["professional"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                is_active=True,
                groups__name=Role.PROFESSIONAL.value,
                professional_profile__services=service,
            )
            .distinct()
            .order_by("last_name", "first_name", "username")
        )


class TeamForm(BootstrapItaliaForm):
    members = StaffMultipleChoiceField(
        label=_("Équipe"),
        required=False,
        queryset=User.objects.filter(is_active=True, groups__name=Role.PROFESSIONAL.value)
        .distinct()
        .order_by("last_name", "first_name", "username"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("I professionisti che seguono la presa in carico insieme al referente."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = self.fields["members"].queryset.exclude(  # type: ignore[attr-defined]
            pk=case.primary_professional_id
        )


class LinkContactForm(BootstrapItaliaForm):
    contact = forms.CharField(
        label=_("Riferimento del contatto"),
        max_length=20,
        help_text=_("Per esempio SP-2026-000123: un contatto che hai gestito tu."),
        error_messages={"required": _("Scrivi il riferimento del contatto.")},
    )

    def contact_id(self) -> int:
        """The contact's id, or 0 when there is none: the operation says why it refuses."""
        reference = self.cleaned_data["contact"].strip().upper()
        return Contact.objects.filter(reference=reference).values_list("pk", flat=True).first() or 0


class BreakGlassForm(BootstrapItaliaForm):
    reason = forms.CharField(
        label=_("Perché ti serve accedere"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Il motivo resta nel registro degli accessi; i coordinatori del servizio e il "
            "responsabile della protezione dei dati ne sono avvisati."
        ),
        error_messages={"required": _("Scrivi il motivo dell'accesso eccezionale.")},
    )
