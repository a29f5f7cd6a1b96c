"""``numbers.known`` (facts remembered by a number's deciding characters) answers what working
each number out in full answers: ``phones.identify`` and ``places.number_place``."""

from __future__ import annotations

import random

from dialist.contactability import numbers, places
from dialist.phones import service as phones
from tests.contactability.test_places import _numbers


def _written(rng: random.Random, e164: str) -> str:
    """``e164`` as is, mostly; else with a space, a national form or a change of length."""
    form = rng.random()
    if form < 0.8:
        return e164
    if form < 0.85:
        return e164[:3] + " " + e164[3:]
    if form < 0.9:
        return e164[2:]
    if form < 0.95:
        return e164[:-2]
    return e164 + "7"


def test_what_is_known_is_what_working_out_in_full_finds() -> None:
    rng = random.Random(3)
    raws = [_written(rng, e164) for e164 in _numbers()]
    raws += ["", "+", "+1", "+12125550199 ", "+1212555019\u0669", "+0044"]
    rng.shuffle(raws)
    known_at_all = 0
    for _ in range(2):  # cold, then remembered
        for raw, found in zip(raws, numbers.known(raws, "US"), strict=True):
            if found is None:
                assert phones.deciding_cut(raw) is None, raw
                continue
            known_at_all += 1
            identity = phones.identify(raw, default_region="US")
            assert identity.e164 == raw
            assert (found.valid, found.region, found.line_type) == identity[1:], raw
            place = places.number_place(
                raw, valid=identity.valid, region=identity.region, line_type=identity.line_type
            )
            assert found.place == place, raw
            assert found.kind == (None, place, identity.valid)
    assert known_at_all > len(raws)  # most of them, twice
