"""Checking submitted contacts (pure: no database): the shape of each item, and a batch's
numbers normalised, with every bad item named."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dialist import validation
from dialist.contacts.models import (
    MAX_COLUMNS,
    MAX_KEY_LENGTH,
    MAX_VALUE_LENGTH,
    NewContact,
    is_reserved,
)
from dialist.errors import ErrorDetail, ValidationError
from dialist.phones import service as phones
from dialist.phones.models import PhoneDetails
from dialist.settings import Settings

_MAX_REPORTED_ERRORS = 100


def _integral(value: Any) -> Any:
    """A JSON number with no fraction (``14155552671.0``) as the integer it is: JSON Schema
    counts it as an integer, and so does the API."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def item_problem(item: dict[str, Any]) -> tuple[str, str] | None:
    """``(field suffix, message)`` of the first thing wrong with one contact, if any."""
    if "phoneNumber" not in item:
        return "phoneNumber", "phoneNumber is required"
    phone = _integral(item["phoneNumber"])
    if isinstance(phone, bool) or not isinstance(phone, str | int):
        return "phoneNumber", "phoneNumber must be a string or an integer"
    if isinstance(phone, str) and not phone.strip():
        return "phoneNumber", "phoneNumber must not be empty"
    if isinstance(phone, int) and not 0 < phone < 2**63:
        return "phoneNumber", "phoneNumber as a number must be positive and below 2^63"
    if len(item) > MAX_COLUMNS and sum(1 for key in item if not is_reserved(key)) > MAX_COLUMNS:
        return "", f"a contact may have at most {MAX_COLUMNS} fields"
    if validation.has_control_characters("".join(item)):
        return "", "field names must be printable"
    for key, value in item.items():
        if is_reserved(key):
            continue  # ignored, whatever it holds
        if not key or len(key) > MAX_KEY_LENGTH:
            return "", f"field names must be 1-{MAX_KEY_LENGTH} characters"
        if isinstance(value, str):
            if len(value) > MAX_VALUE_LENGTH:
                return key, f"{key} must be at most {MAX_VALUE_LENGTH} characters"
            if "\x00" in value:
                return key, f"{key} must not contain NUL characters"
        elif not (value is None or isinstance(value, bool | int | float)):
            return key, f"{key} must be a string, number, boolean or null"
        elif _whole_beyond_int64(value):
            return key, f"{key} is too large a number"
    return None


def normalise(item: dict[str, Any], settings: Settings) -> PhoneDetails:
    """The number of a checked item, normalised (its ``timeZone`` given as the zone)."""
    given_zone = item.get("timeZone")
    return phones.normalise(
        str(_integral(item["phoneNumber"])).strip(),
        default_region=settings.default_region,
        given_time_zone=given_zone if isinstance(given_zone, str) else None,
    )


def invalid_phone_message(phone: PhoneDetails, settings: Settings) -> str | None:
    """Why this number is not valid, for the person who sent it (None: it is valid); the
    batch add has no region of its own, so the server's default is the one to change."""
    if phone.valid:
        return None
    return phones.invalid_message(
        phone,
        region=settings.default_region,
        how_to_change="ask the operator to set DIALIST_DEFAULT_REGION",
    )


def rejected_phone(phone: PhoneDetails, settings: Settings) -> str | None:
    """The message when the phone policy refuses this number (None: accepted)."""
    if settings.phone_policy == "reject":
        return invalid_phone_message(phone, settings)
    return None


def fields_of(item: dict[str, Any]) -> dict[str, Any]:
    """The item's fields without the ones the service sets."""
    return {k: v for k, v in item.items() if not is_reserved(k)}


def prepare(items: Sequence[dict[str, Any]], *, settings: Settings, field: str) -> list[NewContact]:
    """Validate and normalise a batch; 400 naming every bad item (up to 100) when any is bad."""
    if not items:
        raise ValidationError(f"{field} must hold at least one contact", field=field)
    if len(items) > settings.max_batch_size:
        raise ValidationError(
            f"{field} may hold at most {settings.max_batch_size} contacts per request", field=field
        )
    problems: list[ErrorDetail] = []
    prepared: list[NewContact] = []
    for index, item in enumerate(items):
        problem = item_problem(item)
        if problem is not None:
            suffix, message = problem
            where = f"{field}[{index}]" + (f".{suffix}" if suffix else "")
            problems.append(ErrorDetail(msg=message, code="VALIDATION_ERROR", field=where))
            continue
        phone = normalise(item, settings)
        refused = rejected_phone(phone, settings)
        if refused is not None:
            problems.append(
                ErrorDetail(
                    msg=refused,
                    code="INVALID_PHONE_NUMBER",
                    field=f"{field}[{index}].phoneNumber",
                )
            )
            continue
        prepared.append(NewContact(item_index=index, fields=fields_of(item), phone=phone))
    if problems:
        raise ValidationError(
            f"{len(problems)} of {len(items)} contacts are invalid; nothing was added",
            details=problems[:_MAX_REPORTED_ERRORS],
        )
    return prepared


def _whole_beyond_int64(value: object) -> bool:
    """A whole number too large for a 64-bit integer, written ``10000…`` or ``1e30``: JSON
    does not tell the two apart (the OpenAPI document says whole numbers fit 64 bits)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) >= 2**63
    return isinstance(value, float) and value.is_integer() and abs(value) >= 2.0**63
