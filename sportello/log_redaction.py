"""Addresses that carry a credential (a citizen's appointment link, a calendar feed) are written
to the logs without it: Django logs the path of every 4xx answer and of every CSRF refusal, and
a link in a log file is a link anyone reading the logs could open."""

import logging
import re

# The segment after these prefixes is a signed token (see appointments.links, rota feeds).
_CREDENTIAL_IN_PATH = re.compile(
    r"/(appuntamento|appuntamento-annullato|scegli-orario|richiesta-inviata|calendario)/"
    r"[^/\s?\"']+"
)
REDACTED = "[token]"


def redact(text: str) -> str:
    return _CREDENTIAL_IN_PATH.sub(lambda match: f"/{match.group(1)}/{REDACTED}", text)


class RedactTokens(logging.Filter):
    """Rewrites the message and its arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True
