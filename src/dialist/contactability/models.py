"""Calling policy, its list override, and the answer of a contactability check (contract §3, §6).

The policy keeps the contract's JSON spelling on the wire (``endBufferMinutes``…) through
``rename="camel"``; ``validate_policy`` is the one place that says which values are allowed, and
names the offending field in the ``ValidationError`` it raises.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from dialist import constraints
from dialist.errors import ValidationError
from dialist.phones.service import is_time_zone

_T = TypeVar("_T")

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()
BLOCK = "block"

ReasonCode = Literal[
    "INVALID_NUMBER",
    "DNC",
    "TZ_UNKNOWN",
    "OUTSIDE_WINDOW",
    "DAY_NOT_ALLOWED",
    "HOLIDAY",
    "ATTEMPT_CAP",
]
# Where a contact's zones came from (contract §4); ``policy`` when ``unknownTimeZone`` named one.
ZoneSource = Literal["contact", "postalCode", "phoneNumber", "policy"]

_HH_MM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Window(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """Local time of the contact, ``[start, end)``, each ``HH:MM``."""

    start: str = "08:00"
    end: str = "21:00"


class AttemptCap(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """At most ``max`` attempts to one number in the rolling ``(at - withinHours, at]``."""

    max: int
    within_hours: float


def _all_days() -> list[str]:
    return list(DAYS)


class CallingPolicy(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A stream's calling policy; every key left out takes the contract's default."""

    window: Window = msgspec.field(default_factory=Window)
    days: list[str] = msgspec.field(default_factory=_all_days)
    holidays: list[str] = msgspec.field(default_factory=list)
    jurisdiction_rules: bool = True
    end_buffer_minutes: int = 0
    unknown_time_zone: str = BLOCK
    attempt_caps: list[AttemptCap] = msgspec.field(default_factory=list)


class WindowOverride(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A list's window override: a key left out keeps the stream's."""

    start: str | msgspec.UnsetType = msgspec.UNSET
    end: str | msgspec.UnsetType = msgspec.UNSET


class PolicyOverride(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A contact list's override of the stream policy: only the keys it sets."""

    window: WindowOverride | msgspec.UnsetType = msgspec.UNSET
    days: list[str] | msgspec.UnsetType = msgspec.UNSET
    holidays: list[str] | msgspec.UnsetType = msgspec.UNSET
    jurisdiction_rules: bool | msgspec.UnsetType = msgspec.UNSET
    end_buffer_minutes: int | msgspec.UnsetType = msgspec.UNSET
    unknown_time_zone: str | msgspec.UnsetType = msgspec.UNSET
    attempt_caps: list[AttemptCap] | msgspec.UnsetType = msgspec.UNSET


class DncMatch(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A do-not-call entry that matches the number (contract §2 ``matches``)."""

    dnc_list_id: str
    entry_id: str
    scope: str = "stream"
    value: str = ""
    reason: str | None = None
    source: str = "api"
    expires_at: datetime | None = None


class Reason(msgspec.Struct, kw_only=True, frozen=True, rename="camel", omit_defaults=True):
    """One rule that blocks the call now; extra keys say which zone, rule, entry or cap."""

    code: ReasonCode
    message: str
    time_zone: str | None = None
    jurisdiction: str | None = None
    match: DncMatch | None = None
    cap: AttemptCap | None = None


class Decision(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """The answer for one contact at one instant (contract §6; instants in UTC, to be written
    with milliseconds and ``Z`` by the route)."""

    callable: bool
    reasons: list[Reason]
    time_zones: list[str]
    time_zone_source: ZoneSource | None
    jurisdictions: list[str]
    window_closes_at: datetime | None
    next_eligible_at: datetime | None


# ---- parsing, validation and merging ---------------------------------------------------------


def parse_hh_mm(value: str, *, field: str) -> time:
    """``"HH:MM"`` (00:00-23:59) as a time; anything else is a ValidationError on ``field``."""
    found = _HH_MM.match(value)
    if found is None:
        raise ValidationError(f"{field} must be a time written HH:MM (00:00-23:59)", field=field)
    return time(int(found.group(1)), int(found.group(2)))


def parse_iso_date(value: str, *, field: str) -> date:
    """``"YYYY-MM-DD"`` as a date; anything else is a ValidationError on ``field``."""
    try:
        if _ISO_DATE.match(value) is None:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{field} must be a date written YYYY-MM-DD", field=field) from None


def validate_policy(policy: CallingPolicy) -> CallingPolicy:
    """``policy`` itself when every value is allowed; else a ValidationError naming the field."""
    start = parse_hh_mm(policy.window.start, field="window.start")
    end = parse_hh_mm(policy.window.end, field="window.end")
    if end <= start:
        raise ValidationError("window.end must be after window.start", field="window.end")
    for index, day in enumerate(policy.days):
        if day not in DAYS:
            raise ValidationError(
                f"days[{index}] must be one of {', '.join(DAYS)}", field=f"days[{index}]"
            )
    for index, holiday in enumerate(policy.holidays):
        parse_iso_date(holiday, field=f"holidays[{index}]")
    if policy.end_buffer_minutes < 0:
        raise ValidationError("endBufferMinutes must not be negative", field="endBufferMinutes")
    zone = policy.unknown_time_zone
    if zone != BLOCK and not is_time_zone(zone):
        raise ValidationError(
            "unknownTimeZone must be 'block' or an IANA time zone", field="unknownTimeZone"
        )
    for index, cap in enumerate(policy.attempt_caps):
        if cap.max < 1:
            field = f"attemptCaps[{index}].max"
            raise ValidationError(f"{field} must be at least 1", field=field)
        if not cap.within_hours > 0:
            field = f"attemptCaps[{index}].withinHours"
            raise ValidationError(f"{field} must be more than 0", field=field)
    return policy


def merge_policy(stream: CallingPolicy, override: PolicyOverride | None) -> CallingPolicy:
    """The stream's policy with the keys the list's override sets replaced, then validated."""
    if override is None:
        return validate_policy(stream)
    changes: dict[str, Any] = {}
    for name in PolicyOverride.__struct_fields__:
        value = getattr(override, name)
        if value is msgspec.UNSET:
            continue
        if isinstance(value, WindowOverride):
            value = Window(
                start=stream.window.start if value.start is msgspec.UNSET else value.start,
                end=stream.window.end if value.end is msgspec.UNSET else value.end,
            )
        changes[name] = value
    return validate_policy(msgspec.structs.replace(stream, **changes))


def policy_from_json(data: object) -> CallingPolicy:
    """A stream policy from decoded JSON (keys left out take defaults), validated."""
    return validate_policy(_convert(data, CallingPolicy))


def override_from_json(data: object) -> PolicyOverride | None:
    """A list override from decoded JSON (``None`` removes it)."""
    return None if data is None else _convert(data, PolicyOverride)


def _convert(data: object, kind: type[_T]) -> _T:
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as error:
        text = str(error)
        found = re.search(r"at `\$\.?([^`]*)`", text)
        field = found.group(1) if found else None
        raise ValidationError(text, field=field or None) from None


# ---- requests and answers of the HTTP API ---------------------------------------------------

OUTCOMES = ("answered", "noAnswer", "busy", "voicemail", "failed", "optOut")
MAX_ITEMS = 1_000


class ListPolicy(msgspec.Struct, kw_only=True):
    """A contact list's calling policy: its override (only the keys it sets; null: none) and
    the policy its contacts are called under (the stream's with the override applied)."""

    override: PolicyOverride | None
    effective: CallingPolicy


class AttemptRequest(msgspec.Struct, kw_only=True):
    """Body of ``POST …/contacts/{contactId}/attempts``: the outcome of a call to the contact
    (``phoneNumber``: the number dialled, when not the contact's own; ``at``: default now)."""

    outcome: Literal["answered", "noAnswer", "busy", "voicemail", "failed", "optOut"]
    at: Annotated[str | None, constraints.INSTANT] = None
    phoneNumber: str | None = None  # noqa: N815
    note: str | None = None


class Attempt(msgspec.Struct):
    """A recorded call attempt."""

    _id: str
    contactId: str  # noqa: N815
    e164: str | None
    at: str
    outcome: str
    note: str | None


class ContactabilityItem(msgspec.Struct, kw_only=True):
    """One thing to check: a stored contact (``contactListId`` and ``contactId``) or a number
    with what the rules read about it (``timeZone``, US ``postalCode``, two-letter ``state``)."""

    contactListId: str | None = None  # noqa: N815
    contactId: str | None = None  # noqa: N815
    phoneNumber: str | None = None  # noqa: N815
    timeZone: str | None = None  # noqa: N815
    postalCode: str | None = None  # noqa: N815
    state: str | None = None


class ContactabilityRequest(msgspec.Struct, kw_only=True):
    """Body of ``POST contactability``: 1-1,000 items judged at ``at`` (default now)."""

    items: Annotated[list[ContactabilityItem], msgspec.Meta(min_length=1, max_length=1000)]
    at: Annotated[str | None, constraints.INSTANT] = None


class ContactabilityResult(msgspec.Struct, kw_only=True):
    """One item's answer, as documented (``Decision`` with the item's index and number)."""

    index: int
    e164: str | None
    callable: bool
    reasons: list[Reason]
    timeZones: list[str]  # noqa: N815
    timeZoneSource: str | None  # noqa: N815
    jurisdictions: list[str]
    windowClosesAt: str | None  # noqa: N815
    nextEligibleAt: str | None  # noqa: N815


class ContactabilityResults(msgspec.Struct):
    """``data`` of a contactability check."""

    results: list[ContactabilityResult]


class Contactability(msgspec.Struct):
    """What ``callable`` adds to each contact."""

    windowClosesAt: str | None  # noqa: N815
    timeZones: list[str]  # noqa: N815


class CallableContact(msgspec.Struct):
    """A contact as ``callable`` answers it (its fields, ``_phone``, ``version`` and this)."""

    _id: str
    _contactability: Contactability


class CallablePage(msgspec.Struct):
    """``data`` of ``callable``."""

    contacts: list[CallableContact]
    nextCursor: str | None  # noqa: N815


def stored_policy(text: str | None) -> CallingPolicy:
    """A stream's policy as stored (JSON written by dialist); the defaults when none is."""
    return CallingPolicy() if text is None else msgspec.json.decode(text, type=CallingPolicy)


def stored_override(text: str | None) -> PolicyOverride | None:
    """A list's override as stored (JSON written by dialist); None when it has none."""
    return None if text is None else msgspec.json.decode(text, type=PolicyOverride)
