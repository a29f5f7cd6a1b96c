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


class _Family(NamedTuple):
    """Numbers of one length that share their first ``_FAMILY`` characters."""

    cut: int  # how many characters decide all that is known of a number
    known: dict[str, Known]  # by those characters
    phone_cut: int  # how many decide its validity, region and line type
    identities: dict[str, tuple[bool, str | None, str | None]]  # those, by these characters


# By the family's first characters and length (None: a family whose numbers are not decided
# early).
_families: dict[tuple[str, int], _Family | None] = {}
_count = 0


def known(raws: Sequence[str | None], default_region: str) -> list[Known | None]:
    """What is known of each number written as ``+`` and digits only (its E.164 form is itself,
    as given), worked out once per deciding beginning; None for any other, and for None."""
    families = _families
    found: list[Known | None] = []
    append = found.append
    for raw in raws:
        if raw is None or raw[:1] != "+" or not raw.isascii() or not raw[1:].isdigit():
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
        facts = family.known.get(raw[: family.cut])
        if facts is None:
            facts = _learn(raw, family, default_region)
        append(facts)
    return found


def _family(raw: str, key: tuple[str, int]) -> _Family | None:
    phone_cut = phones.deciding_cut(raw)
    family = None
    if phone_cut is not None:
        cut = max(phone_cut, places.deciding_characters(raw))
        family = _Family(cut, {}, phone_cut, {})
    if len(_families) >= _MOST_KNOWN:
        _forget()
    _families[key] = family
    return family


def _learn(raw: str, family: _Family, default_region: str) -> Known:
    """What is known of numbers that begin as ``raw`` does, up to the family's cut: its
    validity, region and line type found once per shorter beginning (an area code, for the
    exchanges under it), its place worked out."""
    global _count
    identity = family.identities.get(raw[: family.phone_cut])
    if identity is None:
        found = phones.identify(raw, default_region=default_region)
        identity = family.identities[raw[: family.phone_cut]] = (
            found.valid,
            found.region,
            found.line_type,
        )
    valid, region, line_type = identity
    place = places.place_of(raw, region, line_type) if valid else places.NOWHERE
    facts = Known(valid, region, line_type, place, (None, place, valid))
    _count += 1
    if _count >= _MOST_KNOWN:
        _forget()
    family.known[raw[: family.cut]] = facts
    return facts


def _forget() -> None:
    global _count
    _families.clear()
    _count = 0
