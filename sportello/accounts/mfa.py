"""The second factor of staff who can see health data: who must use it, and its devices.

An authenticator app (TOTP) confirms each sign-in; ten one-time recovery codes stand in for a
lost phone. The devices are django-otp's; this module is the one place that creates, checks,
renews and removes them, each change written to the security log.
"""

import logging
import re
import textwrap
from base64 import b32encode
from dataclasses import dataclass

import django_otp
import segno
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sportello.accounts.models import User
from sportello.accounts.roles import Role

AUTHENTICATOR_NAME = "Sportello"
RECOVERY_DEVICE_NAME = "Codici di recupero"
RECOVERY_CODE_COUNT = 10
# Roles that open case records, notes and risk screenings (Art. 9 GDPR health data).
HEALTH_DATA_ROLES = (Role.PROFESSIONAL, Role.COORDINATOR)

security_log = logging.getLogger("sportello.security")


def must_use_second_factor(user: User | AnonymousUser) -> bool:
    """Whether this signed-in user must confirm the session with a second factor.

    Superusers are included: the admin shows them every record, health data too.
    """
    if not (settings.SPORTELLO_REQUIRE_MFA and isinstance(user, User) and user.is_active):
        return False
    return user.is_superuser or any(user.has_role(role) for role in HEALTH_DATA_ROLES)


def has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice

    @property
    def secret(self) -> str:
        """The key as authenticator apps accept it typed in, in groups of four."""
        return display_code(b32encode(self.device.bin_key).decode("ascii"))

    def qr_code_svg(self, title: str) -> SafeString:
        svg = segno.make(self.device.config_url, error="m").svg_inline(
            scale=5, border=4, dark="#000", light="#fff", title=title, svgclass="mfa-qr-code"
        )
        # segno escapes the title and writes nothing else that came from outside.
        return mark_safe(svg)  # noqa: S308


@transaction.atomic
def start_enrolment(user: User) -> Enrolment:
    """The user's pending authenticator, created on first visit and kept until confirmed, so
    that reloading the page does not invalidate a QR code already scanned."""
    pending = list(
        TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk")
    )
    if pending:
        device = pending[0]
        TOTPDevice.objects.filter(pk__in=[extra.pk for extra in pending[1:]]).delete()
    else:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return Enrolment(device)


def confirm_enrolment(user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code it shows; returns the device and the new
    recovery codes (shown once, never again). A wrong code raises ValidationError and confirms
    nothing; django-otp's own throttle still counts the failure."""
    if has_authenticator(user):
        raise ValidationError(_("Il secondo fattore è già attivo per il tuo account."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise ValidationError(_("L'attivazione è scaduta: ricarica la pagina e riprova."))
    _require_attempt_allowed(device)
    if django_otp.verify_token(user, device.persistent_id, code) is None:
        security_log.warning("second factor enrolment: wrong code (user %s)", user.pk)
        raise ValidationError(
            _("Il codice non è corretto. Scrivi le 6 cifre che l'app mostra adesso.")
        )
    return _confirm(user, device)


@transaction.atomic
def _confirm(user: User, device: TOTPDevice) -> tuple[TOTPDevice, list[str]]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = _new_codes(recovery)
    security_log.info("second factor enrolled (user %s)", user.pk)
    return device, codes


@dataclass(frozen=True)
class Verification:
    user: User
    device: TOTPDevice | StaticDevice
    used_recovery_code: bool

    @property
    def recovery_codes_left(self) -> int:
        """Counted when asked: only a sign-in with a recovery code needs it."""
        return recovery_codes_left(self.user)


def verify(user: User, code: str) -> Verification:
    """Check a code from the authenticator (6 digits) or a recovery code (consumed on use).
    The caller then marks the session verified with ``django_otp.login``."""
    code = normalise_code(code)
    if re.fullmatch(r"\d{6}", code):
        devices: list[TOTPDevice | StaticDevice] = list(
            TOTPDevice.objects.devices_for_user(user, confirmed=True)
        )
    else:
        # Recovery codes are base32 (no 0, 1, 8, 9): a 1 or 0 read off paper meant l or o.
        code = code.lower().translate(str.maketrans("10", "lo"))
        devices = list(StaticDevice.objects.devices_for_user(user, confirmed=True))
    for device in devices:
        _require_attempt_allowed(device)
        if django_otp.verify_token(user, device.persistent_id, code) is not None:
            used_recovery_code = isinstance(device, StaticDevice)
            security_log.info(
                "second factor verified with %s (user %s)",
                "a recovery code" if used_recovery_code else "the authenticator",
                user.pk,
            )
            return Verification(user, device, used_recovery_code)
    security_log.warning("second factor: wrong code (user %s)", user.pk)
    raise ValidationError(
        _(
            "Il codice non è corretto o è già stato usato. Scrivi le 6 cifre che l'app mostra "
            "adesso, oppure uno dei codici di recupero."
        )
    )


@transaction.atomic
def regenerate_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes replace the old ones. The device itself is kept: a session
    verified with a recovery code stays verified."""
    recovery = StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).first()
    if recovery is None:
        recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    recovery.token_set.all().delete()
    codes = _new_codes(recovery)
    security_log.info("recovery codes regenerated (user %s)", user.pk)
    return codes


@transaction.atomic
def reset_second_factor(user: User) -> tuple[int, int]:
    """Remove the user's authenticators and recovery codes (a lost phone): the next sign-in
    enrols again. Returns how many authenticators and recovery-code sets were removed."""
    authenticators = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
    recovery_sets = (
        StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0)
    )
    security_log.info("second factor reset (user %s)", user.pk)
    return authenticators, recovery_sets


def normalise_code(code: str) -> str:
    """People copy codes with spaces or dashes between the groups."""
    return re.sub(r"[\s-]", "", code)


def display_code(code: str) -> str:
    return " ".join(textwrap.wrap(code, 4))


def _new_codes(recovery: StaticDevice) -> list[str]:
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    return codes


def _require_attempt_allowed(device: TOTPDevice | StaticDevice) -> None:
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise ValidationError(
            _("Troppi codici errati di seguito: attendi qualche secondo e riprova."),
            code="throttled",
        )
