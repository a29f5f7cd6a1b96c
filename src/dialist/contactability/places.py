"""Where a number is, from the number alone: its time zones and its jurisdictions (country,
area code's state or province), remembered by the data entries that decide them.

For a valid number, phonenumbers finds its zones and its geocoder description by the longest
prefix of its digits that has an entry in its zone data (``TIMEZONE_DATA``) and in its geocoder
data (``GEOCODE_DATA``); the rest depends only on the number's type and region, and the area
code fallback of ``jurisdictions.area_code_subdivisions`` on the calling code and the next three
digits. So numbers that share those two entries, those digits, a region and a line type are in
the same place: the first one is worked out in full (``zones.number_zones``,
``jurisdictions.number_jurisdictions``) and the rest reuse it, found with a few dict lookups.
A list of a million US numbers has a few thousand places.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberType
from phonenumbers.geodata import GEOCODE_DATA, GEOCODE_LONGEST_PREFIX
from phonenumbers.phonenumberutil import is_number_type_geographical
from phonenumbers.timezone import UNKNOWN_TIMEZONE
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from dialist.contactability.jurisdictions import described_subdivisions, number_jurisdictions
from dialist.contactability.zones import number_zones
from dialist.phones.service import is_time_zone

_NANP = ("US", "CA")
# Places remembered (each a few short strings); the cache starts again when full.
_MAX_PLACES = 100_000


@cache
def _longest_from(data_name: str, first_digit: str) -> int:
    """The longest key of that data that starts with this digit (every calling code starting
    with it has none longer), so a lookup need not try longer prefixes."""
    data = TIMEZONE_DATA if data_name == "zones" else GEOCODE_DATA
    return max((len(key) for key in data if key.startswith(first_digit)), default=0)


@cache
def _deciding_digits(first_digit: str) -> int:
    """How many leading digits decide a place for numbers starting with this digit: the
    longest entry either data has for them, and a calling code (at most three digits) with
    three more for the area code."""
    return max(
        min(TIMEZONE_LONGEST_PREFIX, _longest_from("zones", first_digit)),
        min(GEOCODE_LONGEST_PREFIX, _longest_from("places", first_digit)),
        6,
    )


def deciding_characters(e164: str) -> int:
    """How many leading characters of a valid E.164 number decide its place (with its region
    and line type): every such number of the same region and type that shares them is in the
    same place."""
    return 1 + _deciding_digits(e164[1:2])


def _entry(data: Mapping[str, Any], digits: str, longest: int) -> str:
    """The longest prefix of ``digits`` (at most ``longest``) that ``data`` has an entry for,
    as phonenumbers looks it up; "" when none has."""
    prefix = digits[:longest]
    while prefix:
        if prefix in data:
            return prefix
        prefix = prefix[:-1]
    return ""


class NumberPlace:
    """A number's zones (every one phonenumbers gives a geographic number) and jurisdictions.

    Equal and hashed by identity: each place is made once and remembered, so a judge keys its
    decisions by the object itself, in one step (two equal places made apart, after a cache
    started again, only share less)."""

    __slots__ = ("jurisdictions", "zones")

    def __init__(self, zones: tuple[str, ...], jurisdictions: tuple[str, ...]) -> None:
        self.zones = zones
        self.jurisdictions = jurisdictions

    def __repr__(self) -> str:
        return f"NumberPlace({self.zones!r}, {self.jurisdictions!r})"


NOWHERE = NumberPlace((), ())
_places: dict[tuple[str, str, str, str | None, str | None], NumberPlace] = {}
_by_digits: dict[tuple[str, str | None, str | None], NumberPlace] = {}


def place_of(e164: str, region: str | None, line_type: str | None) -> NumberPlace:
    """``number_place`` of a valid number."""
    digits = e164[1:]
    # Every digit the lookups of ``_place`` read lies within the first ``_deciding_digits``.
    found = _by_digits.get((digits[: _deciding_digits(digits[:1])], region, line_type))
    if found is None:
        return number_place(e164, valid=True, region=region, line_type=line_type)
    return found


def number_place(
    e164: str | None, *, valid: bool, region: str | None, line_type: str | None
) -> NumberPlace:
    """The place of a number whose validity, region and line type are known (a contact's
    stored ``_phone``, or what ``phones.normalise`` found); NOWHERE when it is not valid."""
    if not e164 or not valid:
        return NOWHERE
    digits = e164[1:]
    head = digits[:1]
    # Every digit the lookups below read lies within the first ``_deciding_digits(head)``.
    short = (digits[: _deciding_digits(head)], region, line_type)
    found = _by_digits.get(short)
    if found is None:
        found = _by_digits[short] = _place(e164, digits, head, region, line_type)
        if len(_by_digits) >= _MAX_PLACES:
            _by_digits.clear()
    return found


def _place(
    e164: str, digits: str, head: str, region: str | None, line_type: str | None
) -> NumberPlace:
    code = phonenumbers.country_code_for_region(region) if region else 0
    area = digits[: len(str(code)) + 3] if code else digits[:6]
    key = (
        _entry(TIMEZONE_DATA, digits, min(TIMEZONE_LONGEST_PREFIX, _longest_from("zones", head))),
        _entry(GEOCODE_DATA, digits, min(GEOCODE_LONGEST_PREFIX, _longest_from("places", head))),
        area,
        region,
        line_type,
    )
    found = _places.get(key)
    if found is None:
        found = _north_american(key) or NumberPlace(
            tuple(number_zones(e164)), tuple(number_jurisdictions(e164))
        )
        if len(_places) >= _MAX_PLACES:
            _places.clear()
        _places[key] = found
    return found


def _north_american(key: tuple[str, str, str, str | None, str | None]) -> NumberPlace | None:
    """The place of a geographic US or Canadian number straight from the two data entries,
    as phonenumbers' ``time_zones_for_number`` and ``description_for_number`` read them for
    such a number (no parsing); None for any other number."""
    zone_entry, geocode_entry, area, region, line_type = key
    if region not in _NANP or line_type is None:
        return None
    kind = getattr(PhoneNumberType, line_type.upper(), None)
    if kind is None or not is_number_type_geographical(kind, 1):
        return None
    zones = TIMEZONE_DATA[zone_entry] if zone_entry else ()
    known = sorted({zone for zone in zones if zone != UNKNOWN_TIMEZONE and is_time_zone(zone)})
    description = GEOCODE_DATA[geocode_entry].get("en", "") if geocode_entry else ""
    area_description = GEOCODE_DATA.get(area, {}).get("en", "")
    subdivisions = described_subdivisions(description, area_description, region)
    return NumberPlace(tuple(known), (region, *subdivisions))
