"""The hash chain behind the append-only logs.

Each row's hash covers the row's content and the hash of the row before it, so changing,
removing or reordering any row breaks the chain from that row on. The first row of a log links
to GENESIS.

Plain Python, no Django: the models say which fields a row has; this module only says how the
fields are written down (the canonical form) and hashed, which must never change once rows exist.
"""

import datetime
import hashlib
import json
import re
from collections.abc import Mapping

GENESIS = "0" * 64

_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")

Plain = None | bool | int | float | str | list["Plain"] | dict[str, "Plain"]


def _plain(value: object) -> Plain:
    """The JSON value a field stands for; anything that could be written two ways is refused."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive instant means different moments on different servers.
            raise ValueError(f"naive datetime in a chained row: {value!r}")
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        plain: dict[str, Plain] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"non-string key in a chained row: {key!r}")
            plain[key] = _plain(item)
        return plain
    raise TypeError(f"a chained row cannot hold {type(value).__name__}: {value!r}")


def canonical(fields: Mapping[str, object]) -> str:
    """One text for one content: keys sorted, no spaces, instants in UTC to the microsecond."""
    return json.dumps(
        _plain(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def row_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    """sha256(prev_hash + canonical(fields)) in lowercase hex."""
    if not _HEX_DIGEST.fullmatch(prev_hash):
        raise ValueError(f"not a sha256 hex digest: {prev_hash!r}")
    return hashlib.sha256((prev_hash + canonical(fields)).encode("utf-8")).hexdigest()
