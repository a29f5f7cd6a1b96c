"""Constraints of request fields, as ``msgspec.Meta``: msgspec enforces them when a body is
decoded and Litestar writes them into the OpenAPI document, so what the document allows and
what the server accepts come from one place.

The text rules mirror ``validation.text`` (the service still applies it, for the trimming and
its clearer messages): no control characters, at least one visible character when required.
What a JSON Schema pattern cannot name (Unicode's "format" category, noncharacters) stays a
rule of the service alone.
"""

from __future__ import annotations

import msgspec

_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_LINE_BREAKING = r"\x00-\x1f\x7f\x85\u2028\u2029"


def text(max_length: int, *, one_line: bool = False, required: bool = True) -> msgspec.Meta:
    """A string of at most ``max_length`` characters without control characters (nor tabs and
    line breaks when ``one_line``); when ``required``, with a character other than a space."""
    refused = _LINE_BREAKING if one_line else _CONTROL
    if required:
        pattern = f"^[^{refused}]*[^\\s{_LINE_BREAKING}\\x80-\\x9f][^{refused}]*$"
    else:
        pattern = f"^[^{refused}]*$"
    return msgspec.Meta(max_length=max_length, pattern=pattern)


def items(max_length: int) -> msgspec.Meta:
    """An array of 1 to ``max_length`` items."""
    return msgspec.Meta(min_length=1, max_length=max_length)


def prefixed_id(prefix: str) -> msgspec.Meta:
    """A public id such as ``cc-<uuid>``: the prefix, then letters, digits and dashes."""
    return msgspec.Meta(pattern=f"^{prefix}-[0-9A-Za-z-]+$", max_length=64)
