"""Callers' numbers as the desk stores them: E.164, Italian numbers without a prefix accepted."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "IT"


def normalise(raw: str) -> str:
    """``"333 123 4567"`` → ``"+393331234567"``; anything that cannot be dialled is refused."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _(
                "“%(number)s” non è un numero di telefono valido: scrivilo con il prefisso, "
                "per esempio 333 123 4567 o +39 02 1234 5678."
            ),
            code="invalid_number",
            params={"number": raw.strip()[:30]},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """How a professional reads the number before dialling it."""
    number = phonenumbers.parse(e164, DEFAULT_REGION)
    if number.country_code == 39:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
