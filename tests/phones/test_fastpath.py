"""The fast path of ``normalise`` against phonenumbers' public API (``reference_normalise``).

Numbers of every region phonenumbers supports and every non-geographic calling code, valid and
not: example numbers with digits changed, cut short or lengthened, leading zeros, written in
E.164, international and national forms with random separators, with and without the national
prefix, the calling code without "+", an international dialling prefix; random digit strings
and random text; default regions of all kinds; with and without a given time zone.
"""

from __future__ import annotations

import random

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from dialist.phones import fastpath, service

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
NON_GEO = sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
TYPES = [
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
]
BENCH_REGIONS = ["US", "IN", "GB", "DE", "BR", "MX", "FR", "AU", "CA", "ES", "IT", "NL"]
ZONES = [None, None, None, "Europe/London", "Asia/Kolkata", "America/Sao_Paulo", "Mars/Base", ""]
SEPARATORS = [" ", " ", "-", ".", "/", "(", ")", "", "", ""]
ODD_CHARACTERS = [*" -./()+x#,;~*[]\t\u00a0\uff10\u0663+0123456789", "ext. ", "tel:"]
# National and carrier prefixes of various regions (AR, BR, CO, MX, JP, RU, ...).
NATIONAL_PREFIXES = ["0", "1", "8", "9", "01", "015", "021", "90", "0 15", "044", "045", "06"]
FORMATS = [PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL]


def _examples() -> list[phonenumbers.PhoneNumber]:
    found = []
    for region in REGIONS:
        for kind in TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append(number)
    for code in NON_GEO:
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            found.append(number)
    return found


EXAMPLES = _examples()
# Strategies built once: hypothesis labels a sampled_from by hashing its elements each time.
AN_EXAMPLE = st.sampled_from(EXAMPLES)
A_SEED = st.integers(0, 2**32 - 1)
AN_ODD_REGION = st.sampled_from([*BENCH_REGIONS, "001", "ZZ", "us", "XK"])
A_REGION = st.sampled_from([*REGIONS, "001", "ZZ", "us", "XK"])
# The app switches phonenumbers' pattern cache on at start; so do the tests (speed only).
service.keep_compiled_patterns()


def _check(raw: str, region: str, zone: str | None) -> None:
    # The fast path reads as phonenumbers does; normalise adds the international reading of
    # numbers that fail in the region, on both roads alike.
    read = service.reference_read(raw, region, zone)
    fast = fastpath.normalise(raw, region, service._valid_zone(zone) if zone else None)
    assert fast is None or fast == read, (raw, region, zone)
    assert service.read(raw, region, zone) == read
    expected = service.reference_normalise(raw, default_region=region, given_time_zone=zone)
    assert service.normalise(raw, default_region=region, given_time_zone=zone) == expected
    identified = (expected.e164, expected.valid, expected.region, expected.lineType)
    assert service.identify(raw, default_region=region) == identified, (raw, region)


def _near(rng: random.Random, number: phonenumbers.PhoneNumber) -> str:
    """The national significant number of ``number`` with random changes."""
    national = list(phonenumbers.national_significant_number(number))
    if rng.random() < 0.4:
        return "".join(national)
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        national[rng.randrange(len(national))] = rng.choice("0123456789")
    change = rng.choice(["keep", "keep", "keep", "keep", "cut", "add", "zeros"])
    if change == "cut":
        national = national[: rng.randint(0, len(national))]
    elif change == "add":
        national += rng.choices("0123456789", k=rng.randint(1, 4))
    elif change == "zeros":
        national = ["0"] * rng.randint(1, 3) + national
    return "".join(national)


def _spread(rng: random.Random, text: str) -> str:
    """``text`` with random separators between its characters (or as it is)."""
    if rng.random() < 0.4:
        return text
    return "".join(char + rng.choice(SEPARATORS) for char in text).strip()


def _written(rng: random.Random, number: phonenumbers.PhoneNumber, form: str) -> tuple[str, str]:
    """(raw, default region): a number near ``number``, written in ``form``."""
    code = str(number.country_code)
    national = _near(rng, number)
    own = phonenumbers.region_code_for_country_code(number.country_code)
    region = own if rng.random() < 0.6 else rng.choice([*BENCH_REGIONS, *REGIONS])
    if region not in phonenumbers.SUPPORTED_REGIONS:
        region = rng.choice(BENCH_REGIONS)
    if form == "e164":
        raw = "+" + code + _spread(rng, national)
    elif form == "formatted":
        try:
            parsed = phonenumbers.parse("+" + code + national)
            raw = phonenumbers.format_number(parsed, rng.choice(FORMATS))
        except phonenumbers.NumberParseException:
            raw = "+" + code + national
    elif form == "national":
        # With or without the national prefix, a carrier code, or as a local number.
        if rng.random() < 0.2:
            national = national[rng.randint(1, 4) :]
        prefix = phonenumbers.ndd_prefix_for_region(region, True) or ""
        prefix = rng.choice(["", prefix, prefix, rng.choice(NATIONAL_PREFIXES)])
        raw = _spread(rng, prefix + national)
    elif form == "prefix":
        raw = _spread(rng, code + national)  # calling code without "+"
    else:
        idd = rng.choice(["00", "011", "0011", "810", "000", "001", "0"])
        raw = _spread(rng, idd + code) + rng.choice(["", " "]) + national
    if rng.random() < 0.05:
        raw = rng.choice([" ", "(", "", "\t"]) + raw + rng.choice([" ", ")", "-", ""])
    return raw, region


@st.composite
def random_text(draw: st.DrawFn) -> tuple[str, str]:
    rng = random.Random(draw(A_SEED))
    raw = "".join(rng.choices(ODD_CHARACTERS, k=rng.randint(0, 24)))
    return raw, draw(AN_ODD_REGION)


@st.composite
def random_digits(draw: st.DrawFn) -> tuple[str, str]:
    rng = random.Random(draw(A_SEED))
    raw = rng.choice(["+", "", ""]) + "".join(rng.choices("0123456789", k=rng.randint(0, 20)))
    return _spread(rng, raw), draw(A_REGION)


@settings(max_examples=2_500, deadline=None, derandomize=True, database=None)
@given(AN_EXAMPLE, A_SEED, st.sampled_from(ZONES))
def test_written_numbers_equal_reference(
    number: phonenumbers.PhoneNumber, seed: int, zone: str | None
) -> None:
    """A number near an example, written in each form (a few ways each), of each kind."""
    rng = random.Random(seed)
    for form in ["e164", "e164", "formatted", "national", "national", "prefix", "idd"]:
        raw, region = _written(rng, number, form)
        _check(raw, region, zone)


@settings(max_examples=1_500, deadline=None, derandomize=True, database=None)
@given(st.one_of(random_digits(), random_text()), st.sampled_from(ZONES))
def test_random_input_equals_reference(case: tuple[str, str], zone: str | None) -> None:
    raw, region = case
    _check(raw, region, zone)


def test_every_example_number_in_every_form() -> None:
    for number in EXAMPLES:
        own = phonenumbers.region_code_for_number(number) or "US"
        region = own if own in phonenumbers.SUPPORTED_REGIONS else "US"
        for form in FORMATS:
            raw = phonenumbers.format_number(number, form)
            for default_region in {region, "US"}:
                _check(raw, default_region, None)


def test_fast_path_takes_the_common_forms() -> None:
    """The bench countries' numbers, E.164 and national, never leave the fast path."""
    for region in BENCH_REGIONS:
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE):
            number = phonenumbers.example_number_for_type(region, kind)
            assert number is not None
            for form in FORMATS:
                raw = phonenumbers.format_number(number, form)
                details = fastpath.normalise(raw, region, None)
                assert details is not None, raw
                assert details.valid
                assert details == service.reference_read(raw, region)


def test_fast_path_samples() -> None:
    for raw, region in [
        ("+14155552671", "US"),
        ("(415) 555-2671", "US"),
        ("1 (415) 555-2671", "US"),
        ("415.555.2671", "US"),
        ("020 7946 0018", "GB"),
        ("+44 20 7946 0018", "US"),
        ("030/1234567", "DE"),
        ("613 555 0123", "CA"),
        ("+1 268 464 1234", "US"),
        ("+800 1234 5678", "US"),
        ("+390612345678", "US"),
        ("06 12 34 56 78", "FR"),
        ("011 44 20 7946 0018", "US"),  # international dialling prefixes
        ("00 44 20 7946 0018", "GB"),
        ("0011 61 2 1234 3958", "AU"),
    ]:
        assert fastpath.normalise(raw, region, None) is not None, raw
        _check(raw, region, None)
        _check(raw, region, "Asia/Tokyo")


def test_fast_path_declines_what_it_does_not_model() -> None:
    for raw, region in [
        ("++44 20 7946 0018", "US"),
        ("+44 20 7946 0018 ext 12", "US"),
        ("1-800-FLOWERS", "US"),
        ("\uff10\uff12\uff10 7946 0018", "GB"),  # full-width digits
        ("4155552671", "ZZ"),
        ("+0 123 4567", "US"),
    ]:
        assert fastpath.normalise(raw, region, None) is None, raw
        _check(raw, region, None)
