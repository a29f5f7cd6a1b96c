"""A contact's time zones, in the contract's order (§4): its field, its US ZIP, its number.

Zones come from maintained data only: the IANA names of tzdata, the ``zipcodes`` package's
records (each US ZIP with its ``timezone`` and ``state``) and phonenumbers' prefix → zones data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from typing import Any, NamedTuple

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


@lru_cache(maxsize=4_096)
def _known_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone this machine knows (contacts name few, over and over)."""
    return is_time_zone(name)


class ContactZones(msgspec.Struct, frozen=True, kw_only=True):
    """The zones found and where they came from (none found: empty, source None)."""

    zones: list[str]
    source: ZoneSource | None


class ZipPlace(NamedTuple):
    """What the ``zipcodes`` record of a US ZIP says: its zone and its state."""

    timezone: str | None
    state: str | None


@cache
def _zip_places() -> Mapping[str, ZipPlace]:
    """Every ZIP of the ``zipcodes`` package by its five digits, read once (about 42,000;
    ``zipcodes.matching`` scans them all on every call)."""
    # zipcodes' wrapper is untyped; its core (``_zipcodes.pyi``) returns this type.
    records: list[dict[str, Any]] = zipcodes.list_all()  # type: ignore[no-untyped-call]
    places: dict[str, ZipPlace] = {}
    for record in records:
        zone, state = record.get("timezone"), record.get("state")
        places.setdefault(
            str(record["zip_code"]),
            ZipPlace(
                timezone=zone if isinstance(zone, str) and zone else None,
                state=state if isinstance(state, str) and state else None,
            ),
        )
    return places


def zip_record(fields: Mapping[str, Any]) -> ZipPlace | None:
    """The zone and state of the contact's US ZIP (first of its ZIP fields that has one)."""
    for name in ZIP_FIELDS:
        value = fields.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 99999:
            value = f"{value:05d}"
        if not isinstance(value, str):
            continue
        found = _US_ZIP.match(value)
        if found is None:
            continue
        place = _zip_places().get(found.group(1))
        if place is not None:
            return place
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


def contact_zones(
    *, e164: str | None, fields: Mapping[str, Any], known: Sequence[str] | None = None
) -> ContactZones:
    """The contact's zones: ``timeZone`` field, else its US ZIP's, else its number's, else none.
    ``known``: the number's zones when the caller already has them (``places``)."""
    given = fields.get("timeZone")
    if isinstance(given, str) and _known_zone(given):
        return ContactZones(zones=[given], source="contact")
    record = zip_record(fields)
    if record is not None and record.timezone is not None and _known_zone(record.timezone):
        return ContactZones(zones=[record.timezone], source="postalCode")
    zones = number_zones(e164) if known is None else list(known)
    if zones:
        return ContactZones(zones=zones, source="phoneNumber")
    return ContactZones(zones=[], source=None)
