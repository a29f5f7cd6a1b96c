"""A contact's time zones, in the contract's order (§4): its field, its US ZIP, its number.

Zones come from maintained data only: the IANA names of tzdata, the ``zipcodes`` package's
records (each US ZIP with its ``timezone`` and ``state``) and phonenumbers' prefix → zones data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec
import phonenumbers
import zipcodes
from phonenumbers import PhoneNumberType, timezone

from dialist.contactability.models import ZoneSource
from dialist.phones.service import is_time_zone

ZIP_FIELDS = ("postalCode", "zip", "zipCode")
_US_ZIP = re.compile(r"^\s*([0-9]{5})(?:[-\s]?[0-9]{4})?\s*$")
# Numbers that reach no place: phonenumbers answers every zone of the plan for them (all 40-odd
# of NANP for an 800 number), which says nothing about where the callee is.
_NOT_GEOGRAPHIC = frozenset(
    {
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.UAN,
        PhoneNumberType.PERSONAL_NUMBER,
        PhoneNumberType.VOICEMAIL,
        PhoneNumberType.PAGER,
    }
)


class ContactZones(msgspec.Struct, frozen=True, kw_only=True):
    """The zones found and where they came from (none found: empty, source None)."""

    zones: list[str]
    source: ZoneSource | None


def zip_record(fields: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``zipcodes`` record of the contact's US ZIP (first of its ZIP fields that has one)."""
    for name in ZIP_FIELDS:
        value = fields.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 99999:
            value = f"{value:05d}"
        if not isinstance(value, str):
            continue
        found = _US_ZIP.match(value)
        if found is None:
            continue
        # zipcodes' wrapper is untyped; its core (``_zipcodes.pyi``) returns this type.
        records: list[dict[str, Any]] = zipcodes.matching(found.group(1))  # type: ignore[no-untyped-call]
        if records:
            return records[0]
    return None


def number_zones(e164: str | None) -> list[str]:
    """The IANA zones phonenumbers gives for a valid, geographic number (all of them)."""
    if not e164:
        return []
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return []
    if not phonenumbers.is_valid_number(number):
        return []
    if phonenumbers.number_type(number) in _NOT_GEOGRAPHIC:
        return []
    zones = timezone.time_zones_for_number(number)
    return sorted({z for z in zones if z != timezone.UNKNOWN_TIMEZONE and is_time_zone(z)})


def contact_zones(*, e164: str | None, fields: Mapping[str, Any]) -> ContactZones:
    """The contact's zones: ``timeZone`` field, else its US ZIP's, else its number's, else none."""
    given = fields.get("timeZone")
    if isinstance(given, str) and is_time_zone(given):
        return ContactZones(zones=[given], source="contact")
    record = zip_record(fields)
    if record is not None:
        zone = record.get("timezone")
        if isinstance(zone, str) and is_time_zone(zone):
            return ContactZones(zones=[zone], source="postalCode")
    zones = number_zones(e164)
    if zones:
        return ContactZones(zones=zones, source="phoneNumber")
    return ContactZones(zones=[], source=None)
