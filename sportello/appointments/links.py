"""The citizen's signed links: one to pick a proposed slot, one to see, move or cancel an
appointment. No account is needed, so the link is the credential: it is signed (Django's
signing, keyed by SECRET_KEY), names the row and its key, and dies when the key changes (an
appointment moved or cancelled, an offer answered or withdrawn) or when it expires."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from sportello.appointments.models import Appointment, SlotOffer

APPOINTMENT_SALT = "sportello.appointments.citizen-link"
OFFER_SALT = "sportello.appointments.offer-link"
# An appointment's link keeps working a while after the session, for the person to see it.
APPOINTMENT_LINK_DAYS_AFTER = 7


class LinkError(Exception):
    """The link is forged, expired or replaced: the page says so and shows the phone number."""


def new_key() -> str:
    return secrets.token_urlsafe(16)[:22]


def _token(salt: str, pk: int, key: str) -> str:
    return signing.dumps({"id": pk, "k": key}, salt=salt, compress=True)


def _unsign(token: str, salt: str, max_age: datetime.timedelta) -> tuple[int, str]:
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature as error:  # SignatureExpired is a BadSignature
        raise LinkError(str(error)) from None
    if not isinstance(value, dict) or not isinstance(value.get("id"), int):
        raise LinkError("malformed")
    return value["id"], str(value.get("k", ""))


def appointment_token(appointment: Appointment) -> str:
    return _token(APPOINTMENT_SALT, appointment.pk, appointment.key)


def offer_token(offer: SlotOffer) -> str:
    return _token(OFFER_SALT, offer.pk, offer.key)


def appointment_from_token(token: str, *, now: datetime.datetime) -> Appointment:
    """The appointment a link names, if the link is genuine and still current."""
    # The signature's age bounds how long any link can live; the appointment's own end
    # bounds it further below.
    pk, key = _unsign(token, APPOINTMENT_SALT, datetime.timedelta(days=400))
    appointment = Appointment.objects.select_related("case__person").filter(pk=pk).first()
    if (
        appointment is None
        or not appointment.key
        or not secrets.compare_digest(appointment.key, key)
    ):
        raise LinkError("replaced")
    if now > appointment.ends_at + datetime.timedelta(days=APPOINTMENT_LINK_DAYS_AFTER):
        raise LinkError("expired")
    return appointment


OFFER_LINK_MAX_AGE = datetime.timedelta(days=60)


def offer_from_token(token: str, *, now: datetime.datetime) -> SlotOffer:
    pk, key = _unsign(token, OFFER_SALT, OFFER_LINK_MAX_AGE)
    offer = SlotOffer.objects.select_related("case__person").filter(pk=pk).first()
    if offer is None or not secrets.compare_digest(offer.key, key):
        raise LinkError("replaced")
    return offer


def offer_named_by(token: str) -> SlotOffer | None:
    """The offer a genuine link names even after its key changed, so that the page can say the
    offer was answered or withdrawn; None for a forged or too old link."""
    try:
        pk, _key = _unsign(token, OFFER_SALT, OFFER_LINK_MAX_AGE)
    except LinkError:
        return None
    return SlotOffer.objects.select_related("case").filter(pk=pk).first()


def _absolute(name: str, token: str, language: str) -> str:
    # The link opens in the person's language: /en/… for English, / for Italian.
    with translation.override(language):
        path = reverse(name, args=[token])
    return settings.SPORTELLO_SITE_URL.rstrip("/") + path


def appointment_url(appointment: Appointment, language: str) -> str:
    return _absolute("citizen_appointments:manage", appointment_token(appointment), language)


def offer_url(offer: SlotOffer, language: str) -> str:
    return _absolute("citizen_appointments:choose", offer_token(offer), language)
