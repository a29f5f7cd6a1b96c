"""What judging a number given alone needs of it, remembered by the characters that decide it.

A dialer asks about the same area codes and exchanges all day. For a number written as ``+``
and digits, ``phones.deciding_cut`` says how many leading characters decide its validity,
region and line type, and ``places.deciding_characters`` how many decide its place. Numbers of
one length that share the longer of the two share all of it, so the first of them is identified
and placed and the rest are found with two dict lookups: on a list of a million US numbers, a
few thousand are worked out and the rest looked up. Anything else (separators, a national
form, what the fast path of ``phones`` does not model) is left to the caller's long road.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from dialist.contactability import places
from dialist.contactability.places import NumberPlace
from dialist.phones import service as phones

# How many characters of a number say which family it is of: the phones' deciding cut is the
# same for all numbers of one length that share them.
_FAMILY = phones.FAMILY_CHARACTERS
# Numbers remembered across requests (each a short string and a shared tuple); all are
# forgotten at once when there are more.
_MOST_KNOWN = 200_000


class Known(NamedTuple):
    """A number's validity, region, line type and place (NOWHERE when it is not valid), and
    ``kind``: how ``judge.Judge`` keys the decision it shares with every number judged for the
    stream alone in the same place with the same validity."""

    valid: bool
    region: str | None
    line_type: str | None
    place: NumberPlace
    kind: tuple[None, NumberPlace, bool]


# By the family's first characters and length: how many characters decide its numbers, and
# what is known of each such beginning (None: a family whose numbers are not decided early).
_families: dict[tuple[str, int], tuple[int, dict[str, Known]] | None] = {}
_count = 0


def known(raws: Sequence[str], default_region: str) -> list[Known | None]:
    """What is known of each number written as ``+`` and digits only (its E.164 form is itself,
    as given), worked out once per deciding beginning; None for any other."""
    families = _families
    found: list[Known | None] = []
    append = found.append
    for raw in raws:
        if raw[:1] != "+" or not raw.isascii() or not raw[1:].isdigit():
            append(None)
            continue
        key = (raw[:_FAMILY], len(raw))
        try:
            family = families[key]
        except KeyError:
            family = _family(raw, key)
        if family is None:
            append(None)
            continue
        cut, table = family
        facts = table.get(raw[:cut])
        if facts is None:
            facts = _learn(raw, cut, table, default_region)
        append(facts)
    return found


def _family(raw: str, key: tuple[str, int]) -> tuple[int, dict[str, Known]] | None:
    phone_cut = phones.deciding_cut(raw)
    family: tuple[int, dict[str, Known]] | None = None
    if phone_cut is not None:
        family = (max(phone_cut, places.deciding_characters(raw)), {})
    if len(_families) >= _MOST_KNOWN:
        _forget()
    _families[key] = family
    return family


def _learn(raw: str, cut: int, table: dict[str, Known], default_region: str) -> Known:
    global _count
    identity = phones.identify(raw, default_region=default_region)
    valid = identity.valid
    place = places.place_of(raw, identity.region, identity.line_type) if valid else places.NOWHERE
    facts = Known(valid, identity.region, identity.line_type, place, (None, place, valid))
    _count += 1
    if _count >= _MOST_KNOWN:
        _forget()
    table[raw[:cut]] = facts
    return facts


def _forget() -> None:
    global _count
    _families.clear()
    _count = 0
