"""Realistic contacts: valid, mostly unique numbers of several countries, cached on disk."""

from __future__ import annotations

import random
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from bench.tools import DATA

# Share of each country in the generated lists.
COUNTRIES = {
    "US": 30, "IN": 15, "GB": 10, "DE": 8, "BR": 7, "MX": 6, "FR": 5,
    "AU": 5, "CA": 4, "ES": 4, "IT": 3, "NL": 3,
}  # fmt: skip
FIRST_NAMES = ["Ada", "Alan", "Grace", "Linus", "Asha", "Ravi", "Lena", "Jonas", "Maria", "Wei"]
LAST_NAMES = ["Lovelace", "Turing", "Hopper", "Torvalds", "Patel", "Kumar", "Müller", "Silva"]


def _numbers_for(region: str, count: int, rng: random.Random) -> list[str]:
    templates = [
        phonenumbers.example_number_for_type(region, kind)
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE)
    ]
    digits = [
        phonenumbers.format_number(t, PhoneNumberFormat.E164) for t in templates if t is not None
    ]
    found: set[str] = set()
    while len(found) < count:
        template = rng.choice(digits)
        keep = len(template) - rng.randint(4, 6)
        candidate = template[:keep] + "".join(rng.choice("0123456789") for _ in template[keep:])
        if candidate not in found and phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            found.add(candidate)
    return sorted(found)


def phone_numbers(count: int) -> list[str]:
    """``count`` valid E.164 numbers in a shuffled country mix (generated once, then read)."""
    path = DATA / f"numbers-{count}.txt"
    if path.exists():
        return path.read_text().split()
    rng = random.Random(20261124)
    total = sum(COUNTRIES.values())
    numbers: list[str] = []
    for region, share in COUNTRIES.items():
        numbers += _numbers_for(region, count * share // total + 1, rng)
    rng.shuffle(numbers)
    numbers = numbers[:count]
    DATA.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(numbers))
    return numbers


def contacts(numbers: list[str]) -> list[dict[str, str]]:
    """Contacts as a dialer's CRM export would send them."""
    rng = random.Random(7)
    return [
        {
            "phoneNumber": number,
            "firstName": rng.choice(FIRST_NAMES),
            "lastName": rng.choice(LAST_NAMES),
            "uniqueId": f"CUST-{index:07d}",
        }
        for index, number in enumerate(numbers)
    ]
