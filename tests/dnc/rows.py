"""DNC rows as the store gives them, for tests of the code that reads them."""

from __future__ import annotations

import dataclasses
from typing import Any

from dialist.dnc.models import DncListRow

_LIST = DncListRow(
    id=7,
    tenant_id=1,
    account_id="a",
    scope="stream",
    contact_list_id=None,
    name="n",
    description="",
    entry_count=3,
    created_by="u",
    updated_by="u",
    created_at="2026-12-03T00:00:00.000Z",
    updated_at="2026-12-03T00:00:00.000Z",
    entries_stamp=11,
)


def a_dnc_list(**changes: Any) -> DncListRow:
    """A stream-scope list (key 7, stamp 11, 3 entries) with ``changes``."""
    return dataclasses.replace(_LIST, **changes)
