"""The JSON of the ``DNC`` reason of a stored entry that never expires, written into a template
made once per DNC list: a check of 1,000 numbers where a fifth are on a list writes 200 of them,
and making and encoding a ``Reason`` for each cost as much as the rest of their judging.

The template is ``rules.dnc_reason`` of a match whose entry id, value, reason and source are
placeholders, encoded as every reason is; each entry's four fields are encoded alone (each a
JSON string, or null for no reason) and written where the placeholders were, so the bytes are
exactly those of encoding the whole reason.
"""

from __future__ import annotations

import msgspec

from dialist.contactability import rules
from dialist.contactability.models import DncMatch
from dialist.dnc import service as dnc

_encode = msgspec.json.encode
# Placeholders of the four fields that differ between a list's entries, in the order
# ``DncMatch`` writes them.
_FIELDS = ("entry_id", "value", "reason", "source")
_HOLES = {field: f"\u0000{field}" for field in _FIELDS}


class LastingReasons:
    """The reasons of one judge's lasting entries: a template per DNC list and scope."""

    def __init__(self) -> None:
        self._templates: dict[tuple[int, str], tuple[bytes, ...]] = {}

    def json(self, entry: dnc.DncEntryRow, dnc_list: dnc.DncListRow) -> bytes:
        """``_encode(rules.dnc_reason(match))`` of the entry (which must never expire) as the
        judge's ``_matches`` makes its match."""
        template = self._templates.get((dnc_list.id, dnc_list.scope))
        if template is None:
            template = self._templates[(dnc_list.id, dnc_list.scope)] = _template(dnc_list)
        head, after_id, after_value, after_reason, tail = template
        return b"".join(
            (
                head,
                _encode(dnc.entry_public_id(entry.id)),
                after_id,
                _encode(entry.value),
                after_value,
                _encode(entry.reason),
                after_reason,
                _encode(entry.source),
                tail,
            )
        )


def _template(dnc_list: dnc.DncListRow) -> tuple[bytes, ...]:
    """The reason of a match of this list with placeholders, cut at each placeholder."""
    match = DncMatch(
        dnc_list_id=dnc.public_id(dnc_list.id),
        entry_id=_HOLES["entry_id"],
        scope=dnc_list.scope,
        value=_HOLES["value"],
        reason=_HOLES["reason"],
        source=_HOLES["source"],
    )
    rest = _encode(rules.dnc_reason(match))
    pieces = []
    for field in _FIELDS:
        before, hole, rest = rest.partition(_encode(_HOLES[field]))
        if not hole:
            raise RuntimeError(f"the reason's JSON has no {field}")
        pieces.append(before)
    return (*pieces, rest)
