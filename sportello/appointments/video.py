"""Video rooms for appointments, as a plain-Python kernel.

Django stays out of this module (import-linter enforces it): the Django side reads the settings
and passes them in (``sportello.appointments.video_settings``), so that the part that decides
who may enter which room, and when, can be type-checked strictly and tested alone.

A provider makes two things: an unguessable room name per appointment, and the link one
participant opens. ``JitsiProvider`` targets a self-hosted Jitsi Meet; when the deployment
configures the secret shared with Jitsi's token authentication, the link carries a JWT bound to
the room and valid only around the appointment, so an old link cannot open the room later.
``LinkOnlyProvider`` is the demo: no video server, only the link that would be sent.

Only the display name the caller passes reaches the video server: the Django side passes a
neutral name, never the citizen's.
"""

from __future__ import annotations

import base64
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import jwt

__all__ = [
    "JITSI_AUDIENCE",
    "MIN_SECRET_BYTES",
    "ROOM_PREFIX",
    "JitsiProvider",
    "JoinLink",
    "LinkOnlyProvider",
    "Participant",
    "RoomTokenError",
    "VideoProvider",
    "new_room_name",
]

# Readable in a server's logs and room list; says nothing about the person or the reason.
ROOM_PREFIX = "sportello-"
# 160 random bits. Base32 in lower case because Jitsi folds room names to lower case (the XMPP
# room address is case-insensitive): mixed-case names would lose entropy and could collide.
_ROOM_RANDOM_BYTES = 20
_ROOM_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
_JITSI_ROOM_NAME = re.compile(r"[a-z0-9_-]{1,128}")

# The audience Jitsi's token authentication (prosody's token_verification) expects.
JITSI_AUDIENCE = "jitsi"
_ALGORITHM = "HS256"
# RFC 7518 §3.2: an HS256 key at least as long as the hash; shorter keys are guessable offline
# from any link that leaks.
MIN_SECRET_BYTES = 32
_MAX_NAME_LENGTH = 100
_CLAIMS = ("aud", "iss", "sub", "room", "nbf", "exp", "iat", "context")


class RoomTokenError(ValueError):
    """A room token that must not open the room: forged, for another room, or out of time."""


@dataclass(frozen=True)
class Participant:
    """Who opens a link: the display name shown in the room, and whether they lead it."""

    name: str
    moderator: bool

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("a participant needs a display name")
        if len(self.name) > _MAX_NAME_LENGTH:
            raise ValueError(f"a display name has at most {_MAX_NAME_LENGTH} characters")
        if any(not character.isprintable() for character in self.name):
            raise ValueError("a display name cannot contain control characters")
        if not isinstance(self.moderator, bool):
            raise ValueError(f"moderator must be True or False, not {self.moderator!r}")


@dataclass(frozen=True)
class JoinLink:
    """The link one participant opens, and the window in which it lets them in.

    ``demo`` is true when no video server is configured: the link only shows what would be sent.
    """

    url: str
    opens_at: datetime
    closes_at: datetime
    demo: bool

    def is_open(self, at: datetime) -> bool:
        _require_aware(at, "at")
        return self.opens_at <= at < self.closes_at


class VideoProvider(Protocol):
    """What the appointments need from a video service; another service implements the same."""

    def new_room(self) -> str:
        """A new room name, unique and unguessable, only of ``[A-Za-z0-9_-]``."""
        ...

    def join_url(
        self,
        room: str,
        *,
        starts_at: datetime,
        ends_at: datetime,
        participant: Participant,
        now: datetime,
    ) -> JoinLink:
        """The link ``participant`` opens to join ``room`` for the session ``starts_at-ends_at``."""
        ...


def new_room_name() -> str:
    random_part = base64.b32encode(secrets.token_bytes(_ROOM_RANDOM_BYTES)).decode("ascii")
    return ROOM_PREFIX + random_part.rstrip("=").lower()


def _require_aware(moment: datetime, name: str) -> None:
    if not isinstance(moment, datetime):
        raise ValueError(f"{name} must be a datetime, not {moment!r}")
    # A naive time would be read in the server's zone and shift the window by hours.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, not naive: {moment!r}")


def _check_room(room: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(room, str) or not pattern.fullmatch(room):
        raise ValueError(f"not a valid room name: {room!r}")
    return room


def _check_margin(margin: timedelta, name: str) -> timedelta:
    if not isinstance(margin, timedelta) or margin < timedelta(0):
        raise ValueError(f"{name} must be a timedelta >= 0, not {margin!r}")
    return margin


def _check_base_url(url: str, name: str) -> str:
    if not isinstance(url, str):
        raise ValueError(f"{name} must be a URL, not {url!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an http(s) URL with a host, not {url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"{name} cannot have a query or a fragment: {url!r}")
    return url.rstrip("/")


@dataclass(frozen=True)
class _Window:
    opens_at: datetime
    closes_at: datetime


def _window(
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    opens_before: timedelta,
    closes_after: timedelta,
) -> _Window:
    _require_aware(starts_at, "starts_at")
    _require_aware(ends_at, "ends_at")
    _require_aware(now, "now")
    if ends_at <= starts_at:
        raise ValueError(f"the session must end after it starts: {starts_at} - {ends_at}")
    return _Window(opens_at=starts_at - opens_before, closes_at=ends_at + closes_after)


class LinkOnlyProvider:
    """The demo provider: no video server; the link under the site shows what would be sent."""

    def __init__(
        self,
        site_url: str,
        opens_before: timedelta,
        closes_after: timedelta,
        *,
        path: str = "video-demo",
    ) -> None:
        self.site_url = _check_base_url(site_url, "site_url")
        if not _ROOM_NAME.fullmatch(path):
            raise ValueError(f"not a valid path segment: {path!r}")
        self.path = path
        self.opens_before = _check_margin(opens_before, "opens_before")
        self.closes_after = _check_margin(closes_after, "closes_after")

    def new_room(self) -> str:
        return new_room_name()

    def join_url(
        self,
        room: str,
        *,
        starts_at: datetime,
        ends_at: datetime,
        participant: Participant,
        now: datetime,
    ) -> JoinLink:
        _check_room(room, _ROOM_NAME)
        window = _window(starts_at, ends_at, now, self.opens_before, self.closes_after)
        return JoinLink(
            url=f"{self.site_url}/{self.path}/{room}",
            opens_at=window.opens_at,
            closes_at=window.closes_at,
            demo=True,
        )


class JitsiProvider:
    """Rooms on a self-hosted Jitsi Meet, with signed room tokens when ``secret`` is set.

    ``app_id`` and ``secret`` are the ``app_id`` / ``app_secret`` of Jitsi's token
    authentication. The token's ``sub`` is the Jitsi domain (the host of ``base_url``) unless
    ``subject`` says otherwise (``"*"`` accepts any domain, a tenant name a multi-tenant server).
    """

    def __init__(
        self,
        base_url: str,
        app_id: str,
        secret: str,
        opens_before: timedelta,
        closes_after: timedelta,
        *,
        subject: str | None = None,
    ) -> None:
        self.base_url = _check_base_url(base_url, "base_url")
        if not isinstance(app_id, str) or not app_id.strip():
            raise ValueError("app_id cannot be empty")
        if not isinstance(secret, str):
            raise ValueError("secret must be a string (empty: links without a token)")
        if secret and len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            raise ValueError(f"the Jitsi secret must be at least {MIN_SECRET_BYTES} bytes long")
        self.app_id = app_id
        self._secret = secret
        self.opens_before = _check_margin(opens_before, "opens_before")
        self.closes_after = _check_margin(closes_after, "closes_after")
        host = urlsplit(self.base_url).hostname
        self.subject = subject if subject is not None else (host or "*")
        if not self.subject:
            raise ValueError("subject cannot be empty")

    def __repr__(self) -> str:
        # Never the secret: providers end up in logs and error reports.
        signed = "signed" if self._secret else "unsigned"
        return f"JitsiProvider({self.base_url!r}, app_id={self.app_id!r}, {signed})"

    @property
    def signs_tokens(self) -> bool:
        return bool(self._secret)

    def new_room(self) -> str:
        return new_room_name()

    def join_url(
        self,
        room: str,
        *,
        starts_at: datetime,
        ends_at: datetime,
        participant: Participant,
        now: datetime,
    ) -> JoinLink:
        _check_room(room, _JITSI_ROOM_NAME)
        if not isinstance(participant, Participant):
            raise ValueError(f"participant must be a Participant, not {participant!r}")
        window = _window(starts_at, ends_at, now, self.opens_before, self.closes_after)
        url = f"{self.base_url}/{room}"
        if self._secret:
            url += "?jwt=" + self._token(room, window, participant, now)
        return JoinLink(url=url, opens_at=window.opens_at, closes_at=window.closes_at, demo=False)

    def _token(self, room: str, window: _Window, participant: Participant, now: datetime) -> str:
        # Whole seconds, rounded outwards: the room must be open for the whole window.
        claims: dict[str, Any] = {
            "aud": JITSI_AUDIENCE,
            "iss": self.app_id,
            "sub": self.subject,
            "room": room,
            "nbf": math.floor(window.opens_at.timestamp()),
            "exp": math.ceil(window.closes_at.timestamp()),
            "iat": math.floor(now.timestamp()),
            "context": {"user": {"name": participant.name, "moderator": participant.moderator}},
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def verify(self, token: str, room: str, at: datetime) -> dict[str, Any]:
        """The claims of ``token`` if it opens ``room`` at instant ``at``; RoomTokenError if not.

        Checks what Jitsi checks, so the tests prove the links the server will accept.
        """
        _require_aware(at, "at")
        if not self._secret:
            raise RoomTokenError("no Jitsi secret is configured: links carry no token")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=JITSI_AUDIENCE,
                issuer=self.app_id,
                # The window is checked below against ``at``, not against the clock.
                options={
                    "require": list(_CLAIMS),
                    "strict_aud": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as error:
            raise RoomTokenError(f"invalid room token: {error}") from error
        if claims["room"] != room:
            raise RoomTokenError(f"the token is for room {claims['room']!r}, not {room!r}")
        if claims["sub"] != self.subject:
            raise RoomTokenError(f"the token is for domain {claims['sub']!r}")
        instant = at.timestamp()
        times = [claims[name] for name in ("nbf", "exp", "iat")]
        if not all(isinstance(value, int) and not isinstance(value, bool) for value in times):
            raise RoomTokenError("the token's times must be whole seconds")
        nbf, exp, iat = times
        if instant < nbf or instant < iat:
            raise RoomTokenError("the room is not open yet for this token")
        if instant >= exp:
            raise RoomTokenError("the token has expired")
        return claims
