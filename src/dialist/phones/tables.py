"""Calling codes compiled for the fast path: their regions and their time-zone prefixes.

For each country calling code, built on first use: its main metadata's ``Plan``, how
``region_code_for_number`` tells its regions apart (leading-digit patterns of a run of regions
joined in one regex), and the time-zone verdict of each prefix phonenumbers' time-zone table
holds for it, laid out for a short walk. A country costs a few milliseconds to build and a
few kB to keep; all 215 calling codes with every number length compiled stay under 4 MB.
"""

from __future__ import annotations

import re

from phonenumbers import SUPPORTED_REGIONS, PhoneMetadata, PhoneNumber
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, is_number_type_geographical
from phonenumbers.timezone import UNKNOWN_TIMEZONE, _country_level_time_zones_for_number
from phonenumbers.tzdata import TIMEZONE_DATA

from dialist.phones.deciding import deciding_digits
from dialist.phones.plans import (
    CAPTURING_GROUP,
    LINE_TYPES,
    UNKNOWN,
    Plan,
    UnsupportedMetadataError,
    plan_for,
)

# A zone verdict: (the one zone, or None; whether several zones were named).
ZoneVerdict = tuple[str | None, bool]
_NO_ZONE: ZoneVerdict = (None, False)
# A time-zone table entry: (the verdict of this prefix or None, whether longer prefixes follow).
ZoneEntry = tuple[ZoneVerdict | None, bool]


class Step:
    """One test of region_code_for_number's walk through the regions sharing a calling code.

    Either a run of regions told apart by leading digits (``leading`` set: one regex, an empty
    group after each region's pattern, the first that matches wins as in phonenumbers' loop),
    or one region whose numbers must have a valid type (``leading`` None).
    """

    __slots__ = ("leading", "plans", "regions")

    def __init__(
        self, leading: re.Pattern[str] | None, regions: tuple[str, ...], plans: tuple[Plan, ...]
    ) -> None:
        self.leading = leading
        self.regions = regions
        self.plans = plans


class Country:
    """A country calling code: its regions, its main metadata and its time-zone prefixes."""

    __slots__ = (
        "_deciding",
        "code_text",
        "country_zone",
        "geographic_types",
        "main",
        "single",
        "steps",
        "zone_lengths",
        "zones",
    )

    def __init__(self, code: int) -> None:
        self.code_text = str(code)
        regions = COUNTRY_CODE_TO_REGION_CODE[code]
        main = plan_for(code, regions[0])
        if main is None:
            raise UnsupportedMetadataError("no metadata for the main region")
        self.main = main
        self.single: tuple[str, Plan] | None = None
        self.steps: tuple[Step, ...] = ()
        if len(regions) == 1:
            self.single = (regions[0], main)  # region_code_for_number asks nothing more
        else:
            self.steps = _steps(code, regions)
        self.geographic_types = frozenset(
            kind for kind in LINE_TYPES if is_number_type_geographical(kind, code)
        )
        self.zones, self.zone_lengths = _zone_prefixes(self.code_text)
        level = _country_level_time_zones_for_number(PhoneNumber(country_code=code))
        self.country_zone = _verdict(tuple(level))
        self._deciding: dict[tuple[int, str], int | None] = {}

    def classify(self, national: str) -> tuple[str | None, int]:
        """``region_code_for_number`` and ``number_type`` of a number with this calling code."""
        single = self.single
        if single is not None:
            return single[0], single[1].number_type(national)
        for step in self.steps:
            if step.leading is None:
                kind = step.plans[0].number_type(national)
                if kind != UNKNOWN:
                    return step.regions[0], kind
                continue
            found = step.leading.match(national)
            if found is not None and found.lastindex is not None:
                index = found.lastindex - 1
                return step.regions[index], step.plans[index].number_type(national)
        return None, UNKNOWN

    def deciding_length(self, length: int, known: str) -> int | None:
        """How many leading digits decide ``classify`` of every national number of ``length``
        digits that begins with ``known``: the deepest digit any pattern ``classify`` may try on
        such a number reads (``deciding.deciding_digits``), following its walk through the
        regions as far as ``known`` decides it. None when a pattern is not one that walk
        models."""
        key = (length, known)
        try:
            return self._deciding[key]
        except KeyError:
            pass
        if len(self._deciding) >= _MAX_DECIDING:
            self._deciding.clear()
        found = self._deciding[key] = self._deciding_length(length, known)
        return found

    def _deciding_length(self, length: int, known: str) -> int | None:
        example = (known + "0" * length)[:length]  # decided digits are the same in every number
        deepest = 0

        def depth(patterns: list[re.Pattern[str]]) -> int | None:
            found = deepest
            for pattern in patterns:
                digits = deciding_digits(pattern.pattern, length, known)
                if digits is None:
                    return None
                found = max(found, digits)
            return found

        def type_depth(plan: Plan) -> int | None:
            return depth(plan.type_patterns(length))

        single = self.single
        if single is not None:
            return type_depth(single[1])
        for step in self.steps:
            if step.leading is None:
                reached = type_depth(step.plans[0])
                if reached is None:
                    return None
                deepest = reached
                if deepest <= len(known) and step.plans[0].number_type(example) != UNKNOWN:
                    return deepest  # every such number stops here
                continue
            reached = depth([step.leading])
            if reached is None:
                return None
            deepest = reached
            if deepest <= len(known):
                found = step.leading.match(example)
                if found is None or found.lastindex is None:
                    continue  # no such number stops here
                return type_depth(step.plans[found.lastindex - 1])
            for plan in step.plans:  # any of these regions may be the one
                reached = type_depth(plan)
                if reached is None:
                    return None
                deepest = reached
        return deepest

    def zone(self, kind: int, e164_digits: str) -> ZoneVerdict:
        """The verdict on ``time_zones_for_number`` of a valid number of type ``kind``."""
        if kind not in self.geographic_types:
            return self.country_zone
        found = _NO_ZONE
        zones = self.zones
        for length in self.zone_lengths:
            entry = zones.get(e164_digits[:length])
            if entry is None:
                break
            verdict, longer = entry
            if verdict is not None:
                found = verdict
            if not longer:
                break
        return found


def _steps(code: int, regions: tuple[str, ...]) -> tuple[Step, ...]:
    steps: list[Step] = []
    run: list[tuple[str, Plan, str]] = []
    for region in regions:
        plan = plan_for(code, region)
        if plan is None:
            continue  # phonenumbers' walk skips a region without metadata
        leading = plan.metadata.leading_digits
        if leading is None:
            steps += _leading_step(run)
            run = []
            steps.append(Step(None, (region,), (plan,)))
        else:
            if CAPTURING_GROUP.search(leading):
                raise UnsupportedMetadataError("capturing group in leading digits")
            run.append((region, plan, leading))
    steps += _leading_step(run)
    return tuple(steps)


def _leading_step(run: list[tuple[str, Plan, str]]) -> list[Step]:
    if not run:
        return []
    pattern = re.compile("|".join(f"(?:{leading})()" for _, _, leading in run))
    return [Step(pattern, tuple(r for r, _, _ in run), tuple(p for _, p, _ in run))]


def _verdict(zones: tuple[str, ...]) -> ZoneVerdict:
    known = [zone for zone in zones if zone != UNKNOWN_TIMEZONE]
    if len(known) == 1:
        return known[0], False
    return None, len(known) > 1


def _zone_prefixes(code_text: str) -> tuple[dict[str, ZoneEntry], tuple[int, ...]]:
    """The time-zone prefixes that can begin a number with this calling code, for a short walk.

    phonenumbers' search finds the longest prefix in its table that begins the E.164 digits.
    The same answer comes from walking the candidate lengths upwards and stopping where no
    longer prefix can follow: the table holds, for every prefix and every beginning of one at
    a candidate length, (its verdict or None, whether a longer prefix begins with it). A prefix
    whose verdict is the one its own longest shorter prefix gives is left out: the walk then
    stops at that shorter one, with the same verdict.
    """
    verdicts = {
        prefix: _verdict(tuple(names))
        for prefix, names in TIMEZONE_DATA.items()
        if prefix.startswith(code_text) or code_text.startswith(prefix)
    }
    kept: dict[str, ZoneVerdict] = {}
    for prefix, verdict in verdicts.items():
        inherited = _NO_ZONE
        for end in range(len(prefix) - 1, 0, -1):
            if prefix[:end] in verdicts:
                inherited = verdicts[prefix[:end]]
                break
        if verdict != inherited:
            kept[prefix] = verdict
    lengths = tuple(sorted({len(prefix) for prefix in kept}))
    table: dict[str, ZoneEntry] = {prefix: (verdict, False) for prefix, verdict in kept.items()}
    for prefix in kept:
        for length in lengths:
            if length < len(prefix):
                own, _ = table.get(prefix[:length], (None, False))
                table[prefix[:length]] = (own, True)
    return table, lengths


# Answers of ``Country.deciding_length`` kept per country; they start again when full.
_MAX_DECIDING = 100_000
_REGIONS: dict[str, tuple[Plan, Country] | None] = {}
_MAX_REGION_ENTRIES = 1_024
_BY_LEAD: dict[str, Country | None] = {}
_COUNTRIES: dict[int, Country | None] = {}


def region_tables(region: str) -> tuple[Plan, Country] | None:
    """A default region's plan and its calling code's country.

    None unless ``region`` is one of phonenumbers' SUPPORTED_REGIONS (parse refuses others for
    numbers without "+") with tables these can model.
    """
    try:
        return _REGIONS[region]
    except KeyError:
        pass
    found = _region_entry(region) if region in SUPPORTED_REGIONS else None
    if len(_REGIONS) < _MAX_REGION_ENTRIES:  # callers may pass any text: keep the cache small
        _REGIONS[region] = found
    return found


def _region_entry(region: str) -> tuple[Plan, Country] | None:
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or metadata.country_code is None:
        return None
    country = country_for_code(metadata.country_code)
    try:
        plan = plan_for(metadata.country_code, region)
    except UnsupportedMetadataError:
        return None
    return None if plan is None or country is None else (plan, country)


def country_of(digits: str) -> Country | None:
    """The country whose calling code begins ``digits``, found as _extract_country_code does.

    None when no calling code begins them (or they start with 0) or its tables are unsupported.
    A calling code has at most three digits, so the first three decide.
    """
    lead = digits[:3]
    try:
        return _BY_LEAD[lead]
    except KeyError:
        _BY_LEAD[lead] = found = _country_for_lead(lead)
        return found


def _country_for_lead(lead: str) -> Country | None:
    if not lead or lead[0] == "0":
        return None  # calling codes do not begin with 0
    for end in range(1, len(lead) + 1):
        code = int(lead[:end])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return country_for_code(code)
    return None


def country_for_code(code: int) -> Country | None:
    """The country of a known calling code; None if its tables are unsupported."""
    try:
        return _COUNTRIES[code]
    except KeyError:
        pass
    try:
        country: Country | None = Country(code)
    except UnsupportedMetadataError:
        country = None
    _COUNTRIES[code] = country
    return country
