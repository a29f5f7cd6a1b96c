"""CSV cells of exported contacts: reading documents in batches, and the formula rule.

A batch is the documents joined with newlines, decoded in one msgspec call into structs whose
fields are the members wanted, each holding the member's JSON text (``service.CsvBatches``
cuts the CSV cells from them when a list is exported).

A cell is its value's JSON text: a string as its text (formula-neutralised, see
:func:`neutralise`), a number as JSON writes it, ``true``/``false``, null empty, a nested value
as compact JSON.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import msgspec

_encode = msgspec.json.encode

# The members of a contact's ``_phone`` that exports show, in their column order.
PHONE_FIELDS = (
    "e164",
    "valid",
    "invalidReason",
    "lineType",
    "region",
    "timeZone",
    "timeZoneSource",
    "timeZoneAmbiguous",
    "assumed",
)
_FORMULA_START = frozenset("=+-@\t\r")
# A number a spreadsheet reads as that number: ``+14155552671``, ``-12.5``. Anything else after
# a sign is a formula to it (``+1-2`` is -1, ``+44 20 7946 0018`` an error).
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet will show it rather than run it: a leading ``'`` when it
    starts with ``= + - @``, a tab or a carriage return and is not a plain number (an optional
    sign, then digits with at most one decimal point)."""
    if text[:1] in _FORMULA_START and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


_UNNAMEABLE = re.compile(r'["\\\x00-\x1f]')
_AS_DICTS = msgspec.json.Decoder(dict[str, msgspec.Raw])


def members_decoder(
    columns: Sequence[str], *, strict: bool = False
) -> msgspec.json.Decoder[Any] | None:
    """Decodes a JSON object into a struct whose fields are ``columns``, in that order, each
    holding the member's JSON text (an absent member: empty). Other members are skipped, or
    refused when ``strict``. None when a name cannot be a struct field's (msgspec refuses
    ``"``, ``\\`` and control characters in them); the callers then read dicts."""
    if any(_UNNAMEABLE.search(column) for column in columns):
        return None
    attributes = [f"c{i}" for i in range(len(columns))]
    row_type = msgspec.defstruct(
        "Members",
        [(attribute, msgspec.Raw, msgspec.Raw(b"")) for attribute in attributes],
        rename=dict(zip(attributes, columns, strict=True)),
        forbid_unknown_fields=strict,
        gc=False,  # holds bytes only: no reference cycle to look for
    )
    return msgspec.json.Decoder(row_type)


@lru_cache(maxsize=64)
def _only(names: tuple[str, ...]) -> msgspec.json.Decoder[Any] | None:
    return members_decoder(names, strict=True)


def as_dicts(batch: bytes) -> list[dict[str, msgspec.Raw]]:
    """Each document of a batch as a dict of its members' JSON texts (the slow way, any JSON).
    The texts point into ``batch``."""
    return _AS_DICTS.decode_lines(batch)


def new_names(known: Sequence[str], batch: bytes) -> list[str]:
    """The member names of a batch's documents that are not in ``known``, in the order first
    seen. Decoding into a struct of the known names that refuses any other member is cheaper
    than a dict per document, and nearly every batch brings no new name; a batch it refuses is
    read again as dicts, to learn its new names in order."""
    if not batch:
        return []
    decoder = _only(tuple(known))
    if decoder is not None:
        try:
            decoder.decode_lines(batch)
            return []
        except msgspec.ValidationError:
            pass
    seen = dict.fromkeys(known)
    seen.update(dict.fromkeys(itertools.chain.from_iterable(as_dicts(batch))))
    return list(seen)[len(known) :]
