"""Constraints of request fields: ``msgspec.Meta`` where msgspec enforces them when a body is
decoded and Litestar writes them into the OpenAPI document (one place for both), and the
document's words for the rules a service applies itself.

The text rules are ``validation.text``'s, which the services apply (they trim first, then
check, and say which rule was broken): no control characters, at most so many characters, at
least one visible character when required. The document states them on the value as sent (so
it is a little stricter about surrounding spaces). What a JSON Schema pattern cannot name
(Unicode's "format" category, noncharacters) stays a rule of the service alone.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.params import Parameter

_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_LINE_BREAKING = r"\x00-\x1f\x7f\x85\u2028\u2029"


# An instant (ISO 8601 / RFC 3339 with an offset or Z) of the years 0002 to 9998, those the
# server takes (``clock.parse_instant``), in the document's words.
INSTANT_SCHEMA: dict[str, Any] = {
    "format": "date-time",
    "pattern": r"^(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}"
    r"|99[0-8][0-9]|999[0-8])-",
}
INSTANT = Parameter(schema_extra=INSTANT_SCHEMA)


def text(max_length: int, *, one_line: bool = False, required: bool = True) -> Any:
    """A string of at most ``max_length`` characters without control characters (nor tabs and
    line breaks when ``one_line``); when ``required``, with a character other than a space."""
    refused = _LINE_BREAKING if one_line else _CONTROL
    if required:
        pattern = f"^[^{refused}]*[^\\s{_LINE_BREAKING}\\x80-\\x9f][^{refused}]*$"
    else:
        pattern = f"^[^{refused}]*$"
    return Parameter(schema_extra={"maxLength": max_length, "pattern": pattern})


def items(max_length: int) -> msgspec.Meta:
    """An array of 1 to ``max_length`` items."""
    return msgspec.Meta(min_length=1, max_length=max_length)


def id_pattern(prefix: str, *, max_length: int) -> Any:
    """An id such as ``cd-spring_2026``: the prefix and a dash, then letters, digits, '-' and
    '_' (the services check it, after trimming)."""
    return Parameter(
        schema_extra={"pattern": f"^{prefix}-[A-Za-z0-9_-]+$", "maxLength": max_length}
    )
