"""The SMS gateway the deployment configured (settings SPORTELLO_SMS_*, SPORTELLO_TWILIO_*)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sportello.appointments.sms import ConsoleGateway, FileGateway, SmsGateway, TwilioGateway

BACKENDS = ("console", "file", "twilio")


def gateway_from_settings() -> SmsGateway:
    """Read on each call, so settings overrides (tests) take effect at once."""
    backend = settings.SPORTELLO_SMS_BACKEND
    if backend not in BACKENDS:
        raise ImproperlyConfigured(
            f"SPORTELLO_SMS_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}"
        )
    if backend == "console":
        return ConsoleGateway()
    if backend == "file":
        return FileGateway(settings.SPORTELLO_SMS_FILE_DIR)
    try:
        return TwilioGateway(
            settings.SPORTELLO_TWILIO_ACCOUNT_SID,
            settings.SPORTELLO_TWILIO_AUTH_TOKEN,
            settings.SPORTELLO_TWILIO_FROM,
            base_url=settings.SPORTELLO_TWILIO_URL,
        )
    except ValueError as error:
        # The message names the missing setting's role but never repeats the token.
        raise ImproperlyConfigured(f"SPORTELLO_TWILIO_*: {error}") from error
