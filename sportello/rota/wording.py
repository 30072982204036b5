"""How the roster's pages and messages name people, days, shifts and qualifications: one
wording, so that a shift reads the same on the swap form, the coordinator's page and the
refusal that cites it."""

from __future__ import annotations

import datetime

from sportello.accounts.models import User
from sportello.rota.models import ShiftKind
from sportello.services.models import Weekday

# Words an abbreviation skips: "Sostegno alle vittime di reato" is SVR.
_SMALL_WORDS = frozenset(
    {"a", "al", "alla", "alle", "del", "dei", "della", "delle", "di", "e", "ed", "in", "nella"}
    | {"nelle", "nel", "per", "il", "la", "le", "lo", "gli", "i", "of", "the", "and", "for", "to"}
)


def person_name(user: User) -> str:
    return user.display_name


def day_label(day: datetime.date) -> str:
    """ "martedì 01/12/2026"."""
    return f"{Weekday(day.weekday()).label} {day:%d/%m/%Y}"


def shift_label(day: datetime.date, kind: ShiftKind) -> str:
    """How an operator names a shift: "martedì 01/12/2026, Pomeriggio"."""
    return f"{day_label(day)}, {kind.name}"


def shift_hours(kind: ShiftKind) -> str:
    """ "09:30–13:45"."""
    return f"{kind.starts:%H:%M}–{kind.ends:%H:%M}"


def abbreviation(name: str) -> str:
    """A short tag for a competence or service, e.g. "Psicologia clinica" → "PC",
    "Criminologia" → "Cri": short enough for a grid cell."""
    words = [word for word in name.replace("'", " ").split() if word.lower() not in _SMALL_WORDS]
    if len(words) > 1:
        return "".join(word[0].upper() for word in words[:4])
    return words[0][:3].capitalize() if words else name[:3]
