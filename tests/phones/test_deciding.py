"""``deciding.deciding_digits`` on small patterns, and ``service.deciding_cut`` against
phonenumbers' public API: every number that shares a number's deciding characters (and its
length) is what phonenumbers says the number is, with itself as its E.164 form."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat

from dialist.phones import service
from dialist.phones.deciding import deciding_digits
from tests.phones.test_fastpath import EXAMPLES

service.keep_compiled_patterns()


@pytest.mark.parametrize(
    ("pattern", "length", "known", "expected"),
    [
        (r"[2-9]\d{9}", 10, "", 1),
        (r"8(?:00|33)\d{7}", 10, "", 3),
        (r"8(?:00|33)\d{7}", 10, "9", 0),  # refused at once: nothing after it is read
        (r"8(?:00|33)\d{7}", 10, "800", 0),  # every digit it reads is known
        (r"(?:\d{2})?5\d{7}", 10, "", 3),  # the 5 is at 0 or at 2
        (r"\d{3}(?:1|2)\d{6}", 10, "", 4),
        (r"\d+7", 10, "", 10),  # the 7 can be anywhere
        (r"(?=[2-9]\d{9}\Z)(?:212\d{7}()|[2-9]\d{9}())", 10, "", 3),
        (r"[^5]\d{9}", 10, "", 1),
        (r"[0-9]\d{9}", 10, "", 0),  # every step takes any digit
        (r"12\d", 10, "", 2),  # match, not fullmatch: the rest is not read
    ],
)
def test_deciding_digits(pattern: str, length: int, known: str, expected: int) -> None:
    assert deciding_digits(pattern, length, known) == expected


@pytest.mark.parametrize("pattern", [r"(\d)\1\d{8}", r"(?<=1)\d{10}", r"\b\d{10}"])
def test_what_the_walk_does_not_model_is_none(pattern: str) -> None:
    assert deciding_digits(pattern, 10) is None


@pytest.mark.parametrize(
    "raw",
    [
        "+1 212 555 0199",  # separators
        "2125550199",  # no "+"
        "+1212555019\uff19",  # a digit that is not ASCII
        "+0123",  # no calling code
        "+12",  # too short
        "+4407911123456",  # GB's national prefix after the calling code: parse strips it
    ],
)
def test_numbers_not_decided_by_their_beginning(raw: str) -> None:
    assert service.deciding_cut(raw) is None


def _beginnings() -> list[str]:
    """Example numbers of every region, type and non-geographic code in E.164, some with
    digits changed, cut or lengthened, and dense NANP blocks."""
    rng = random.Random(11)
    found = []
    for example in EXAMPLES:
        e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
        found += [e164, e164[:-1], e164 + rng.choice("0123456789")]
        for _ in range(3):
            digits = list(e164)
            for _ in range(rng.choice([1, 2])):
                digits[rng.randrange(2, len(digits))] = rng.choice("0123456789")
            found.append("".join(digits))
    for area in ("212", "246", "305", "441", "658", "787", "809", "876", "905"):
        found += [f"+1{area}{rng.randrange(10_000_000):07d}" for _ in range(20)]
    return found


def test_numbers_sharing_the_deciding_characters_are_the_same_number() -> None:
    rng = random.Random(12)
    decided = 0
    for raw in _beginnings():
        cut = service.deciding_cut(raw)
        if cut is None:
            continue
        decided += 1
        assert cut <= len(raw)
        mine = service.identify(raw, default_region="US")
        assert mine.e164 == raw
        for _ in range(6):
            other = raw[:cut] + "".join(rng.choices("0123456789", k=len(raw) - cut))
            assert service.deciding_cut(other) == cut, (raw, other)
            expected = service.reference_normalise(other, default_region="US")
            found = (expected.e164, expected.valid, expected.region, expected.lineType)
            assert found == (other, mine.valid, mine.region, mine.line_type), (raw, cut, other)
    assert decided > 3_000  # most numbers written in E.164 are decided by their beginning


def test_a_us_number_is_decided_by_its_area_code_and_exchange() -> None:
    cut = service.deciding_cut("+12125550199")
    assert cut is not None and cut <= len("+1212555")
