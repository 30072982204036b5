"""The screening form (every question asked, yes or no) and the safety protocol's forms."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.form_styling import BootstrapItaliaForm
from sportello.services.models import TargetGroup
from sportello.triage import questions
from sportello.triage.models import ContactReason, RiskLevel
from sportello.triage.operations import ScreeningInput
from sportello.triage.risk_rules import RISK_QUESTIONS, Answers, Level

YES_NO = [("yes", _("Sì")), ("no", _("No"))]
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ScreeningForm(BootstrapItaliaForm):
    """Each risk question needs an explicit answer: an unasked question must not read as "no"."""

    target_groups = forms.ModelMultipleChoiceField(
        label=_("Gruppo destinatario"),
        queryset=TargetGroup.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Indica almeno un gruppo destinatario.")},
    )
    reasons = forms.ModelMultipleChoiceField(
        label=_("Motivi del contatto"),
        queryset=ContactReason.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Indica almeno un motivo del contatto.")},
    )
    protective_factors = forms.MultipleChoiceField(
        label=_("Fattori di protezione"),
        choices=list(questions.PROTECTIVE_FACTORS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Si registrano per il colloquio: non abbassano il livello calcolato."),
    )
    speaks_for_someone_else = forms.BooleanField(
        label=_("Chi chiama parla per un'altra persona"), required=False
    )
    location = forms.CharField(
        label=_("Dove si trova ora la persona"),
        required=False,
        max_length=300,
        help_text=_("Obbligatorio con rischio alto o imminente: serve ai soccorsi."),
    )
    location_not_disclosed = forms.BooleanField(
        label=_("La persona non ha voluto dire dove si trova"), required=False
    )
    chosen_level = forms.TypedChoiceField(
        label=_("Livello che ritieni corretto"),
        choices=[("", _("Come calcolato dallo strumento")), *RiskLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "Cambialo solo con una motivazione scritta: resterà accanto a quello calcolato."
        ),
    )
    justification = forms.CharField(
        label=_("Motivazione del cambio di livello"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label=_("Note della valutazione"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in RISK_QUESTIONS:
            self.fields[name] = forms.ChoiceField(
                label=questions.QUESTIONS[name],
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": _("Rispondi sì o no a questa domanda.")},
            )

    def question_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(_("Rischio per sé")), [self[name] for name in questions.SELF_QUESTIONS]),
            (str(_("Rischio per altri")), [self[name] for name in questions.OTHERS_QUESTIONS]),
            (str(_("Situazione")), [self[name] for name in questions.CONTEXT_QUESTIONS]),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("location", "").strip() and cleaned.get("location_not_disclosed"):
            self.add_error(
                "location_not_disclosed",
                _("Hai scritto dove si trova la persona: togli la spunta «non ha voluto dirlo»."),
            )
        return cleaned

    def answers(self) -> Answers:
        data = self.cleaned_data
        return Answers(
            **{name: data[name] == "yes" for name in RISK_QUESTIONS},
            protective_factors=frozenset(data["protective_factors"]),
        )

    def to_input(self) -> ScreeningInput:
        data = self.cleaned_data
        chosen = data.get("chosen_level")
        return ScreeningInput(
            answers=self.answers(),
            target_groups=tuple(data["target_groups"]),
            reasons=tuple(data["reasons"]),
            speaks_for_someone_else=data["speaks_for_someone_else"],
            location=data["location"],
            location_not_disclosed=data["location_not_disclosed"],
            chosen_level=Level(chosen) if chosen is not None else None,
            justification=data["justification"],
            notes=data["notes"],
        )


class EmergencyCallForm(BootstrapItaliaForm):
    called_at = forms.DateTimeField(
        label=_("Chiamato alle"),
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M"],
        error_messages={"required": _("Indica quando è stato chiamato il 112.")},
    )
    called_by = forms.CharField(
        label=_("Chi ha chiamato"),
        max_length=150,
        help_text=_("Tu, un collega, la persona stessa, un familiare…"),
        error_messages={"required": _("Indica chi ha chiamato il 112.")},
    )
    incident_number = forms.CharField(
        label=_("Numero dell'intervento (se comunicato)"), required=False, max_length=60
    )
    reach_confirmed = forms.TypedChoiceField(
        label=_("I soccorsi hanno confermato di aver raggiunto la persona?"),
        choices=[("yes", _("Sì")), ("no", _("No")), ("unknown", _("Non ancora"))],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": _("Indica se i soccorsi hanno raggiunto la persona.")},
    )
    note = forms.CharField(
        label=_("Nota"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SupervisorForm(BootstrapItaliaForm):
    supervisor = forms.ModelChoiceField(
        label=_("Coordinatore informato"),
        queryset=User.objects.none(),
        empty_label=_("Scegli il coordinatore"),
        error_messages={"required": _("Scegli il coordinatore che hai informato.")},
    )
    note = forms.CharField(label=_("Nota"), required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = User.objects.filter(is_active=True, groups__name=Role.COORDINATOR.value)
        field = self.fields["supervisor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset.order_by("last_name", "username")
        field.label_from_instance = lambda user: user.display_name


class FollowUpForm(BootstrapItaliaForm):
    due_at = forms.DateTimeField(
        label=_("Ricontattare entro"),
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text=_("Con rischio alto o imminente il ricontatto va fatto in giornata."),
        error_messages={"required": _("Indica entro quando ricontattare la persona.")},
    )
    note = forms.CharField(label=_("Nota"), required=False, max_length=2000)


class SafetyPlanForm(BootstrapItaliaForm):
    note = forms.CharField(
        label=_("Piano di sicurezza concordato"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Segnali d'allarme, strategie per affrontarli, persone e servizi da chiamare, "
            "come rendere l'ambiente più sicuro."
        ),
        error_messages={"required": _("Descrivi il piano di sicurezza concordato.")},
    )


class FollowUpDoneForm(BootstrapItaliaForm):
    note = forms.CharField(label=_("Com'è andato il ricontatto"), required=False, max_length=2000)
