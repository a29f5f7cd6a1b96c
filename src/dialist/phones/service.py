"""Normalise phone numbers with phonenumbers, the reference library. Pure: no database access.

Plain numbers (ASCII digits, an optional leading "+", spaces, dashes, dots, parentheses,
slashes) take ``fastpath``: phonenumbers' own steps on precompiled tables, a few microseconds a
number. Everything else takes the exact path below, whose results are memoised per (raw, default
region, given time zone): the library costs tens of microseconds a number. Both return what
``reference_normalise``, written with phonenumbers' public API only, returns; tests/phones holds
them equal over generated numbers of every region.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumber, PhoneNumberType, timezone
from phonenumbers.phonenumberutil import (
    _MAX_LENGTH_FOR_NSN,
    _MIN_LENGTH_FOR_NSN,
    ValidationResult,
    _maybe_extract_country_code,
    _maybe_strip_national_prefix_carrier_code,
    _number_type_helper,
    _set_italian_leading_zeros_for_phone_number,
    _test_number_length,
    is_number_type_geographical,
    national_significant_number,
    region_code_for_country_code,
)
from phonenumbers.re_util import enable_pattern_cache
from phonenumbers.timezone import _country_level_time_zones_for_number
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from dialist.phones import fastpath
from dialist.phones.models import Identity, PhoneDetails
from dialist.phones.plans import LINE_TYPES as _LINE_TYPES
from dialist.phones.plans import LONGEST_INPUT
from dialist.phones.plans import POSSIBLE_REASONS as _POSSIBLE_REASONS

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "INVALID_COUNTRY_CODE",
    NumberParseException.NOT_A_NUMBER: "NOT_A_NUMBER",
    NumberParseException.TOO_SHORT_AFTER_IDD: "TOO_SHORT",
    NumberParseException.TOO_SHORT_NSN: "TOO_SHORT",
    NumberParseException.TOO_LONG: "TOO_LONG",
}

_UNKNOWN_ZONE = timezone.UNKNOWN_TIMEZONE
_LETTER = re.compile(r"[^\W\d_]")
_PLAIN_E164 = re.compile(r"^\+[0-9]{3,17}$")
# Results of the length test after which parse keeps the national prefix.
_KEEP_PREFIX = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)
MAX_RAW_LENGTH = LONGEST_INPUT


def keep_compiled_patterns() -> None:
    """Have phonenumbers keep every metadata regex it compiles (its own, documented switch).

    By default it relies on the re module's cache of 512 patterns, which numbers from a dozen
    countries overflow, so patterns get compiled again and again. Called once at app start.
    """
    enable_pattern_cache()


# The zones of the IANA database as the tzdata package lists them, without "Factory" (no
# place's zone). Files a system's zoneinfo directory also holds ("localtime", "posixrules",
# "posix/…", "right/…") are not zones.
@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(resources.files("tzdata").joinpath("zones").read_text().split()) - {"Factory"}


def is_time_zone(name: str) -> bool:
    """True when ``name`` is an IANA time zone this machine can load."""
    if name not in _zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def normalise(raw: str, *, default_region: str, given_time_zone: str | None = None) -> PhoneDetails:
    """Everything dialist derives from ``raw``; never raises for bad input, flags it instead.

    ``raw`` is read as phonenumbers reads it in ``default_region`` (:func:`read`); when that
    gives no valid number and ``raw`` has no "+", it is read once more as an international
    number (:func:`assume_international`), the way Kore's own samples write numbers.
    """
    if given_time_zone is None:
        # The common case, straight to the fast path: a valid number, or one written with
        # "+", is what :func:`assume_international` would answer too.
        details = fastpath.normalise(raw, default_region, None)
        if details is not None and (details.valid or raw[:1] == "+"):
            return details
    return assume_international(raw, default_region, given_time_zone, read)


def identify(raw: str, *, default_region: str) -> Identity:
    """``normalise``'s ``e164``, ``valid``, ``region`` and ``lineType`` of ``raw``, without
    working out the rest (its zone above all): what a DNC check and the contactability rules
    read of a number, for a thousand numbers a request."""
    found = fastpath.identify(raw, default_region)
    if found is not None and (found.valid or raw[:1] == "+"):
        return found
    details = normalise(raw, default_region=default_region)
    return Identity(details.e164, details.valid, details.region, details.lineType)


FAMILY_CHARACTERS = fastpath.FAMILY_CHARACTERS


def deciding_cut(raw: str) -> int | None:
    """How many leading characters of ``raw`` decide what ``identify`` says of it: every
    string of the same length that begins with the same ``deciding_cut(raw)`` characters and
    is, like ``raw``, ``+`` and ASCII digits only gets the same ``valid``, ``region`` and
    ``line_type``, and itself as ``e164`` (in any default region). None when nothing shorter
    than the whole input decides (input not written so, and numbers the fast path does not
    model). A caller that identifies many numbers remembers answers by these characters. The
    cut is the same for all such strings of one length that share their first
    FAMILY_CHARACTERS characters."""
    return fastpath.deciding_cut(raw)


def read(raw: str, default_region: str, given_time_zone: str | None = None) -> PhoneDetails:
    """``raw`` as phonenumbers reads it in ``default_region``, no assumption made.

    Plain numbers (digits, an optional leading ``+``, common separators) take the fast path,
    which returns exactly what the exact path would; it declines anything unusual.
    """
    given_zone = _valid_zone(given_time_zone) if given_time_zone else None
    details = fastpath.normalise(raw, default_region, given_zone)
    if details is None:
        return _normalise(raw, default_region, given_time_zone)
    return details


ASSUMED_INTERNATIONAL = "international"
# The ITU's recommended international prefix, used as one almost everywhere outside the NANP;
# the default region's own prefixes (011 in the NANP, 00 or 810 elsewhere) phonenumbers reads
# from its metadata already.
_ITU_INTERNATIONAL_PREFIX = "00"


def assume_international(
    raw: str,
    default_region: str,
    given_time_zone: str | None,
    reader: Callable[[str, str, str | None], PhoneDetails],
) -> PhoneDetails:
    """What ``reader`` finds for ``raw``, or, when that is no valid number and ``raw`` is
    digits without "+", what it finds for "+" and the same digits (after a leading ``00``, the
    international prefix of most of the world), marked ``assumed: "international"`` when
    valid. Only numbers that fail in the default region pay for the second reading."""
    details = reader(raw, default_region, given_time_zone)
    if details.valid or "+" in raw or _LETTER.search(raw):
        return details
    digits = phonenumbers.normalize_digits_only(raw)
    if len(digits) < _MIN_LENGTH_FOR_NSN + 1:
        return details
    if digits.startswith(_ITU_INTERNATIONAL_PREFIX):
        digits = digits[len(_ITU_INTERNATIONAL_PREFIX) :]
    international = reader("+" + digits, default_region, given_time_zone)
    if not international.valid:
        return details
    return msgspec.structs.replace(international, raw=raw, assumed=ASSUMED_INTERNATIONAL)


def read_in_region(phone: PhoneDetails) -> bool:
    """True when ``phone`` was read as a number of the default region (written without "+",
    not read as an international number): the region then decided whether it is valid."""
    return phone.assumed is None and not phone.raw.lstrip().startswith("+")


def invalid_message(phone: PhoneDetails, *, region: str, how_to_change: str) -> str:
    """Why ``phone`` is not valid, for a person: for a number written without "+", the region
    it was read in and how to read it in another (``how_to_change``: what exists where it was
    sent, e.g. "set defaultRegion on the import")."""
    text = f"phoneNumber {phone.raw!r} is not a valid phone number ({phone.invalidReason})"
    if not read_in_region(phone):
        return text
    return (
        f"{text}: read as a number of {region} (the default region), and not valid written "
        f'with "+" either; write it with "+" and its country code, or {how_to_change}'
    )


@lru_cache(maxsize=4_096)
def _valid_zone(name: str) -> str | None:
    """``name`` if it is a time zone this machine knows (a list names few, over and over)."""
    return name if is_time_zone(name) else None


@lru_cache(maxsize=65_536)
def _normalise(raw: str, default_region: str, given_time_zone: str | None) -> PhoneDetails:
    zone, zone_source, refused = _before_parsing(raw, given_time_zone)
    if refused is not None:
        return refused
    try:
        number = _parse(raw, default_region)
    except NumberParseException as error:
        return _invalid(
            raw, _PARSE_REASONS.get(error.error_type, "NOT_A_NUMBER"), zone, zone_source
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return _parsed(raw, number, e164, _classify(number, e164), zone, zone_source)


def _parse(raw: str, region: str) -> PhoneNumber:
    """``phonenumbers.parse(raw, region)``, with a shorter road for plain ``+digits`` input.

    For ``+`` followed by digits only, the first steps of ``parse`` (extracting the number from
    text, the viability check, the region check, the extension split) change nothing, so this
    runs the remaining steps of ``parse`` itself, in the same order. Half the cost of a parse; a
    property test holds it equal to ``phonenumbers.parse``.
    """
    if not _PLAIN_E164.match(raw):
        return phonenumbers.parse(raw, region)
    number = PhoneNumber()
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None:
        return phonenumbers.parse(raw, region)
    try:
        country_code, national = _maybe_extract_country_code(raw, metadata, False, number)
    except NumberParseException:
        return phonenumbers.parse(raw, region)  # parse retries and raises in its own way
    if country_code == 0:
        return phonenumbers.parse(raw, region)  # let parse raise exactly as it does
    number_region = region_code_for_country_code(country_code)
    if number_region != region:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, number_region)
    if len(national) < _MIN_LENGTH_FOR_NSN or metadata is None:
        return phonenumbers.parse(raw, region)
    _, potential, _ = _maybe_strip_national_prefix_carrier_code(national, metadata)
    if _test_number_length(potential, metadata) not in _KEEP_PREFIX:
        national = potential
    if not _MIN_LENGTH_FOR_NSN <= len(national) <= _MAX_LENGTH_FOR_NSN:
        return phonenumbers.parse(raw, region)
    _set_italian_leading_zeros_for_phone_number(national, number)
    number.national_number = int(national)
    return number


def _parsed(
    raw: str,
    number: PhoneNumber,
    e164: str,
    classified: tuple[str | None, int, tuple[str, ...]],
    zone: str | None,
    zone_source: str | None,
) -> PhoneDetails:
    """The answer for a parsed number from its region, type (UNKNOWN: not valid) and time
    zones, as ``_classify`` or ``reference_classify`` found them: why an invalid number is
    not valid; a valid one's line type and, unless a zone was given, its one time zone (more
    than one: ambiguous)."""
    region, line_type_code, zones = classified
    valid = line_type_code != PhoneNumberType.UNKNOWN
    reason = None
    if not valid:
        possible = phonenumbers.is_possible_number_with_reason(number)
        reason = _POSSIBLE_REASONS.get(possible, "INVALID_NUMBER")
    line_type = _LINE_TYPES.get(line_type_code, "unknown") if valid else None
    ambiguous = False
    if zone is None and valid:
        known = [z for z in zones if z != _UNKNOWN_ZONE]
        if len(known) == 1:
            zone, zone_source = known[0], "phone-prefix"
        elif len(known) > 1:
            ambiguous = True
    return PhoneDetails(
        raw=raw,
        e164=e164,
        valid=valid,
        invalidReason=reason,
        lineType=line_type,
        region=region if region and region != "001" else None,
        timeZone=zone,
        timeZoneSource=zone_source,
        timeZoneAmbiguous=ambiguous,
    )


def _classify(number: PhoneNumber, e164: str) -> tuple[str | None, int, tuple[str, ...]]:
    """Region, number type and time zones of a parsed number, computing the type once.

    phonenumbers' public calls (is_valid_number, number_type, time_zones_for_number) each
    recompute the region and the type; this is the same sequence of its own steps done once.
    ``reference_classify`` is the public-API version; a property test holds them equal.
    """
    region = phonenumbers.region_code_for_number(number)
    country_code = number.country_code
    if region is None or country_code is None:
        return region, PhoneNumberType.UNKNOWN, ()
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return region, PhoneNumberType.UNKNOWN, ()
    number_type = _number_type_helper(national_significant_number(number), metadata)
    if number_type == PhoneNumberType.UNKNOWN:
        return region, number_type, ()
    if is_number_type_geographical(number_type, country_code):
        for length in range(TIMEZONE_LONGEST_PREFIX, 0, -1):
            zones = TIMEZONE_DATA.get(e164[1 : 1 + length])
            if zones is not None:
                return region, number_type, tuple(zones)
        return region, number_type, (_UNKNOWN_ZONE,)
    return region, number_type, tuple(_country_level_time_zones_for_number(number))


def reference_classify(number: PhoneNumber) -> tuple[str | None, int, tuple[str, ...]]:
    """What phonenumbers' public API says: the reference that ``_classify`` must equal."""
    region = phonenumbers.region_code_for_number(number)
    if not phonenumbers.is_valid_number(number):
        return region, PhoneNumberType.UNKNOWN, ()
    return region, phonenumbers.number_type(number), tuple(timezone.time_zones_for_number(number))


def _before_parsing(
    raw: str, given_time_zone: str | None
) -> tuple[str | None, str | None, PhoneDetails | None]:
    """The given zone if valid (and its source), and the answer for a number refused before
    parsing (None when it is to be parsed)."""
    zone, zone_source = (
        (given_time_zone, "given")
        if given_time_zone and is_time_zone(given_time_zone)
        else (None, None)
    )
    if len(raw) > MAX_RAW_LENGTH:
        return zone, zone_source, _invalid(raw, "TOO_LONG", zone, zone_source)
    if _LETTER.search(raw):
        # phonenumbers reads letters as keypad digits (vanity numbers); masked numbers such as
        # Kore's documented "91223334xxxxx" would then pass as real. A dialer needs digits.
        return zone, zone_source, _invalid(raw, "NOT_A_NUMBER", zone, zone_source)
    return zone, zone_source, None


def _invalid(raw: str, reason: str, zone: str | None, zone_source: str | None) -> PhoneDetails:
    return PhoneDetails(
        raw=raw,
        e164=None,
        valid=False,
        invalidReason=reason,
        lineType=None,
        region=None,
        timeZone=zone,
        timeZoneSource=zone_source,
        timeZoneAmbiguous=False,
    )


def reference_normalise(
    raw: str, *, default_region: str, given_time_zone: str | None = None
) -> PhoneDetails:
    """``normalise`` written with phonenumbers' public API only: the reference the tests hold
    ``normalise`` (fast path and exact path alike) equal to, and the benchmark's floor."""
    return assume_international(raw, default_region, given_time_zone, reference_read)


def reference_read(
    raw: str, default_region: str, given_time_zone: str | None = None
) -> PhoneDetails:
    """``read`` written with phonenumbers' public API only."""
    zone, zone_source, refused = _before_parsing(raw, given_time_zone)
    if refused is not None:
        return refused
    try:
        number = phonenumbers.parse(raw, default_region)
    except NumberParseException as error:
        return _invalid(
            raw, _PARSE_REASONS.get(error.error_type, "NOT_A_NUMBER"), zone, zone_source
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return _parsed(raw, number, e164, reference_classify(number), zone, zone_source)
