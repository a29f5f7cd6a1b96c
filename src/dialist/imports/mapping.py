"""Which column feeds which of Kore's mapping fields (pure).

A header matches a field when both are equal ignoring case, spaces, ``_`` and ``-``, or by a few
common aliases; ``phoneNumber2``, ``phoneNumber3``… are further phone columns. A per-import
``mapping`` (field → column, ``""`` to unmap) overrides the match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from dialist.contacts.models import is_reserved

FIELDS = ("firstName", "lastName", "phoneNumber", "timeZone", "uniqueId", "contactPriority")
PHONE = "phoneNumber"
_EXTRA_PHONE = re.compile(r"(?:phonenumber|phone|mobile)([2-9]|[1-9][0-9])")
_FIELD_KEY = re.compile(r"phoneNumber([2-9]|[1-9][0-9])")
_ALIASES = {
    **{field.lower(): field for field in FIELDS},
    "phone": PHONE,
    "mobile": PHONE,
    "mobilenumber": PHONE,
    "externalid": "uniqueId",
    "customerid": "uniqueId",
    "id": "uniqueId",
    "tz": "timeZone",
    "priority": "contactPriority",
}


def _folded(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).lower()


def is_field(name: str) -> bool:
    """True for a Kore mapping field or an extra phone field (``phoneNumber2``…)."""
    return name in FIELDS or _FIELD_KEY.fullmatch(name) is not None


def not_a_field(name: str) -> str:
    """Why ``name`` cannot be a mapping's key."""
    return f"{name[:64]!r} is not one of {', '.join(FIELDS)} or phoneNumber2, phoneNumber3, …"


def field_of(column: str) -> str | None:
    """The field a column's name matches by itself, if any."""
    folded = _folded(column)
    if folded in _ALIASES:
        return _ALIASES[folded]
    extra = _EXTRA_PHONE.fullmatch(folded)
    return f"{PHONE}{extra.group(1)}" if extra else None


def resolve(columns: Iterable[str], overrides: Mapping[str, str]) -> dict[str, str]:
    """field → column for the columns present: the overrides first, then header matches (the
    first column matching a field wins; later ones stay custom fields)."""
    present = [c for c in columns if c and not is_reserved(c)]
    mapping = {field: column for field, column in overrides.items() if column}
    taken = set(mapping.values())
    for column in present:
        if column in taken:
            continue
        field = field_of(column)
        if field is not None and field not in mapping and field not in overrides:
            mapping[field] = column
            taken.add(column)
    return mapping


class Plan:
    """How a record's columns become a contact's fields, for one set of columns."""

    def __init__(self, columns: Iterable[str], overrides: Mapping[str, str]) -> None:
        self.mapping = resolve(columns, overrides)
        by_column = {column: field for field, column in self.mapping.items()}
        self.targets: dict[str, str] = {}  # column → stored key
        for column in columns:
            if not column or is_reserved(column):
                continue
            field = by_column.get(column)
            if field is not None:
                self.targets[column] = field
            elif column not in self.mapping:
                # (a column named like a field that another column feeds is dropped)
                self.targets[column] = column
        self.phones = sorted(
            (f for f in self.mapping if f != PHONE and f.startswith(PHONE)),
            key=lambda f: int(f[len(PHONE) :]),
        )
