"""Sending an SMS, as a plain-Python kernel.

Django stays out of this module (import-linter enforces it): ``sms_settings`` reads the settings
and builds the gateway, ``delivery`` decides what to send and records the outcome. A gateway
sends one text and returns its own id for the message, or raises ``GatewayError`` saying whether
trying again later may help (``transient``) or not.

Whatever a gateway reports back is reduced to codes and statuses: the number and the text are
personal data and never travel into an error (which ends up in the database and the logs).
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import IO, Protocol

__all__ = [
    "TWILIO_URL",
    "ConsoleGateway",
    "FileGateway",
    "GatewayError",
    "SmsGateway",
    "TwilioGateway",
]

TWILIO_URL = "https://api.twilio.com"
_SAFE_REFERENCE = re.compile(r"[^A-Za-z0-9_-]+")


class GatewayError(Exception):
    """The gateway did not take the SMS. ``transient``: the same SMS may go through later
    (network, rate limit, server error); otherwise trying again cannot help (bad number,
    refused credentials) and the message is given up."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class SmsGateway(Protocol):
    def send(self, to: str, text: str, reference: str) -> str:
        """Send ``text`` to ``to`` (E.164); ``reference`` is ours, for the gateway's logs.
        Returns the gateway's id of the message; raises GatewayError."""
        ...


class ConsoleGateway:
    """The demo: the SMS is printed (by the worker, on its console) instead of sent."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def send(self, to: str, text: str, reference: str) -> str:
        identifier = f"console-{uuid.uuid4().hex}"
        stream = self.stream if self.stream is not None else sys.stdout
        stream.write(f"SMS {identifier} ({reference}) to {to}:\n{text}\n{'-' * 79}\n")
        stream.flush()
        return identifier


class FileGateway:
    """One file per SMS in a folder (tests, and the real-worker tests): the file appears whole
    or not at all. A missing or unwritable folder is a transient failure, as a gateway that is
    down would be."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def send(self, to: str, text: str, reference: str) -> str:
        identifier = f"{_SAFE_REFERENCE.sub('-', reference)[:60]}-{uuid.uuid4().hex[:12]}"
        content = f"To: {to}\nReference: {reference}\n\n{text}\n"
        try:
            descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    handle.write(content)
                os.replace(temporary, self.folder / f"{identifier}.sms")
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise GatewayError(
                f"file gateway: folder not writable ({type(error).__name__})", transient=True
            ) from None
        return identifier


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would carry the credentials elsewhere and turn the POST into a GET.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class TwilioGateway:
    """Twilio's Messages REST API: POST {base}/2010-04-01/Accounts/{sid}/Messages.json with
    To, From and Body, HTTP basic authentication with the account SID and auth token; 201 and
    the message's "sid" when Twilio takes it.

    429 (rate limit), 5xx and network failures are transient; any other 4xx is permanent (a
    number Twilio refuses, wrong credentials). Only Twilio's status and error code are kept."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        base_url: str = TWILIO_URL,
        timeout: float = 10.0,
    ) -> None:
        if not account_sid or not auth_token or not from_number:
            raise ValueError("the Twilio account SID, auth token and sender are all required")
        if urllib.parse.urlsplit(base_url).scheme not in ("https", "http"):
            raise ValueError("the Twilio URL must be an http(s) address")
        if timeout <= 0:
            raise ValueError("the Twilio timeout must be positive")
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.from_number = from_number
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def __repr__(self) -> str:  # never the token
        return f"TwilioGateway({self.account_sid!r}, from_number={self.from_number!r})"

    def _request(self, to: str, text: str) -> urllib.request.Request:
        account = urllib.parse.quote(self.account_sid, safe="")
        credentials = base64.b64encode(f"{self.account_sid}:{self._auth_token}".encode()).decode()
        return urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            f"{self.base_url}/2010-04-01/Accounts/{account}/Messages.json",
            data=urllib.parse.urlencode(
                {"To": to, "From": self.from_number, "Body": text}
            ).encode(),
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )

    def send(self, to: str, text: str, reference: str) -> str:
        try:
            with self._opener.open(self._request(to, text), timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            status = error.code
            code = _twilio_error_code(error)
            detail = f"twilio: HTTP {status}" + (f", error {code}" if code is not None else "")
            raise GatewayError(detail, transient=status == 429 or status >= 500) from None
        except (urllib.error.URLError, OSError) as error:  # refused, timed out, DNS, TLS
            reason = error.reason if isinstance(error, urllib.error.URLError) else error
            if isinstance(reason, TimeoutError):
                # No answer in time: Twilio may have taken the SMS all the same, and sending it
                # again could send it twice. The staff see it failed and call the person.
                raise GatewayError(
                    "twilio: no answer in time, outcome unknown", transient=False
                ) from None
            raise GatewayError(
                f"twilio: network error ({type(error).__name__})", transient=True
            ) from None
        try:
            sid = json.loads(body)["sid"]
        except (ValueError, KeyError, TypeError):
            sid = None
        if not isinstance(sid, str) or not sid:
            # Twilio said yes but not what it called the message: it may be on its way, so
            # sending again could send it twice.
            raise GatewayError("twilio: accepted without a message sid", transient=False)
        return sid


def _twilio_error_code(error: urllib.error.HTTPError) -> int | None:
    """Twilio's numeric error code (e.g. 21211, invalid 'To'); its message quotes the number."""
    try:
        value = json.loads(error.read(4096)).get("code")
    except (ValueError, AttributeError, OSError):
        return None
    return value if isinstance(value, int) else None
