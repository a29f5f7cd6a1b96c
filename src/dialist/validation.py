"""Small checks shared by every domain's input rules (pure functions, no I/O)."""

from __future__ import annotations

import re

from dialist.errors import ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    """``value`` trimmed; 400 naming ``field`` when empty (if required), too long or odd."""
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationError(f"{field} must not be empty", field=field)
    if len(cleaned) > max_length:
        raise ValidationError(f"{field} must be at most {max_length} characters", field=field)
    if _CONTROL.search(cleaned):
        raise ValidationError(f"{field} must not contain control characters", field=field)
    return cleaned


def has_control_characters(value: str) -> bool:
    """True when ``value`` holds NUL or another control character (tab and newlines allowed)."""
    return _CONTROL.search(value) is not None
