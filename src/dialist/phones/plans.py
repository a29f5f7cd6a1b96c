"""One phonenumbers metadata (a region, or a non-geographic calling code) compiled for speed.

phonenumbers reads its metadata anew on every call: it looks each pattern up by its text and
tests each number type with its own regex call. A ``Plan`` holds the same metadata compiled
once, on first use (no work at import time): the national-prefix and international-prefix
patterns (plain ``str.startswith`` where they are digits and ``|`` only), the possible lengths
as the sets parse's length tests come to, and per national-number length one regex that holds
the type patterns in phonenumbers' order. Nothing here decides anything phonenumbers would not;
``tests/phones`` holds the results equal to its public API.
"""

from __future__ import annotations

import re

from phonenumbers import PhoneMetadata, PhoneNumberDesc, PhoneNumberType
from phonenumbers.phonenumberutil import ValidationResult, _test_number_length

LINE_TYPES = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}

POSSIBLE_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "INVALID_COUNTRY_CODE",
    ValidationResult.TOO_SHORT: "TOO_SHORT",
    ValidationResult.TOO_LONG: "TOO_LONG",
    ValidationResult.INVALID_LENGTH: "INVALID_LENGTH",
}

UNKNOWN = PhoneNumberType.UNKNOWN
# The types in the order phonenumbers' _number_type_helper tests them; fixed line and mobile last.
_TYPE_ORDER = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
    ("fixed_line", PhoneNumberType.FIXED_LINE),
    ("mobile", PhoneNumberType.MOBILE),
)
# Inputs longer than this are never parsed (normalise flags them TOO_LONG first).
LONGEST_INPUT = 64
_LITERALS = re.compile(r"[0-9]+(?:\|[0-9]+)*")
# Any "(" that does not open a non-capturing group or a lookahead (conservative: the tables mark
# group numbers with empty groups of their own, so patterns with groups are not modelled).
CAPTURING_GROUP = re.compile(r"\((?!\?[:=!])")


class UnsupportedMetadataError(Exception):
    """The metadata holds something these tables do not model: the fast path declines."""


def _desc(metadata: PhoneMetadata, field: str) -> PhoneNumberDesc | None:
    desc: PhoneNumberDesc | None = getattr(metadata, field)
    return desc


def _pattern_of(desc: PhoneNumberDesc | None) -> str | None:
    """A desc's national-number pattern, or None where phonenumbers would match nothing."""
    if desc is None or not desc.national_number_pattern:
        return None
    pattern = desc.national_number_pattern
    if CAPTURING_GROUP.search(pattern):
        raise UnsupportedMetadataError("capturing group in a number pattern")
    return pattern


def _desc_allows(desc: PhoneNumberDesc, length: int) -> bool:
    """phonenumbers' length pre-check in _is_number_matching_desc."""
    lengths = desc.possible_length
    return len(lengths) == 0 or length in lengths


def _literal_alternatives(pattern: str | None) -> tuple[str, ...] | None:
    """The alternatives of a pattern made only of digits and ``|`` ("0|180020"), else None.

    ``re.match`` of such a pattern matches the first alternative the text starts with, which
    ``str.startswith`` finds without a regex call.
    """
    if pattern is None or not _LITERALS.fullmatch(pattern):
        return None
    return tuple(pattern.split("|"))


class TypeMatcher:
    """The number type of national numbers of one length, for one metadata, in one regex call.

    ``pattern`` fullmatches only if the general desc matches (a lookahead), then tries each type
    allowed at this length in phonenumbers' order, each followed by an empty group: the group
    that took part names the type (the patterns hold no groups of their own). A fixed-line match
    becomes fixed-line-or-mobile when the metadata says the two patterns are the same or the
    mobile pattern matches too, as phonenumbers decides it.
    """

    __slots__ = ("codes", "mobile", "pattern", "same_mobile")

    def __init__(self, metadata: PhoneMetadata, length: int) -> None:
        general_desc = metadata.general_desc
        general = _pattern_of(general_desc)
        if general_desc is None or general is None or not _desc_allows(general_desc, length):
            raise LookupError("no number of this length is valid")
        self.same_mobile = bool(metadata.same_mobile_and_fixed_line_pattern)
        alternatives: list[str] = []
        codes: list[int] = []
        for field, code in _TYPE_ORDER:
            if field == "mobile" and self.same_mobile:
                continue  # phonenumbers does not test mobile on its own then
            desc = _desc(metadata, field)
            pattern = _pattern_of(desc)
            if desc is None or pattern is None or not _desc_allows(desc, length):
                continue
            alternatives.append(f"(?:{pattern})()")
            codes.append(code)
        if not alternatives:
            raise LookupError("no type has numbers of this length")
        self.pattern = re.compile(f"(?=(?:{general})\\Z)(?:{'|'.join(alternatives)})")
        self.codes = tuple(codes)
        mobile_desc = metadata.mobile
        mobile = _pattern_of(mobile_desc)
        allowed = mobile_desc is not None and _desc_allows(mobile_desc, length)
        self.mobile = re.compile(mobile) if mobile is not None and allowed else None

    def number_type(self, national: str) -> int:
        """``_number_type_helper(national, metadata)`` for a national number of this length."""
        found = self.pattern.fullmatch(national)
        if found is None or found.lastindex is None:
            return UNKNOWN
        code = self.codes[found.lastindex - 1]
        if code != PhoneNumberType.FIXED_LINE:
            return code
        if self.same_mobile or (self.mobile is not None and self.mobile.fullmatch(national)):
            return PhoneNumberType.FIXED_LINE_OR_MOBILE
        return code


class Plan:
    """One metadata (a region, or a non-geographic calling code) as the fast path uses it."""

    __slots__ = (
        "_matchers",
        "country_code_text",
        "general",
        "idd",
        "idd_literals",
        "keeps_stripped",
        "metadata",
        "national_prefix",
        "prefix_literals",
        "too_long",
        "transform",
    )

    def __init__(self, metadata: PhoneMetadata) -> None:
        for field, _ in _TYPE_ORDER:
            _pattern_of(_desc(metadata, field))  # raises here rather than on a number
        general_desc = metadata.general_desc
        if metadata.country_code is None or general_desc is None:
            raise UnsupportedMetadataError("no calling code or no general desc")
        if not general_desc.possible_length:
            raise UnsupportedMetadataError("no possible lengths")
        self.metadata = metadata
        self.country_code_text = str(metadata.country_code)
        general = _pattern_of(general_desc)
        self.general = re.compile(general) if general is not None else None
        prefix = metadata.national_prefix_for_parsing or None
        self.national_prefix = re.compile(prefix) if prefix is not None else None
        self.transform: str | None = metadata.national_prefix_transform_rule or None
        if self.transform and (self.national_prefix is None or not self.national_prefix.groups):
            raise UnsupportedMetadataError("transform rule without a group")
        self.prefix_literals = None if self.transform else _literal_alternatives(prefix)
        idd = metadata.international_prefix
        self.idd = re.compile(idd) if idd is not None else None
        self.idd_literals = _literal_alternatives(idd)
        results = {n: _test_number_length("0" * n, metadata) for n in range(LONGEST_INPUT + 1)}
        # parse keeps the number with its national prefix stripped unless the rest is too short,
        # local-only or of an invalid length; and drops a leading calling code when too long.
        self.keeps_stripped = frozenset(
            n
            for n, result in results.items()
            if result in (ValidationResult.IS_POSSIBLE, ValidationResult.TOO_LONG)
        )
        self.too_long = frozenset(
            n for n, result in results.items() if result == ValidationResult.TOO_LONG
        )
        self._matchers: dict[int, TypeMatcher | None] = {}

    def matches_general(self, national: str) -> bool:
        """``_match_national_number(national, general_desc, False)``."""
        return self.general is not None and self.general.fullmatch(national) is not None

    def idd_end(self, digits: str) -> int | None:
        """Where the international dialling prefix ends, if it begins ``digits``."""
        if self.idd_literals is not None:
            for prefix in self.idd_literals:
                if digits.startswith(prefix):
                    return len(prefix)
            return None
        found = None if self.idd is None else self.idd.match(digits)
        return None if found is None else found.end()

    def strip_national_prefix(self, national: str) -> str:
        """``_maybe_strip_national_prefix_carrier_code(national, metadata)[1]``.

        phonenumbers tests the original number against the general pattern first; that test
        only matters when the rest does not match, so it runs only then.
        """
        if not national:
            return national
        if self.prefix_literals is not None:
            for prefix in self.prefix_literals:
                if national.startswith(prefix):
                    rest = national[len(prefix) :]
                    break
            else:
                return national
        elif self.national_prefix is None:
            return national
        else:
            found = self.national_prefix.match(national)
            if found is None:
                return national
            if self.transform is None or found.groups()[-1] is None:
                rest = national[found.end() :]
            else:
                rest = self.national_prefix.sub(self.transform, national, count=1)
        if self.matches_general(rest) or not self.matches_general(national):
            return rest
        return national

    def number_type(self, national: str) -> int:
        """``_number_type_helper(national, metadata)``."""
        length = len(national)
        try:
            matcher = self._matchers[length]
        except KeyError:
            matcher = self._matcher(length)
        return UNKNOWN if matcher is None else matcher.number_type(national)

    def _matcher(self, length: int) -> TypeMatcher | None:
        try:
            return self._matchers[length]
        except KeyError:
            matcher = self._matchers[length] = _matcher_or_none(self.metadata, length)
            return matcher

    def type_patterns(self, length: int) -> list[re.Pattern[str]]:
        """The regexes ``number_type`` tries on national numbers of ``length`` digits."""
        matcher = self._matcher(length)
        if matcher is None:
            return []
        return [matcher.pattern] + ([matcher.mobile] if matcher.mobile is not None else [])

    def possible_reason(self, national: str) -> str:
        """The reason ``is_possible_number_with_reason`` gives when this is the main metadata."""
        return POSSIBLE_REASONS.get(_test_number_length(national, self.metadata), "INVALID_NUMBER")


def _matcher_or_none(metadata: PhoneMetadata, length: int) -> TypeMatcher | None:
    try:
        return TypeMatcher(metadata, length)
    except LookupError:
        return None


_PLANS: dict[tuple[int, str], Plan | None] = {}


def plan_for(code: int, region: str) -> Plan | None:
    """The plan of ``metadata_for_region_or_calling_code(code, region)``; None without metadata.

    Raises UnsupportedMetadataError when the metadata holds what these tables do not model.
    """
    key = (code, region)
    try:
        return _PLANS[key]
    except KeyError:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        plan = _PLANS[key] = None if metadata is None else Plan(metadata)
        return plan
