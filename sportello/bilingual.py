"""Catalogue texts are data in Italian with an English translation: `<field>_it`, `<field>_en`."""

from typing import Any

from django.utils.translation import get_language


class Localized:
    """Reads `<name>_<language>` for the active language, falling back to Italian when empty."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.base = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        language = (get_language() or "it").split("-")[0]
        value = getattr(obj, f"{self.base}_{language}", "") if language != "it" else ""
        return value or getattr(obj, f"{self.base}_it")
