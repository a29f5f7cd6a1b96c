"""Phone normalisation: pure functions, checked against phonenumbers' public API."""

from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from dialist.phones import service

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
TYPES = [
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.VOIP,
    PhoneNumberType.PREMIUM_RATE,
]


@st.composite
def numbers(draw: st.DrawFn) -> str:
    """E.164 strings near real numbers of many regions: examples with digits changed."""
    region = draw(st.sampled_from(REGIONS))
    kind = draw(st.sampled_from(TYPES))
    example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(
        region
    )
    if example is None:
        return "+" + draw(st.text("0123456789", min_size=6, max_size=15))
    digits = list(phonenumbers.format_number(example, PhoneNumberFormat.E164))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(2, len(digits) - 1))
        digits[at] = draw(st.sampled_from("0123456789"))
    if draw(st.booleans()):
        digits = digits[: draw(st.integers(3, len(digits)))]
    return "".join(digits)


@settings(max_examples=1500, deadline=None)
@given(numbers())
def test_classify_equals_phonenumbers_public_api(raw: str) -> None:
    try:
        number = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        return
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    assert service._classify(number, e164) == service.reference_classify(number)


def _parse_or_error(parse: object, raw: str, region: str) -> object:
    try:
        return parse(raw, region)  # type: ignore[operator]
    except phonenumbers.NumberParseException as error:
        return ("error", error.error_type)


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        numbers(),
        st.text("0123456789", min_size=0, max_size=20).map(lambda d: "+" + d),
        st.sampled_from(["+390612345678", "+3903123456", "+79123456789", "+5491123456789"]),
    ),
    st.sampled_from(["US", "GB", "IT", "AR", "DE", "IN"]),
)
def test_fast_parse_equals_phonenumbers_parse(raw: str, region: str) -> None:
    assert _parse_or_error(service._parse, raw, region) == _parse_or_error(
        phonenumbers.parse, raw, region
    )


@settings(max_examples=300, deadline=None)
@given(numbers())
def test_normalise_agrees_with_phonenumbers(raw: str) -> None:
    details = service.normalise(raw, default_region="US")
    assert details.raw == raw
    if details.assumed is not None:
        # No valid number of the US, read as "+" and its digits (tests/phones/test_international).
        assert details.assumed == "international" and details.valid
        assert not phonenumbers.is_valid_number(phonenumbers.parse(raw, "US"))
        return
    try:
        number = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        assert details.e164 is None and not details.valid
        return
    assert details.e164 == phonenumbers.format_number(number, PhoneNumberFormat.E164)
    assert details.valid == phonenumbers.is_valid_number(number)
    if details.valid:
        region = phonenumbers.region_code_for_number(number)
        # "001" is phonenumbers' code for non-geographic numbers (+800 …): no region at all.
        assert details.region == (None if region == "001" else region)
        assert details.invalidReason is None
    else:
        assert details.invalidReason is not None and details.lineType is None


def test_documented_samples_are_flagged_not_valid() -> None:
    for masked in ["91223334xxxxx", "+9198765xxxxx"]:
        details = service.normalise(masked, default_region="US")
        assert not details.valid
        assert details.invalidReason == "NOT_A_NUMBER"


def test_national_number_uses_default_region() -> None:
    details = service.normalise("(202) 555-0143", default_region="US")
    assert details.e164 == "+12025550143"
    gb = service.normalise("020 7183 8750", default_region="GB")
    assert gb.e164 == "+442071838750" and gb.valid and gb.region == "GB"
    assert gb.timeZone == "Europe/London" and gb.timeZoneSource == "phone-prefix"


def test_given_time_zone_wins_when_valid() -> None:
    given = service.normalise("+14155552671", default_region="US", given_time_zone="Asia/Tokyo")
    assert (given.timeZone, given.timeZoneSource) == ("Asia/Tokyo", "given")
    bogus = service.normalise("+14155552671", default_region="US", given_time_zone="Mars/Base")
    assert (bogus.timeZone, bogus.timeZoneSource) == ("America/Los_Angeles", "phone-prefix")


def test_only_iana_zones_are_time_zones() -> None:
    for zone in ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "US/Eastern", "EST"]:
        assert service.is_time_zone(zone), zone
    # Files of a zoneinfo directory that are not zones, a placeholder zone, and path tricks.
    for name in ["localtime", "posixrules", "posix/UTC", "right/UTC", "Factory", "", "/etc/x"]:
        assert not service.is_time_zone(name), name
    for name in ["../zoneinfo/UTC", "Europe/../UTC", "europe/berlin", "Europe/Berlin "]:
        assert not service.is_time_zone(name), name


def test_multi_zone_prefix_is_ambiguous_not_guessed() -> None:
    # Whole-country mobile ranges span several zones (e.g. Australian mobiles).
    details = service.normalise("+61412345678", default_region="US")
    assert details.valid
    if details.timeZone is None:
        assert details.timeZoneAmbiguous
    else:
        assert not details.timeZoneAmbiguous


def test_garbage_never_raises() -> None:
    for raw in ["", " ", "+", "++1", "0" * 200, "\u0663\u0664\u0665", "+1 (", "tel:+1-202"]:
        details = service.normalise(raw, default_region="US")
        assert details.raw == raw
