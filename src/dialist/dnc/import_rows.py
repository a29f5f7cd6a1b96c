"""One record of a DNC import file → the entry it asks for, as an item of ``POST …/entries``
(pure: no database).

A column (CSV) or key (NDJSON, JSON) names a field when both are equal ignoring case, spaces,
``_`` and ``-`` (``Phone Number``, ``phone_number``, ``EXPIRES_AT``); ``phone`` also names
``phoneNumber``. When two columns name the same field, the first one feeds it. Other columns
are ignored, so an export of the list (with its ``_id`` and ``createdAt``) imports as it is. An
empty cell (or only spaces, or JSON null) is a field not given, and ``source`` not given is
``import``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from dialist.dnc.import_models import StoredError
from dialist.dnc.models import DncEntryInput

FIELDS = ("phoneNumber", "prefix", "expiresAt", "reason", "source")
DEFAULT_SOURCE = "import"
_ALIASES = {**{field.lower(): field for field in FIELDS}, "phone": "phoneNumber"}


def field_of(column: str) -> str | None:
    """The field a column's name names, if any."""
    return _ALIASES.get(re.sub(r"[\s_\-]+", "", column).lower())


def names_a_value(columns: Iterable[str]) -> bool:
    """Whether some column feeds ``phoneNumber`` or ``prefix`` (a CSV file without one fails
    whole)."""
    return any(field_of(column) in ("phoneNumber", "prefix") for column in columns)


class EntryReader:
    """Turns records into entry items; remembers which column feeds which field for each set
    of columns seen (NDJSON records may differ from one another)."""

    def __init__(self) -> None:
        self._plans: dict[tuple[str, ...], dict[str, str]] = {}

    def _plan(self, columns: tuple[str, ...]) -> dict[str, str]:
        """field → column for these columns."""
        found = self._plans.get(columns)
        if found is None:
            if len(self._plans) > 10_000:
                self._plans.clear()
            found = {}
            for column in columns:
                field = field_of(column)
                if field is not None and field not in found:
                    found[field] = column
            self._plans[columns] = found
        return found

    def item(self, values: dict[str, Any]) -> DncEntryInput | list[StoredError]:
        """The item a record's values ask for, or what is wrong with their types."""
        given: dict[str, str] = {}
        errors: list[StoredError] = []
        for field, column in self._plan(tuple(values)).items():
            text = _text(values[column], number_ok=field == "phoneNumber")
            if text is None:
                errors.append(("VALIDATION_ERROR", field, f"{field} must be text"))
            elif text.strip():
                given[field] = text
        if errors:
            return errors
        given.setdefault("source", DEFAULT_SOURCE)
        return DncEntryInput(**given)


def _text(value: Any, *, number_ok: bool) -> str | None:
    """A value as text ("" for null); None when it cannot be one (a boolean, a nested value,
    a number where only text is taken)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if number_ok and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if number_ok and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None
