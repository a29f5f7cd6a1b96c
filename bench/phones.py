"""Phone normalisation throughput on one core: ``normalise`` against phonenumbers' public API.

The floor is ``reference_normalise`` (what ``normalise`` computed with phonenumbers' public calls
before the fast path), run on the very same unique, valid numbers in the same process. Each
input form is timed over the whole list, best of ``rounds`` passes for both sides; the result
caches of the exact path are emptied before every pass, so no number is ever served twice.
Time is this process's CPU time: one core's numbers per second, whatever else the machine runs.

    python -c "from bench import phones; print(phones.figures(100_000))"
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import phonenumbers
from phonenumbers import PhoneNumberFormat

from bench import data
from bench.tools import DATA
from dialist.phones import service
from dialist.phones.models import PhoneDetails

# (raw, default region) pairs, one list per input form.
Inputs = list[tuple[str, str]]
Normalise = Callable[..., PhoneDetails]


def inputs(count: int) -> dict[str, Inputs]:
    """``count`` unique valid numbers of twelve countries, written three ways (cached on disk).

    E.164 ("+14155552671", default region US), international with spaces ("+44 20 7946 0018",
    default region US) and national with the number's own region as the default region
    ("(415) 555-2671" US, "020 7946 0018" GB).
    """
    path = DATA / f"phone-forms-{count}.json"
    if path.exists():
        cached: dict[str, list[list[str]]] = json.loads(path.read_text())
        return {form: [(raw, region) for raw, region in pairs] for form, pairs in cached.items()}
    forms: dict[str, Inputs] = {"e164": [], "international": [], "national": []}
    for e164 in data.phone_numbers(count):
        number = phonenumbers.parse(e164)
        region = phonenumbers.region_code_for_number(number)
        forms["e164"].append((e164, "US"))
        international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        forms["international"].append((international, "US"))
        national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        forms["national"].append((national, region))
    DATA.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(forms))
    return forms


def numbers_per_second(normalise: Normalise, pairs: Inputs, rounds: int) -> float:
    """Best rate of ``rounds`` passes over ``pairs`` (the exact path's caches emptied first)."""
    best = float("inf")
    for _ in range(rounds):
        service._normalise.cache_clear()
        started = time.process_time()
        for raw, region in pairs:
            normalise(raw, default_region=region)
        best = min(best, time.process_time() - started)
    return len(pairs) / best


def figures(count: int, rounds: int = 2) -> list[tuple[str, float, float]]:
    """(input form, numbers/s of ``normalise``, numbers/s of ``reference_normalise``) per form."""
    service.keep_compiled_patterns()  # as the app does at start; the reference uses it too
    results = []
    for form, pairs in inputs(count).items():
        for raw, region in pairs[:2_000]:  # build the lazily compiled tables, warm both sides
            service.normalise(raw, default_region=region)
            service.reference_normalise(raw, default_region=region)
        fast = numbers_per_second(service.normalise, pairs, rounds)
        reference = numbers_per_second(service.reference_normalise, pairs, rounds)
        results.append((form, fast, reference))
    return results


if __name__ == "__main__":
    for form, fast, reference in figures(100_000):
        print(f"{form:14} {fast:10,.0f}/s  reference {reference:9,.0f}/s  x{fast / reference:.1f}")
