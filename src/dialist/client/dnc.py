"""Do-not-call lists (``docs/api.md`` "Do-not-call lists"): lists, entries, the check.

Adds and deletes go to the server in batches of at most :data:`BATCH` items (its limit), and
entries are read a page at a time behind an iterator, so a caller never handles a cursor.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar, cast

from dialist.client.errors import NotFound
from dialist.client.http import Connection
from dialist.client.models import (
    DncAddResult,
    DncCheckResult,
    DncDeleteResult,
    DncEntriesPage,
    DncEntry,
    DncEntryInput,
    DncList,
)

BATCH = 10_000  # the most items one add or delete takes
ENTRIES_PAGE = 1000  # the server's largest page of entries
CHECK_BATCH = 1000  # the most numbers one check takes


T = TypeVar("T")


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class DncLists(Connection):
    """The DNC endpoints of the stream."""

    def create_dnc_list(
        self,
        name: str,
        *,
        scope: str = "stream",
        description: str | None = None,
        contact_list_id: str | None = None,
    ) -> DncList:
        """A new list: ``scope`` ``account``, ``stream`` or ``contactList`` (with its id)."""
        body: dict[str, Any] = {"name": name, "scope": scope}
        if description is not None:
            body["description"] = description
        if contact_list_id is not None:
            body["contactListId"] = contact_list_id
        return cast(DncList, self.request("POST", self.campaign_url("dncList"), json=body))

    def dnc_lists(self) -> list[DncList]:
        """Every DNC list that applies to this stream, oldest first."""
        return cast(list[DncList], self.request("GET", self.campaign_url("dncList")))

    def get_dnc_list(self, dnc_list_id: str) -> DncList:
        """One DNC list by its ``dn-…`` id (:class:`NotFound` if unknown)."""
        return cast(DncList, self.request("GET", self.campaign_url("dncList", dnc_list_id)))

    def find_dnc_list(self, name_or_id: str) -> DncList:
        """A DNC list by id (``dn-…``) or by name, ignoring case."""
        if name_or_id.startswith("dn-"):
            try:
                return self.get_dnc_list(name_or_id)
            except NotFound:
                pass
        wanted = name_or_id.casefold()
        for dnc_list in self.dnc_lists():
            if dnc_list["name"].casefold() == wanted:
                return dnc_list
        raise NotFound(
            f"no DNC list named or with id {name_or_id!r}", status_code=404, code="NOT_FOUND"
        )

    def update_dnc_list(
        self, dnc_list_id: str, *, name: str | None = None, description: str | None = None
    ) -> DncList:
        """Rename a list or change its description (its scope never changes)."""
        body = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
        path = self.campaign_url("dncList", dnc_list_id)
        return cast(DncList, self.request("PUT", path, json=body))

    def delete_dnc_list(self, dnc_list_id: str) -> DncList:
        """Remove the list and its entries; answers the list as it was."""
        return cast(DncList, self.request("DELETE", self.campaign_url("dncList", dnc_list_id)))

    def add_dnc_entries(
        self, dnc_list_id: str, entries: Iterable[DncEntryInput], *, batch_size: int = BATCH
    ) -> DncAddResult:
        """Add numbers or prefixes, ``batch_size`` (≤ 10,000) a request; answers the summed
        counts and every item's result, its ``index`` counted over all of ``entries``."""
        total = DncAddResult(added=0, updated=0, invalid=0, results=[])
        path = self.campaign_url("dncList", dnc_list_id, "entries")
        offset = 0
        for batch in _batches(entries, batch_size):
            answer = cast(DncAddResult, self.request("POST", path, json={"entries": batch}))
            for key in ("added", "updated", "invalid"):
                total[key] += answer[key]
            for result in answer["results"]:
                total["results"].append({**result, "index": result["index"] + offset})
            offset += len(batch)
        return total

    def dnc_entries_page(
        self,
        dnc_list_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        phone_number: str | None = None,
    ) -> DncEntriesPage:
        """One page of entries, in the order they were added (expired ones included)."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        if phone_number is not None:
            params["phoneNumber"] = phone_number
        path = self.campaign_url("dncList", dnc_list_id, "entries")
        return cast(DncEntriesPage, self.request("GET", path, params=params))

    def iter_dnc_entries(
        self,
        dnc_list_id: str,
        *,
        phone_number: str | None = None,
        page_size: int = ENTRIES_PAGE,
    ) -> Iterator[DncEntry]:
        """Every entry of the list, following the cursor to the end."""
        cursor: str | None = None
        while True:
            page = self.dnc_entries_page(
                dnc_list_id, limit=page_size, cursor=cursor, phone_number=phone_number
            )
            yield from page["entries"]
            cursor = page["nextCursor"]
            if cursor is None:
                return

    def delete_dnc_entries(
        self,
        dnc_list_id: str,
        *,
        phone_numbers: Sequence[str] = (),
        entry_ids: Sequence[str] = (),
        batch_size: int = BATCH,
    ) -> DncDeleteResult:
        """Remove entries by number or by ``de-…`` id (not both), ``batch_size`` a request."""
        if bool(phone_numbers) == bool(entry_ids):
            raise ValueError("give phone_numbers or entry_ids (one of them)")
        key, values = ("phoneNumbers", phone_numbers) if phone_numbers else ("entryIds", entry_ids)
        total = DncDeleteResult(deleted=0, notFound=0, invalid=0, results=[])
        path = self.campaign_url("dncList", dnc_list_id, "entries", "delete")
        offset = 0
        for batch in _batches(values, batch_size):
            answer = cast(DncDeleteResult, self.request("POST", path, json={key: batch}))
            for count in ("deleted", "notFound", "invalid"):
                total[count] += answer[count]
            for result in answer["results"]:
                total["results"].append({**result, "index": result["index"] + offset})
            offset += len(batch)
        return total

    def check_dnc(
        self,
        phone_numbers: Iterable[str],
        *,
        contact_list_id: str | None = None,
        at: str | None = None,
    ) -> list[DncCheckResult]:
        """Whether each number is blocked at ``at`` (default now), in order, with its matches;
        sent 1,000 numbers a request."""
        results: list[DncCheckResult] = []
        for batch in _batches(phone_numbers, CHECK_BATCH):
            body: dict[str, Any] = {"phoneNumbers": batch}
            if contact_list_id is not None:
                body["contactListId"] = contact_list_id
            if at is not None:
                body["at"] = at
            answer = self.request("POST", self.campaign_url("dnc", "check"), json=body)
            results += cast(list[DncCheckResult], answer["results"])
        return results
