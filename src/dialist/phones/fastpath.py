"""``normalise`` for the numbers bulk imports are made of, at a fraction of phonenumbers' cost.

Input made of ASCII digits, optionally one leading ``+``, and the separators people write
(space ``-`` ``.`` ``(`` ``)`` ``/``) goes through the very steps of ``phonenumbers.parse`` that
apply to it, with the precompiled tables of ``tables.py``. For such input, parse's extraction,
viability and extension steps keep every digit and drop every separator (none of those
characters starts an extension, a second number or a letter run), so what remains is the
calling-code, international-prefix, national-prefix and length logic, done here on the digits.
Anything else (letters, other characters, a ``+`` not in front, a calling code phonenumbers does
not know, a default region it does not support, a national number of an impossible length,
metadata the tables do not model) is declined with None, and the caller takes the exact path.
``tests/phones`` holds the results equal to phonenumbers' public API.
"""

from __future__ import annotations

from dialist.phones.models import Identity, PhoneDetails
from dialist.phones.plans import LINE_TYPES, LONGEST_INPUT, UNKNOWN, Plan
from dialist.phones.tables import Country, country_of, region_tables

# parse's limits on the national significant number (_MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN).
_SHORTEST_NATIONAL = 2
_LONGEST_NATIONAL = 17
_NON_GEOGRAPHIC = "001"


def normalise(raw: str, default_region: str, given_zone: str | None) -> PhoneDetails | None:
    """What ``service.normalise`` returns for ``raw``, or None to decline.

    ``given_zone`` is the caller's time zone already checked to be a real IANA name (or None).
    """
    parsed = _parse(raw, default_region)
    if parsed is None:
        return None
    return _details(raw, parsed[0], parsed[1], given_zone)


def identify(raw: str, default_region: str) -> Identity | None:
    """What ``service.identify`` returns for ``raw`` as read in ``default_region``, or None to
    decline (as ``normalise`` declines)."""
    parsed = _parse(raw, default_region)
    if parsed is None:
        return None
    country, national = parsed
    region, kind = country.classify(national)
    if region == _NON_GEOGRAPHIC:
        region = None
    valid = kind != UNKNOWN
    return Identity(
        "+" + country.code_text + national, valid, region, LINE_TYPES[kind] if valid else None
    )


# ``deciding_cut`` is the same for every string of one length that shares these characters.
FAMILY_CHARACTERS = 6


def deciding_cut(raw: str) -> int | None:
    """For ``raw`` written as ``+`` and ASCII digits only: how many leading characters decide
    ``identify`` of every such string of its length — each gets the same answer, with itself
    as ``e164``. None for other input, and where parse may strip a national prefix or the
    tables cannot tell (see ``deciding``). The answer is the same for every such string of the
    same length that shares ``raw``'s first FAMILY_CHARACTERS characters."""
    if raw[:1] != "+" or not raw.isascii() or not raw[1:].isdigit() or len(raw) < 4:
        return None
    country = country_of(raw[1:])  # decided by the first three digits
    if country is None:
        return None
    code = country.code_text
    national = raw[1 + len(code) :]
    if not _SHORTEST_NATIONAL <= len(national) <= _LONGEST_NATIONAL:
        return None
    known = national[: FAMILY_CHARACTERS - 1 - len(code)]
    plan = country.main
    literals = plan.prefix_literals
    if plan.national_prefix is not None and literals is None:
        return None  # a national prefix given by a pattern: whether it strips is not modelled
    for prefix in literals or ():
        if known.startswith(prefix) or prefix.startswith(known):
            return None  # parse strips it (or not) by the rest of the number
    depth = country.deciding_length(len(national), known)
    if depth is None:
        return None
    return max(FAMILY_CHARACTERS, 1 + len(code) + depth)


def _parse(raw: str, default_region: str) -> tuple[Country, str] | None:
    """``raw``'s country and national significant number as parse reads them, or None to
    decline (input that is not plain digits and separators, and what the tables do not
    model)."""
    if len(raw) > LONGEST_INPUT or not raw.isascii():
        return None
    if raw[:1] == "+":
        digits = _digits(raw[1:])
        parsed = None if digits is None else _international(digits)
    else:
        digits = _digits(raw)
        parsed = None if digits is None else _national(digits, default_region)
    if parsed is None:
        return None
    return parsed


def _digits(text: str) -> str | None:
    """``text`` without separators, if only ASCII digits remain (``text`` is ASCII)."""
    if text.isdigit():
        return text
    text = text.replace(" ", "").replace("-", "")
    if text.isdigit():
        return text
    text = text.replace("(", "").replace(")", "").replace(".", "").replace("/", "")
    return text if text.isdigit() else None


def _international(digits: str) -> tuple[Country, str] | None:
    """``+`` and digits: the calling code, then the national number as parse keeps it."""
    if len(digits) < 3:
        return None  # parse: too short after the plus sign
    country = country_of(digits)
    if country is None:
        return None
    return _national_number(country.main, country, digits[len(country.code_text) :])


def _national(digits: str, region: str) -> tuple[Country, str] | None:
    """Digits without ``+``, read in ``region`` as ``_maybe_extract_country_code`` does."""
    tables = region_tables(region)
    if tables is None or len(digits) < 3:
        return None
    plan, country = tables
    end = plan.idd_end(digits)
    if end is not None and digits[end : end + 1] != "0":
        # An international dialling prefix (00, 011, ...): parse drops it, unless a 0 follows,
        # and reads the rest as if it followed a "+".
        return _international(digits[end:])
    code_text = plan.country_code_text
    if digits.startswith(code_text):
        # The region's own calling code written without "+": parse drops it when the number
        # only makes sense without it, or is too long with it; the country's main metadata
        # then reads the rest.
        rest = plan.strip_national_prefix(digits[len(code_text) :])
        if (not plan.matches_general(digits) and plan.matches_general(rest)) or len(
            digits
        ) in plan.too_long:
            return _national_number(country.main, country, rest)
    return _national_number(plan, country, digits)


def _national_number(plan: Plan, country: Country, national: str) -> tuple[Country, str] | None:
    """parse's last steps: strip a national prefix unless the rest has an impossible length."""
    if len(national) < _SHORTEST_NATIONAL:
        return None
    stripped = plan.strip_national_prefix(national)
    if len(stripped) in plan.keeps_stripped:
        national = stripped
    if not _SHORTEST_NATIONAL <= len(national) <= _LONGEST_NATIONAL:
        return None
    return country, national


def _details(raw: str, country: Country, national: str, given_zone: str | None) -> PhoneDetails:
    """The PhoneDetails of a parsed number; ``national`` is its national significant number."""
    e164 = "+" + country.code_text + national
    region, kind = country.classify(national)
    if region == _NON_GEOGRAPHIC:
        region = None
    if kind == UNKNOWN:
        return PhoneDetails(
            raw=raw,
            e164=e164,
            valid=False,
            invalidReason=country.main.possible_reason(national),
            lineType=None,
            region=region,
            timeZone=given_zone,
            timeZoneSource=None if given_zone is None else "given",
            timeZoneAmbiguous=False,
        )
    zone, ambiguous = given_zone, False
    source: str | None = "given"
    if given_zone is None:
        zone, ambiguous = country.zone(kind, e164[1:])
        source = None if zone is None else "phone-prefix"
    return PhoneDetails(
        raw=raw,
        e164=e164,
        valid=True,
        invalidReason=None,
        lineType=LINE_TYPES[kind],
        region=region,
        timeZone=zone,
        timeZoneSource=source,
        timeZoneAmbiguous=ambiguous,
    )
