"""A contact's jurisdictions and the built-in rules of each (contract §3; statutes in docs).

Jurisdictions are written ``US``, ``CA`` (the number's country, ISO 3166-1) and ``US-FL``,
``CA-ON`` (ISO 3166-2). The state or province of an area code comes from phonenumbers' geocoder
data (its English description of the number: ``"Florida"``, ``"New York, NY"``), turned into a
code with the ``holidays`` package's subdivision names, so no table here is typed by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import msgspec
import phonenumbers
from holidays.countries.canada import Canada
from holidays.countries.united_states import UnitedStates
from phonenumbers import geocoder
from phonenumbers.geodata import GEOCODE_DATA

from dialist.contactability.models import AttemptCap
from dialist.contactability.zones import zip_record

# The version of RULES below; docs/contactability.md cites the statute of each row.
RULES_VERSION = "2026-12-01"

_SUBDIVIDED = ("US", "CA")
_CITY_STATE = re.compile(r",\s*([A-Z]{2})$")
# The geocoder's own spellings that are not the subdivision's name (one is a typo in its data).
_GEOCODER_SPELLINGS = {
    "Washington State": "Washington",
    "Washington D.C.": "District of Columbia",
    "British Colombia": "British Columbia",
}


class JurisdictionRule(msgspec.Struct, frozen=True, kw_only=True):
    """Built-in limits of one jurisdiction: a local window per weekday (Monday first)."""

    jurisdiction: str
    windows: tuple[tuple[str, str], ...]
    days: frozenset[int] = frozenset(range(7))
    caps: tuple[AttemptCap, ...] = ()


def _every_day(start: str, end: str) -> tuple[tuple[str, str], ...]:
    return ((start, end),) * 7


_THREE_A_DAY = (AttemptCap(max=3, within_hours=24),)

RULES: Mapping[str, JurisdictionRule] = {
    rule.jurisdiction: rule
    for rule in (
        JurisdictionRule(jurisdiction="US", windows=_every_day("08:00", "21:00")),
        JurisdictionRule(
            jurisdiction="US-FL", windows=_every_day("08:00", "20:00"), caps=_THREE_A_DAY
        ),
        JurisdictionRule(
            jurisdiction="US-OK", windows=_every_day("08:00", "20:00"), caps=_THREE_A_DAY
        ),
        JurisdictionRule(
            jurisdiction="US-MD", windows=_every_day("08:00", "20:00"), caps=_THREE_A_DAY
        ),
        JurisdictionRule(jurisdiction="US-WA", windows=_every_day("08:00", "20:00")),
        JurisdictionRule(
            jurisdiction="US-MS", windows=_every_day("08:00", "20:00"), days=frozenset(range(6))
        ),
        JurisdictionRule(
            jurisdiction="CA",
            windows=(("09:00", "21:30"),) * 5 + (("10:00", "18:00"),) * 2,
        ),
    )
}


def rules_for(jurisdictions: list[str]) -> list[JurisdictionRule]:
    """The built-in rules of the jurisdictions that have one."""
    return [RULES[code] for code in jurisdictions if code in RULES]


@cache
def _subdivision_codes(country: str) -> Mapping[str, str]:
    """Subdivision name → code (``"Florida"`` → ``"FL"``) from the ``holidays`` package."""
    kind = UnitedStates if country == "US" else Canada
    names = {name: code for name, code in kind.subdivisions_aliases.items()}
    names.update({code: code for code in kind.subdivisions})
    return names


def _subdivisions_of(description: str, country: str) -> list[str]:
    """Codes named by a geocoder description: ``"X, ST"``, a name, or names joined by ``/``."""
    codes = _subdivision_codes(country)
    found = _CITY_STATE.search(description)
    if found is not None:
        return [found.group(1)] if found.group(1) in codes else []
    names = [_GEOCODER_SPELLINGS.get(part.strip(), part.strip()) for part in description.split("/")]
    return [codes[name] for name in names if name in codes]


def area_code_subdivisions(number: phonenumbers.PhoneNumber, country: str) -> list[str]:
    """The states or provinces of a NANP number's area code (several for a shared one)."""
    national = str(number.national_number)
    return described_subdivisions(
        geocoder.description_for_number(number, "en"),
        GEOCODE_DATA.get(f"{number.country_code}{national[:3]}", {}).get("en", ""),
        country,
    )


def described_subdivisions(description: str, area_description: str, country: str) -> list[str]:
    """The subdivisions (``US-FL``) named by a number's geocoder description or, when that
    names none, by its area code's entry: the number's own prefix may name a place without
    its state ("Watson Lake")."""
    codes = _subdivisions_of(description, country) if description else []
    if not codes:
        codes = _subdivisions_of(str(area_description), country)
    return [f"{country}-{code}" for code in codes]


def number_jurisdictions(e164: str | None) -> list[str]:
    """The jurisdictions of a number alone: its country and, in the US and Canada, its area
    code's state or province (none for a number that is not valid)."""
    if not e164:
        return []
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return []
    if not phonenumbers.is_valid_number(number):
        return []
    country = phonenumbers.region_code_for_number(number)
    if not country:
        return []
    if country in _SUBDIVIDED:
        return [country, *area_code_subdivisions(number, country)]
    return [country]


def contact_jurisdictions(
    *, e164: str | None, fields: Mapping[str, Any], known: Sequence[str] | None = None
) -> list[str]:
    """Every jurisdiction found for a contact: its number's country and area code's state or
    province, its US ZIP's state, its two-letter ``state`` field. A subdivision brings its
    country along (a US ZIP is in the US, whatever the number). ``known``: the number's
    jurisdictions when the caller already has them (``places``)."""
    found = number_jurisdictions(e164) if known is None else list(known)
    record = zip_record(fields)
    if record is not None and record.state is not None:
        found.append(f"US-{record.state}")
    state = fields.get("state")
    if isinstance(state, str) and len(state.strip()) == 2:
        code = state.strip().upper()
        for country in _SUBDIVIDED:
            if code in _subdivision_codes(country):
                found.append(f"{country}-{code}")
                break
    with_countries: list[str] = []
    for code in found:
        for item in (code.split("-")[0], code):
            if item not in with_countries:
                with_countries.append(item)
    return with_countries
