"""The forms of the second factor: a code from the authenticator app, or a recovery code."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sportello.accounts.mfa import normalise_code
from sportello.form_styling import BootstrapItaliaForm

# Codes are typed, never remembered by the browser; phones offer the code from an SMS or app.
CODE_ATTRS = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}


class AuthenticatorCodeForm(BootstrapItaliaForm):
    code = forms.CharField(
        label=_("Codice a 6 cifre"),
        max_length=20,
        help_text=_("Il codice che l'app mostra adesso; cambia ogni 30 secondi."),
        error_messages={"required": _("Scrivi il codice a 6 cifre che l'app mostra.")},
        widget=forms.TextInput(attrs={**CODE_ATTRS, "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError(_("Il codice è fatto di 6 cifre, senza lettere."))
        return code


class SecondFactorForm(BootstrapItaliaForm):
    code = forms.CharField(
        label=_("Codice dell'app o codice di recupero"),
        max_length=40,
        help_text=_(
            "Le 6 cifre che l'app di autenticazione mostra adesso. Senza il telefono, uno dei "
            "codici di recupero di 8 caratteri: ognuno vale una volta sola."
        ),
        error_messages={"required": _("Scrivi il codice dell'app o un codice di recupero.")},
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9A-Za-z]{6,16}", code):
            raise ValidationError(
                _("Il codice contiene solo cifre e lettere: 6 cifre dall'app o 8 caratteri.")
            )
        return code
