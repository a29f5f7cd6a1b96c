"""The numbers of DNC lists held in memory (``dnc.held``): when a list is held, that a stamp it
was not held under is never trusted, and the bound on what is held. The database side (one
process's checks seeing another's writes at once) is in tests/test_many_processes.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence

import pytest

from dialist.dnc import held
from dialist.dnc.models import DncListRow
from tests.dnc.rows import a_dnc_list

_LIST = a_dnc_list()
_NUMBERS = ["+12125550100", "+12125550101", "+12125550102", "+442071838750"]


@pytest.fixture(autouse=True)
def _nothing_held() -> Iterator[None]:
    held.forget()
    yield
    held.forget()


class _Reads:
    """A list's values as ``held.Read`` gives them, counting the reads."""

    def __init__(self, values: dict[int, list[str]]) -> None:
        self.values = values
        self.count = 0

    def __call__(self, dnc_list: DncListRow) -> Iterable[Sequence[str]]:
        self.count += 1
        yield self.values[dnc_list.id]


def test_a_list_is_held_at_first_sight_and_after_a_change_once_asking_cost_as_much() -> None:
    reads = _Reads({7: ["+12125550101", "+442071838750"]})
    assert held.candidates([_LIST], _NUMBERS) is None
    held.asked_about_all([_LIST], 0.0, reads)
    assert reads.count == 1
    assert held.candidates([_LIST], _NUMBERS) == ["+12125550101", "+442071838750"]
    assert held.candidates([_LIST], []) == []
    changed = dataclasses.replace(_LIST, entries_stamp=12)
    assert held.candidates([changed], _NUMBERS) is None
    last = held._read_seconds[_LIST.id]
    held.asked_about_all([changed], last * 0.6, reads)
    assert reads.count == 1 and held.candidates([changed], _NUMBERS) is None  # not yet
    held.asked_about_all([changed], last * 0.6, reads)
    assert reads.count == 2 and held.candidates([changed], _NUMBERS) is not None


def test_another_stamp_is_not_trusted_until_read_again() -> None:
    reads = _Reads({7: ["+12125550101"]})
    held.asked_about_all([_LIST], 1.0, reads)
    changed = dataclasses.replace(_LIST, entries_stamp=12)
    assert held.candidates([changed], _NUMBERS) is None
    reads.values[7] = ["+12125550101", "+12125550100"]
    held.asked_about_all([changed], 1.0, reads)
    assert held.candidates([changed], _NUMBERS) == ["+12125550100", "+12125550101"]
    assert held.candidates([_LIST], _NUMBERS) is None  # the old stamp is gone


def test_several_lists_and_values_that_are_not_digits() -> None:
    other = dataclasses.replace(_LIST, id=8, entries_stamp=5)
    reads = _Reads({7: ["+12125550102"], 8: ["odd value", "+442071838750"]})
    assert held.candidates([_LIST, other], _NUMBERS) is None
    held.asked_about_all([_LIST, other], 1.0, reads)
    assert held.candidates([_LIST, other], [*_NUMBERS, "odd value", "+1 odd"]) == [
        "+12125550102",
        "+442071838750",
        "odd value",
    ]
    # Held for one list, not for the other: every number is asked about.
    assert held.candidates([_LIST, dataclasses.replace(other, entries_stamp=6)], _NUMBERS) is None


def test_what_is_held_stays_within_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(held, "MOST_HELD", 3)
    lists = [dataclasses.replace(_LIST, id=key, entries_stamp=key) for key in (1, 2, 3)]
    reads = _Reads({1: ["+12125550100"], 2: ["+12125550101", "+12125550102"], 3: ["+1"] * 2})
    held.asked_about_all(lists[:2], 1.0, reads)
    assert held.candidates(lists[:1], _NUMBERS) == ["+12125550100"]  # 1 used after 2
    held.asked_about_all(lists[2:], 1.0, reads)  # 2 let go: used longest ago
    assert held.candidates(lists[1:2], _NUMBERS) is None
    assert held.candidates(lists[:1], _NUMBERS) == ["+12125550100"]
    big = dataclasses.replace(_LIST, id=9, entry_count=4)
    held.asked_about_all([big], 1.0, reads)
    assert reads.count == 3 and held.candidates([big], _NUMBERS) is None  # never held
