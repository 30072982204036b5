"""The operator's shifts as an iCalendar feed that calendar apps subscribe to.

Calendar apps cannot sign in, so the address itself is the credential: it carries the user id
and an HMAC of the user's password hash and a rotation counter. Changing the password or
renewing the address (``renew_feed``) makes every old address stop working."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from sportello.accounts.models import User
from sportello.privacy.operations import record_audit
from sportello.rota import policies, queries
from sportello.rota.models import ChangeReason, Contract
from sportello.services import queries as catalogue

FEED_SALT = "sportello.rota.ical"
DAYS_BACK = 28
DAYS_AHEAD = 84
# How often calendar apps that honour it should fetch the feed again.
REFRESH_INTERVAL = datetime.timedelta(hours=1)


def _signature(user: User, rotation: int) -> str:
    return salted_hmac(
        FEED_SALT, f"{user.pk}:{user.password}:{rotation}", algorithm="sha256"
    ).hexdigest()


def feed_token(user: User, contract: Contract) -> str:
    """``<user id>-<hmac>``: the id makes the lookup one query, the HMAC makes it unguessable."""
    return f"{user.pk}-{_signature(user, contract.feed_rotation)}"


def feed_token_of(user: User) -> str | None:
    """The user's feed token; None without a contract (no shifts, no feed)."""
    contract = Contract.objects.filter(user=user).first()
    return feed_token(user, contract) if contract is not None else None


def user_for_token(token: str) -> User | None:
    """The operator a feed address belongs to, or None for a wrong, old or foreign address."""
    user_id, _dash, signature = token.partition("-")
    if not user_id.isdigit() or not signature:
        return None
    user = (
        User.objects.filter(pk=int(user_id), is_active=True).select_related("rota_contract").first()
    )
    contract = getattr(user, "rota_contract", None) if user is not None else None
    if user is None or contract is None:
        return None
    if not constant_time_compare(signature, _signature(user, contract.feed_rotation)):
        return None
    # Someone whose role no longer includes shifts keeps no window on the roster.
    return user if policies.works_shifts(user) else None


@transaction.atomic
def renew_feed(actor: User) -> Contract:
    """A new feed address for the actor; the old one stops working at once."""
    if not policies.works_shifts(actor):
        raise PermissionDenied(_("Solo chi lavora nei turni ha un calendario dei turni."))
    updated = Contract.objects.filter(user=actor).update(feed_rotation=F("feed_rotation") + 1)
    if not updated:
        raise ValidationError(
            _("Non hai ancora un contratto di turno: il calendario arriverà con il primo turno.")
        )
    contract = Contract.objects.get(user=actor)
    record_audit(
        actor,
        object_type="rota.feed",
        object_id=actor.pk,
        action="renew",
        rotation=contract.feed_rotation,
    )
    return contract


def _uid_domain() -> str:
    return urlsplit(settings.SPORTELLO_SITE_URL).hostname or "sportello.invalid"


CHANGE_NOTES = {
    ChangeReason.SWAP: lambda: _("Turno preso con un cambio turno."),
    ChangeReason.SUBSTITUTE: lambda: _("Turno preso come sostituzione."),
    ChangeReason.MANUAL: lambda: _("Turno aggiunto dal coordinatore."),
}


def feed_for(user: User) -> bytes:
    """The user's effective shifts from four weeks back to twelve weeks ahead, in the active
    language: one event per shift, with a UID that stays the same across fetches so that apps
    update events instead of duplicating them. Nothing about anyone else is in it."""
    now = catalogue.now()
    today = queries.desk_day(now)
    first = today - datetime.timedelta(days=DAYS_BACK)
    last = today + datetime.timedelta(days=DAYS_AHEAD)
    domain = _uid_domain()
    calendar = Calendar.new(
        prodid="-//Sportello//Turni//IT",
        name=_("Turni Sportello"),
        refresh_interval=REFRESH_INTERVAL,
        uid=f"rota-feed-{user.pk}@{domain}",
    )
    for entry in queries.shifts_of(user, first, last):
        change = entry.change
        note = CHANGE_NOTES.get(change.reason) if change is not None else None
        event = Event.new(
            uid=f"{entry.day:%Y%m%d}-{entry.shift_kind.code}-{user.pk}@{domain}",
            # Already in the desk's zone: the events carry it, and the feed its definition.
            start=entry.starts_at,
            end=entry.ends_at,
            stamp=now.astimezone(datetime.UTC),
            summary=_("Turno Sportello: %(shift)s") % {"shift": entry.shift_kind.name},
            description=str(note()) if note else None,
        )
        calendar.add_component(event)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
