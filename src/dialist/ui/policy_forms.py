"""The calling-policy forms of the console, read into the API's JSON: the stream's whole policy,
and a list's override (only the keys ticked "override"). A value the form cannot read is a 400
naming its field; the policy's own rules (times, dates, zones) are the service's to check."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from dialist.contactability.models import DAYS
from dialist.errors import ValidationError

# The policy's keys, in the order the forms show them.
KEYS = (
    "window",
    "endBufferMinutes",
    "days",
    "holidays",
    "jurisdictionRules",
    "unknownTimeZone",
    "attemptCaps",
)
OVERRIDE_FIELD = "override"  # a list form's checkboxes, one per key it overrides
_ATTEMPT_CAP = re.compile(r"^\s*([0-9]{1,6})\s*/\s*([0-9]{1,6}(?:\.[0-9]+)?)\s*$")

Form = Mapping[str, Any]


def _text(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def chosen(form: Form, name: str) -> list[str]:
    """Every value of a field sent several times (checkboxes), or once."""
    values = form.get(name, [])
    return [values] if isinstance(values, str) else [v for v in values if isinstance(v, str)]


def _window(form: Form) -> dict[str, str]:
    return {"start": _text(form, "windowStart").strip(), "end": _text(form, "windowEnd").strip()}


def _end_buffer(form: Form) -> int:
    buffer = _text(form, "endBufferMinutes").strip() or "0"
    if not buffer.isascii() or not buffer.isdigit() or len(buffer) > 6:
        raise ValidationError(
            "endBufferMinutes must be a whole number of minutes", field="endBufferMinutes"
        )
    return int(buffer)


def _days(form: Form) -> list[str]:
    days = chosen(form, "days")
    unknown = [d for d in days if d not in DAYS]
    if unknown:
        raise ValidationError(f"unknown day {unknown[0]!r}", field="days")
    return days


def _holidays(form: Form) -> list[str]:
    return [h.strip() for h in _text(form, "holidays").split() if h.strip()]


def _jurisdiction_rules(form: Form) -> bool:
    return form.get("jurisdictionRules") == "on"


def _unknown_time_zone(form: Form) -> str:
    return _text(form, "unknownTimeZone").strip() or "block"


def _attempt_caps(form: Form) -> list[dict[str, Any]]:
    caps = []
    for number, line in enumerate(_text(form, "attemptCaps").splitlines(), start=1):
        if not line.strip():
            continue
        found = _ATTEMPT_CAP.match(line)
        if found is None:
            raise ValidationError(
                f"attempt caps line {number}: write MAX/HOURS, e.g. 3/24", field="attemptCaps"
            )
        caps.append({"max": int(found[1]), "withinHours": float(found[2])})
    return caps


_READERS: dict[str, Callable[[Form], Any]] = {
    "window": _window,
    "endBufferMinutes": _end_buffer,
    "days": _days,
    "holidays": _holidays,
    "jurisdictionRules": _jurisdiction_rules,
    "unknownTimeZone": _unknown_time_zone,
    "attemptCaps": _attempt_caps,
}


def policy_body(form: Form) -> dict[str, Any]:
    """The stream's whole calling policy from the policy form."""
    return {key: _READERS[key](form) for key in KEYS}


def override_body(form: Form) -> dict[str, Any] | None:
    """A list's override from its form: the keys ticked to override, read from their fields
    (the others are not read); None when none is ticked (the stream's policy applies)."""
    ticked = set(chosen(form, OVERRIDE_FIELD))
    unknown = ticked - set(KEYS)
    if unknown:
        raise ValidationError(f"unknown policy key {sorted(unknown)[0]!r}", field=OVERRIDE_FIELD)
    body = {key: _READERS[key](form) for key in KEYS if key in ticked}
    return body or None
