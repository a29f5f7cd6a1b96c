"""Small checks shared by every domain's input rules (pure functions, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar

import msgspec

from dialist.errors import ValidationError

T = TypeVar("T")
_PATH = re.compile(r" - at `\$(.*)`$")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")  # in a name: any control


# Controls, format characters, surrogates, separators (unassigned and private-use characters
# count as visible: an emoji newer than Python's Unicode tables is unassigned here).
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})


def text(
    value: str, *, field: str, max_length: int, required: bool = True, name: bool = False
) -> str:
    """``value`` trimmed; 400 naming ``field`` when empty (if required), too long or odd (a
    ``name`` is one line: no tab or line break either)."""
    cleaned = value.strip()
    if required and all(unicodedata.category(c) in _INVISIBLE for c in cleaned):
        # Nothing visible: empty, or only spaces and format characters such as U+200B.
        raise ValidationError(f"{field} must not be empty", field=field)
    if len(cleaned) > max_length:
        raise ValidationError(f"{field} must be at most {max_length} characters", field=field)
    if (_LINE_BREAKING if name else _CONTROL).search(cleaned):
        what = "control characters, tabs or line breaks" if name else "control characters"
        raise ValidationError(f"{field} must not contain {what}", field=field)
    return cleaned


def has_control_characters(value: str) -> bool:
    """True when ``value`` holds NUL or another control character (tab and newlines allowed)."""
    return _CONTROL.search(value) is not None


def page_window(skip: int, limit: int, *, max_limit: int) -> int:
    """Check ``skip``/``limit`` paging values; the limit to use (larger ones are clamped)."""
    if skip < 0:
        raise ValidationError("skip must be an integer >= 0", field="skip")
    if limit < 1:
        raise ValidationError("limit must be an integer >= 1", field="limit")
    return min(limit, max_limit)


def convert(value: Any, into: type[T]) -> T:
    """``value`` (decoded JSON) as ``into``; a 400 naming the exact path when it does not fit."""
    try:
        return msgspec.convert(value, into)
    except msgspec.ValidationError as error:
        text = str(error)
        found = _PATH.search(text)
        field = found.group(1).lstrip(".") if found else "body"
        message = _PATH.sub("", text).replace(" | null`", "`")
        raise ValidationError(f"{field}: {message}", field=field) from None
