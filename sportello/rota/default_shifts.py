"""Shift kinds derived from the opening hours: how a new desk gets its first pattern.

Used by the data migration (Milan: morning 9:30–13:45, afternoon 13:45–18:00), by
``manage.py derive_shifts`` for another city, and by the test fixtures."""

import datetime
from collections import defaultdict
from typing import Any

from sportello.rota.shift_templates import derive_templates

DEFAULT_SPLIT = (datetime.time(13, 45),)

_NAMES = (  # (starts before, code, Italian, English)
    (datetime.time(12, 0), "morning", "Mattina", "Morning"),
    (datetime.time(18, 0), "afternoon", "Pomeriggio", "Afternoon"),
    (datetime.time(23, 59), "evening", "Sera", "Evening"),
)


def _name(starts: datetime.time) -> tuple[str, str, str]:
    for before, code, name_it, name_en in _NAMES:
        if starts < before:
            return code, name_it, name_en
    return _NAMES[-1][1:]


def install_shift_kinds(
    shift_kind_model: Any, weekly_hours: Any, split_at: tuple[datetime.time, ...] = DEFAULT_SPLIT
) -> int:
    """Create the shift kinds that cover ``weekly_hours`` (rows with weekday/opens/closes) cut at
    ``split_at``; existing kinds with the same code are updated, other kinds retired. Returns how
    many were written."""
    weekly: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
    for row in weekly_hours:
        weekly[row.weekday].append((row.opens, row.closes))
    templates = derive_templates(weekly, split_at)
    used: dict[str, int] = defaultdict(int)
    written = []
    for position, template in enumerate(templates):
        code, name_it, name_en = _name(template.starts)
        used[code] += 1
        if used[code] > 1:
            code, name_it, name_en = (
                f"{code}_{used[code]}",
                f"{name_it} {used[code]}",
                f"{name_en} {used[code]}",
            )
        shift_kind_model.objects.update_or_create(
            code=code,
            defaults={
                "name_it": name_it,
                "name_en": name_en,
                "starts": template.starts,
                "ends": template.ends,
                "weekdays": list(template.weekdays),
                "position": position,
                "is_active": True,
            },
        )
        written.append(code)
    # Kinds an earlier derivation made and this one did not would overlap the new ones: retired,
    # not deleted, since published plans still name them.
    shift_kind_model.objects.exclude(code__in=written).update(is_active=False)
    return len(templates)
