"""The DNC reason of a lasting entry written into its list's template (``dnc_reasons``) is,
byte for byte, the reason made and encoded whole (``rules.dnc_reason``), whatever the entry's
value, reason and source hold."""

from __future__ import annotations

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from dialist.contactability import rules
from dialist.contactability.dnc_reasons import LastingReasons
from dialist.contactability.models import DncMatch
from dialist.dnc import service as dnc
from tests.dnc.rows import a_dnc_list

_LIST = a_dnc_list(id=42, scope="account", entry_count=1, entries_stamp=1)


def _whole(entry: dnc.DncEntryRow, dnc_list: dnc.DncListRow) -> bytes:
    match = DncMatch(
        dnc_list_id=dnc.public_id(dnc_list.id),
        entry_id=dnc.entry_public_id(entry.id),
        scope=dnc_list.scope,
        value=entry.value,
        reason=entry.reason,
        source=entry.source,
    )
    return msgspec.json.encode(rules.dnc_reason(match))


@given(
    key=st.integers(min_value=1, max_value=2**53),
    value=st.text(),
    reason=st.none() | st.text(),
    source=st.text(),
    scope=st.sampled_from(["account", "stream", "contactList"]),
)
def test_the_template_writes_what_encoding_the_whole_reason_writes(
    key: int, value: str, reason: str | None, source: str, scope: str
) -> None:
    entry = dnc.DncEntryRow(
        key, _LIST.id, value, False, value, None, reason, source, "t", "t", None
    )
    dnc_list = a_dnc_list(id=42, scope=scope)
    reasons = LastingReasons()
    assert reasons.json(entry, dnc_list) == _whole(entry, dnc_list)
    assert reasons.json(entry, dnc_list) == _whole(entry, dnc_list)  # from the template kept
