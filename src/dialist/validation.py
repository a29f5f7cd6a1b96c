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


# Characters a name must not hold although they look like nothing, or like something else:
# bidi controls (U+202E turns "exe.txt" into "txt.exe" on screen), zero-width characters and
# joiners, tag characters; all of Unicode's "format" category. Noncharacters are refused too.
_FORMAT_CATEGORY = "Cf"
NAME_KEY_LENGTH = 192  # the stored key's column (``lname``)


def _is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _refused_in_name(char: str) -> bool:
    category = unicodedata.category(char)
    return category in (_FORMAT_CATEGORY, "Cs") or _is_noncharacter(char)


def display_name(value: str, *, field: str, max_length: int) -> str:
    """A list's name as stored: NFC, trimmed, one line, no invisible or look-alike-making
    characters (bidi controls, zero-width characters, tags, noncharacters); 400 naming
    ``field`` otherwise. Two names with the same :func:`name_key` are the same name."""
    name = text(unicodedata.normalize("NFC", value), field=field, max_length=max_length, name=True)
    refused = next((char for char in name if _refused_in_name(char)), None)
    if refused is not None:
        raise ValidationError(
            f"{field} must not contain invisible formatting characters (bidi controls, "
            f"zero-width characters, tags) or noncharacters; found U+{ord(refused):04X}",
            field=field,
        )
    if len(name_key(name)) > NAME_KEY_LENGTH:
        raise ValidationError(
            f"{field} is too long once its compatibility characters are spelled out "
            f"(at most {NAME_KEY_LENGTH} characters)",
            field=field,
        )
    return name


def name_key(name: str) -> str:
    """What two names must share to be the same name: NFKC, case-folded, NFKC again (Unicode's
    NFKC_Casefold, near enough): "café" in NFC and NFD, "Straße" and "STRASSE", "ﬁle" and
    "FILE" have one key."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return unicodedata.normalize("NFKC", folded)


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
