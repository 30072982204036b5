"""Forms of the coordinator's staffing pages: the calculator, and the week the staffing page
shows."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sportello.form_styling import BootstrapItaliaForm
from sportello.rota import demand, erlang, queries
from sportello.rota.serializers import MAX_AHT_S, MAX_CALLS, MAX_PERIOD_S, MAX_TARGET_S
from sportello.services.models import Service

# A week further than this from today lies beyond any roster (and the calendar's last weeks
# have no next week to link to).
FARTHEST_WEEK_DAYS = 100 * 366


def _number(step: str = "any", **attrs: str) -> forms.NumberInput:
    # NumberInput is not one of the text widgets BootstrapItaliaForm styles.
    return forms.NumberInput(attrs={"class": "form-control", "step": step, **attrs})


def _messages(required: str) -> dict[str, Any]:
    return {
        "required": required,
        "invalid": _("Scrivi un numero."),
        "min_value": _("Il valore minimo è %(limit_value)s."),
        "max_value": _("Il valore massimo è %(limit_value)s."),
    }


class ErlangCalculatorForm(BootstrapItaliaForm):
    """One interval of demand and the service the desk promises; percentages, as people say
    them (the API takes fractions)."""

    calls = forms.FloatField(
        label=_("Contatti attesi nell'intervallo"),
        min_value=0,
        max_value=MAX_CALLS,
        help_text=_("Quanti contatti arrivano, ad esempio dalla previsione della mezz'ora."),
        error_messages=_messages(_("Indica quanti contatti arrivano nell'intervallo.")),
        widget=_number(inputmode="decimal"),
    )
    period_s = forms.IntegerField(
        label=_("Durata dell'intervallo (secondi)"),
        min_value=1,
        max_value=MAX_PERIOD_S,
        initial=1800,
        help_text=_("1800 secondi è mezz'ora."),
        error_messages=_messages(_("Indica la durata dell'intervallo.")),
        widget=_number(step="1", inputmode="numeric"),
    )
    aht_s = forms.FloatField(
        label=_("Durata media di un contatto (secondi)"),
        min_value=1,
        max_value=MAX_AHT_S,
        help_text=_("Conversazione più il lavoro che segue (note, invii), in media."),
        error_messages=_messages(_("Indica la durata media di un contatto.")),
        widget=_number(inputmode="decimal"),
    )
    target_s = forms.IntegerField(
        label=_("Tempo di risposta obiettivo (secondi)"),
        min_value=0,
        max_value=MAX_TARGET_S,
        initial=60,
        help_text=_("Entro quanti secondi si vuole rispondere."),
        error_messages=_messages(_("Indica il tempo di risposta obiettivo.")),
        widget=_number(step="1", inputmode="numeric"),
    )
    service_level = forms.FloatField(
        label=_("Livello di servizio (%)"),
        initial=80,
        help_text=_("Percentuale dei contatti a cui rispondere entro il tempo obiettivo."),
        error_messages=_messages(_("Indica il livello di servizio.")),
        widget=_number(inputmode="decimal"),
    )
    max_occupancy = forms.FloatField(
        label=_("Occupazione massima degli operatori (%)"),
        required=False,
        initial=85,
        help_text=_(
            "Quota del tempo che un operatore passa nei contatti; oltre l'85% non resta "
            "respiro tra una conversazione difficile e l'altra. Vuoto: nessun limite."
        ),
        error_messages=_messages(_("Indica l'occupazione massima.")),
        widget=_number(inputmode="decimal"),
    )
    shrinkage = forms.FloatField(
        label=_("Tempo in turno non dedicato ai contatti (%)"),
        required=False,
        initial=30,
        help_text=_("Pause, formazione, supervisione, riunioni (shrinkage). Vuoto: 0%."),
        error_messages=_messages(_("Indica il tempo non dedicato ai contatti.")),
        widget=_number(inputmode="decimal"),
    )

    def clean_service_level(self) -> float:
        value: float = self.cleaned_data["service_level"]
        if not 0 < value < 100:
            raise forms.ValidationError(
                _("Il livello di servizio è una percentuale maggiore di 0 e minore di 100.")
            )
        return value

    def clean_max_occupancy(self) -> float | None:
        value: float | None = self.cleaned_data["max_occupancy"]
        if value is not None and not 0 < value <= 100:
            raise forms.ValidationError(
                _("L'occupazione massima è una percentuale maggiore di 0 e fino a 100.")
            )
        return value

    def clean_shrinkage(self) -> float:
        value: float | None = self.cleaned_data["shrinkage"]
        if value is None:
            return 0.0
        if not 0 <= value < 100:
            raise forms.ValidationError(
                _("Il tempo non dedicato ai contatti va da 0 a meno di 100%.")
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        calls, period_s, aht_s = (cleaned.get(name) for name in ("calls", "period_s", "aht_s"))
        if None not in (calls, period_s, aht_s):
            traffic = calls * aht_s / period_s  # type: ignore[operator]
            if traffic > erlang.MAX_TRAFFIC_ERLANGS:
                raise forms.ValidationError(
                    _(
                        "Troppi contatti per la durata dell'intervallo: il calcolo arriva a "
                        "%(max)s operatori impegnati contemporaneamente."
                    )
                    % {"max": f"{erlang.MAX_TRAFFIC_ERLANGS:.0f}"}
                )
        return cleaned

    def target(self) -> erlang.StaffingTarget:
        data = self.cleaned_data
        cap = data["max_occupancy"]
        return erlang.StaffingTarget(
            service_level=data["service_level"] / 100,
            target_s=data["target_s"],
            max_occupancy=None if cap is None else cap / 100,
            shrinkage=data["shrinkage"] / 100,
        )

    def staffing(self) -> erlang.StaffingResult:
        data = self.cleaned_data
        return erlang.staffing(data["calls"], data["period_s"], data["aht_s"], self.target())


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return str(obj.name)


class StaffingWeekForm(BootstrapItaliaForm):
    """Which week to look at, over how much history, for the desk or one service (a GET form:
    its address can be bookmarked)."""

    settimana = forms.DateField(
        label=_("Settimana del giorno"),
        required=False,
        help_text=_("Un giorno qualsiasi della settimana; vuoto: questa settimana."),
        error_messages={"invalid": _("Scrivi una data valida, ad esempio 02/03/2026.")},
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    settimane = forms.IntegerField(
        label=_("Settimane di storico"),
        required=False,
        min_value=1,
        max_value=demand.MAX_WEEKS,
        initial=demand.DEFAULT_WEEKS,
        help_text=_("Da 1 a 52: quante settimane di contatti usare per la media."),
        error_messages={
            "invalid": _("Scrivi un numero intero."),
            "min_value": _("Il valore minimo è %(limit_value)s."),
            "max_value": _("Il valore massimo è %(limit_value)s."),
        },
        widget=forms.NumberInput(
            attrs={"class": "form-control", "step": "1", "inputmode": "numeric"}
        ),
    )
    servizio = ServiceChoiceField(
        label=_("Servizio"),
        queryset=Service.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        empty_label=_("Tutto lo sportello"),
        error_messages={"invalid_choice": _("Scegli un servizio dell'elenco.")},
    )

    def clean_settimana(self) -> datetime.date | None:
        day: datetime.date | None = self.cleaned_data.get("settimana")
        if day is not None and abs((day - queries.desk_today()).days) > FARTHEST_WEEK_DAYS:
            raise ValidationError(_("Scegli una settimana entro cento anni da oggi."))
        return day

    def week(self, today: datetime.date) -> datetime.date:
        return queries.monday_of(self.cleaned_data.get("settimana") or today)

    def weeks(self) -> int:
        return self.cleaned_data.get("settimane") or demand.DEFAULT_WEEKS
