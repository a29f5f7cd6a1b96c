"""``places.number_place`` (remembered per deciding data entry) answers exactly what working
each number out in full answers, for numbers of every region and type, in any order."""

from __future__ import annotations

import random

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from dialist.contactability import places
from dialist.contactability.jurisdictions import number_jurisdictions
from dialist.contactability.zones import number_zones
from dialist.phones import service as phones

_TYPES = (
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.VOIP,
    PhoneNumberType.PREMIUM_RATE,
)


def _numbers() -> list[str]:
    """Example numbers of every region and type, each with its last three digits varied."""
    rng = random.Random(7)
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in _TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
            found.append(e164)
            found += [e164[:-3] + f"{rng.randrange(1000):03d}" for _ in range(4)]
    # Dense NANP blocks: many numbers per area code and exchange (what a list holds).
    for area in ("212", "305", "602", "709", "808", "867", "902"):
        found += [
            f"+1{area}{rng.randrange(200, 1000)}{rng.randrange(10_000):04d}" for _ in range(60)
        ]
    rng.shuffle(found)
    return found


def test_a_remembered_place_is_the_place_worked_out_in_full() -> None:
    numbers = _numbers()
    assert len(numbers) > 2_000
    for _ in range(2):  # cold, then every place remembered
        for e164 in numbers:
            phone = phones.normalise(e164, default_region="US")
            place = places.number_place(
                phone.e164, valid=phone.valid, region=phone.region, line_type=phone.lineType
            )
            if not phone.valid:
                assert place == places.NOWHERE
                continue
            assert place.zones == tuple(number_zones(e164)), e164
            assert place.jurisdictions == tuple(number_jurisdictions(e164)), e164
