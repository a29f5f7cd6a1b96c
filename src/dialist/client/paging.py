"""How the SDK walks a paged endpoint, without I/O: what to ask first, and from each page
its items and what to ask next. The synchronous and the asynchronous client both drive these,
so a paging rule is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

Params = dict[str, str | int]


class Pager:
    """One walk over a paged endpoint: ``path``, the first page's parameters, and ``take``
    turning a page's ``data`` into its items and the next parameters (None: the end)."""

    def __init__(self, path: str, params: Params) -> None:
        self.path = path
        self.params: Params | None = params

    def take(self, data: Any) -> list[Any]:  # pragma: no cover - every pager defines it
        raise NotImplementedError


class SkipPager(Pager):
    """``skip``/``limit`` pages answering ``{"results": […], "hasMore": …}`` (getAllContacts,
    an import's results)."""

    def take(self, data: Any) -> list[Any]:
        assert self.params is not None
        results: list[Any] = data.get("results") or []
        if results and data.get("hasMore"):
            self.params = {**self.params, "skip": int(self.params["skip"]) + len(results)}
        else:
            self.params = None
        return results


class CursorPager(Pager):
    """Cursor pages answering ``{key: […], "nextCursor": …}`` until the cursor is null (the
    contact query, DNC entries, callable contacts): a page may be empty and still go on."""

    def __init__(self, path: str, params: Params, *, key: str) -> None:
        super().__init__(path, params)
        self.key = key

    def take(self, data: Any) -> list[Any]:
        assert self.params is not None
        cursor = data.get("nextCursor")
        self.params = {**self.params, "cursor": cursor} if cursor else None
        items: list[Any] = data.get(self.key) or []
        return items


class ChangePager(Pager):
    """The change feed: pages after a cursor until ``hasMore`` is false. ``cursor`` is where
    the walk stopped: pass it as ``after`` to go on from there later."""

    def __init__(self, path: str, params: Params, *, cursor: str | None) -> None:
        super().__init__(path, params)
        self.cursor = cursor

    def take(self, data: Any) -> list[Any]:
        assert self.params is not None
        self.cursor = data.get("nextCursor") or self.cursor
        if data.get("hasMore") and self.cursor:
            self.params = {**self.params, "after": self.cursor}
        else:
            self.params = None
        changes: list[Any] = data.get("changes") or []
        return changes


def contacts_pager(path: str, *, include_phone: bool, page_size: int) -> SkipPager:
    """A list's contacts in list order (getAllContacts), ``_phone`` with ``include_phone``."""
    params: Params = {"skip": 0, "limit": page_size}
    if include_phone:
        params["include"] = "phone"
    return SkipPager(path, params)


def results_pager(path: str, *, page_size: int, status: str | None = None) -> SkipPager:
    """A job's per-row results in order (an import's, a DNC import's, a scrub's), only those
    of ``status`` when given."""
    params: Params = {"skip": 0, "limit": page_size}
    if status is not None:
        params["status"] = status
    return SkipPager(path, params)


def changes_pager(path: str, *, after: str | None, page_size: int) -> ChangePager:
    """A list's changes after ``after`` (from the oldest kept without it)."""
    params: Params = {"limit": page_size}
    if after is not None:
        params["after"] = after
    return ChangePager(path, params, cursor=after)


class ContactQuery(TypedDict, total=False):
    """The filters of the contact query (``docs/api.md``, The contact query), as the sync and
    the async client's ``query_contacts`` take them."""

    phone_number: str | None
    fields: Mapping[str, str] | None
    phone_valid: bool | None
    region: str | None
    time_zone: str | None
    created_after: str | None
    created_before: str | None
    updated_after: str | None
    updated_before: str | None
    sort: str | None


def query_params(*, limit: int, **filters: Unpack[ContactQuery]) -> Params:
    """The query string of the contact query (``docs/api.md``, The contact query)."""
    phone_valid = filters.get("phone_valid")
    given: dict[str, str | None] = {
        "phoneNumber": filters.get("phone_number"),
        "phoneValid": None if phone_valid is None else str(phone_valid).lower(),
        "region": filters.get("region"),
        "timeZone": filters.get("time_zone"),
        "createdAfter": filters.get("created_after"),
        "createdBefore": filters.get("created_before"),
        "updatedAfter": filters.get("updated_after"),
        "updatedBefore": filters.get("updated_before"),
        "sort": filters.get("sort"),
    }
    params: Params = {k: v for k, v in given.items() if v is not None}
    for name, value in (filters.get("fields") or {}).items():
        params[f"field.{name}"] = value
    params["limit"] = limit
    return params
