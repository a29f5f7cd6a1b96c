"""The asynchronous SDK (``httpx.AsyncClient``): the calls a service makes while it runs
(lists, contacts, the contact query, the change feed, DNC lists and checks, import jobs), with
the same names, arguments, answers, errors, paging and retries as :class:`~dialist.client.Client`.

    async with AsyncClient(url, client_id, client_secret, account_id, stream_id) as client:
        async for contact in client.iter_contacts(list_id):
            ...

Paths, headers, errors and the paging rules are the synchronous client's own (``http.py``,
``paging.py``, ``retry.py``); only the transport differs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from types import TracebackType
from typing import Any, Self, Unpack, cast

import httpx

from dialist.client.contacts import CONTACTS_PAGE, add_params, list_body
from dialist.client.dnc import CHECK_BATCH, ENTRIES_PAGE
from dialist.client.errors import DialistClientError, NotFound
from dialist.client.http import DEFAULT_RETRY, DEFAULT_TIMEOUT, Endpoint, Params
from dialist.client.imports import RESULTS_PAGE
from dialist.client.models import (
    FINISHED_STATUSES,
    AddContactsResult,
    Change,
    Contact,
    ContactList,
    DncCheckResult,
    DncEntry,
    DncList,
    ImportJob,
    ImportResult,
)
from dialist.client.paging import (
    ChangePager,
    ContactQuery,
    CursorPager,
    Pager,
    changes_pager,
    contacts_pager,
    query_params,
    results_pager,
)
from dialist.client.retry import RetryPolicy
from dialist.settings import Settings


class AsyncChangeFeed:
    """:class:`~dialist.client.contacts.ChangeFeed`, iterated with ``async for``."""

    def __init__(self, client: AsyncClient, pager: ChangePager) -> None:
        self._client = client
        self._pager = pager

    @property
    def cursor(self) -> str | None:
        return self._pager.cursor

    def __aiter__(self) -> AsyncIterator[Change]:
        return cast(AsyncIterator[Change], self._client.walk(self._pager))


class AsyncClient(Endpoint):
    """A dialist server seen by one app, in one account and stream, from async code."""

    def __init__(
        self,
        url: str,
        client_id: str,
        client_secret: str,
        account_id: str,
        stream_id: str,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        super().__init__(url, client_id, client_secret, account_id, stream_id, retry=retry)
        try:
            self._http = httpx.AsyncClient(base_url=self.url, timeout=timeout, transport=transport)
        except httpx.InvalidURL as error:
            raise DialistClientError(f"invalid server URL {url!r}: {error}") from None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> AsyncClient:
        """A client from ``DIALIST_URL``, ``DIALIST_CLIENT_ID``, … (see ``settings.py``)."""
        return cls(*cls.settings_arguments(settings), timeout=timeout, retry=retry)

    # -- lifecycle -------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- requests --------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request and return the ``data`` of the success envelope (or raise); a 429
        or 503 is sent again as the retry policy allows."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._http.request(
                    method, path, params=params, json=json, headers=self._headers(headers)
                )
            except httpx.TransportError as error:
                raise self._transport_error(error) from error
            wait = self._retry_wait(response, attempt, None)
            if wait is None:
                return self._data(response, path)
            await asyncio.sleep(wait)

    async def walk(self, pager: Pager) -> AsyncIterator[Any]:
        """Every item of a paged endpoint, one request a page."""
        while pager.params is not None:
            for item in pager.take(await self.request("GET", pager.path, params=pager.params)):
                yield item

    # -- lists -------------------------------------------------------------------------------

    async def lists(self) -> list[ContactList]:
        """Every contact list of the stream, most recently updated first."""
        path = f"{self.lists_path}/getAllListDetails"
        return cast(list[ContactList], await self.request("GET", path))

    async def iter_lists(self) -> AsyncIterator[ContactList]:
        """Every contact list of the stream (one page: the server answers them all)."""
        for contact_list in await self.lists():
            yield contact_list

    async def get_list(self, list_id: str) -> ContactList:
        """One list by its ``cl-…`` id (:class:`NotFound` if unknown)."""
        return cast(ContactList, await self.request("GET", self.list_path(list_id)))

    async def find_list(self, name_or_id: str) -> ContactList:
        """A list by id (``cl-…``) or by name, ignoring case."""
        if name_or_id.startswith("cl-"):
            try:
                return await self.get_list(name_or_id)
            except NotFound:
                pass
        wanted = name_or_id.casefold()
        for contact_list in await self.lists():
            if contact_list["name"].casefold() == wanted:
                return contact_list
        raise NotFound(
            f"no contact list named or with id {name_or_id!r}", status_code=404, code="NOT_FOUND"
        )

    async def create_list(
        self,
        name: str,
        *,
        description: str = "",
        allow_duplicates: bool = False,
        dedupe_by: str | None = None,
    ) -> ContactList:
        """A new ``passiveApi`` list (409 :class:`Conflict` when the name is taken)."""
        body = list_body(
            name=name,
            description=description,
            allow_duplicates=allow_duplicates,
            dedupe_by=dedupe_by,
        )
        body["source"] = "passiveApi"
        path = f"{self.lists_path}/createContactList"
        return cast(ContactList, await self.request("POST", path, json=body))

    async def update_list(
        self,
        list_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        allow_duplicates: bool | None = None,
    ) -> dict[str, Any]:
        """Rename a list, or change its description or duplicate rule."""
        body = list_body(name=name, description=description, allow_duplicates=allow_duplicates)
        return cast(dict[str, Any], await self.request("PUT", self.list_path(list_id), json=body))

    async def delete_list(self, list_id: str) -> ContactList:
        """Delete a list and its contacts (409 :class:`Conflict` while a campaign uses it)."""
        return cast(ContactList, await self.request("DELETE", self.list_path(list_id)))

    # -- contacts ----------------------------------------------------------------------------

    async def add_contacts(
        self,
        list_id: str,
        contacts: Iterable[Mapping[str, Any]],
        *,
        dnc_check: str | None = None,
        include_phone: bool = False,
    ) -> AddContactsResult:
        """Add up to 10,000 contacts in one all-or-nothing batch; per item, added or skipped."""
        answer = await self.request(
            "POST",
            self.list_path(list_id, "contacts"),
            params=add_params(dnc_check, include_phone),
            json={"contacts": [dict(contact) for contact in contacts]},
        )
        return cast(AddContactsResult, answer)

    async def get_contact(self, list_id: str, contact_id: str) -> Contact:
        """One contact with ``_phone`` and ``version``."""
        path = self.list_path(list_id, "contacts", contact_id)
        return cast(Contact, await self.request("GET", path))

    def iter_contacts(
        self, list_id: str, *, include_phone: bool = False, page_size: int = CONTACTS_PAGE
    ) -> AsyncIterator[Contact]:
        """Every contact of the list in list order (getAllContacts, page after page)."""
        path = self.list_path(list_id, "getAllContacts")
        pager = contacts_pager(path, include_phone=include_phone, page_size=page_size)
        return cast(AsyncIterator[Contact], self.walk(pager))

    def query_contacts(
        self, list_id: str, *, page_size: int = CONTACTS_PAGE, **filters: Unpack[ContactQuery]
    ) -> AsyncIterator[Contact]:
        """Every contact matching the filters, following ``nextCursor`` until it is null."""
        params = query_params(limit=page_size, **filters)
        pager = CursorPager(self.list_path(list_id, "contacts"), params, key="contacts")
        return cast(AsyncIterator[Contact], self.walk(pager))

    # -- the change feed ---------------------------------------------------------------------

    async def latest_change_cursor(self, list_id: str) -> str:
        """The cursor of the list's latest change: follow the feed from now on."""
        data = await self.request("GET", self.list_path(list_id, "changes", "latest"))
        return cast(str, data["cursor"])

    def iter_changes(
        self, list_id: str, *, after: str | None = None, page_size: int = CONTACTS_PAGE
    ) -> AsyncChangeFeed:
        """The list's changes after ``after`` until caught up; then ``cursor`` is where to go
        on from."""
        path = self.list_path(list_id, "changes")
        return AsyncChangeFeed(self, changes_pager(path, after=after, page_size=page_size))

    # -- DNC lists ---------------------------------------------------------------------------

    async def dnc_lists(self) -> list[DncList]:
        """Every DNC list that applies to this stream, oldest first."""
        return cast(list[DncList], await self.request("GET", self.campaign_url("dncList")))

    def iter_dnc_entries(
        self,
        dnc_list_id: str,
        *,
        phone_number: str | None = None,
        page_size: int = ENTRIES_PAGE,
    ) -> AsyncIterator[DncEntry]:
        """Every entry of the DNC list, following the cursor to the end."""
        params: dict[str, str | int] = {"limit": page_size}
        if phone_number is not None:
            params["phoneNumber"] = phone_number
        path = self.campaign_url("dncList", dnc_list_id, "entries")
        return cast(AsyncIterator[DncEntry], self.walk(CursorPager(path, params, key="entries")))

    async def check_dnc(
        self,
        phone_numbers: Iterable[str],
        *,
        contact_list_id: str | None = None,
        at: str | None = None,
    ) -> list[DncCheckResult]:
        """Whether each number is blocked at ``at`` (default now), sent 1,000 a request."""
        numbers = list(phone_numbers)
        results: list[DncCheckResult] = []
        for start in range(0, len(numbers), CHECK_BATCH):
            body: dict[str, Any] = {"phoneNumbers": numbers[start : start + CHECK_BATCH]}
            if contact_list_id is not None:
                body["contactListId"] = contact_list_id
            if at is not None:
                body["at"] = at
            answer = await self.request("POST", self.campaign_url("dnc", "check"), json=body)
            results += cast(list[DncCheckResult], answer["results"])
        return results

    # -- import jobs -------------------------------------------------------------------------

    async def get_import(self, list_id: str, job_id: str) -> ImportJob:
        """The job as it is now (status, counts, rows per second, error)."""
        path = self.list_path(list_id, "imports", job_id)
        return cast(ImportJob, await self.request("GET", path))

    async def wait_import(self, list_id: str, job_id: str, *, poll: float = 0.5) -> ImportJob:
        """Poll the job until it is finished (succeeded, failed or cancelled) and answer it."""
        while True:
            job = await self.get_import(list_id, job_id)
            if job["status"] in FINISHED_STATUSES:
                return job
            await asyncio.sleep(poll)

    def import_results(
        self, list_id: str, job_id: str, *, status: str | None = None, page_size: int = RESULTS_PAGE
    ) -> AsyncIterator[ImportResult]:
        """Every per-row result of the job, in row order."""
        path = self.list_path(list_id, "imports", job_id, "results")
        pager = results_pager(path, page_size=page_size, status=status)
        return cast(AsyncIterator[ImportResult], self.walk(pager))

    async def cancel_import(self, list_id: str, job_id: str) -> ImportJob:
        """Ask the server to stop the job after the chunk it is writing (409 if finished)."""
        path = self.list_path(list_id, "imports", job_id, "cancel")
        return cast(ImportJob, await self.request("POST", path))

    async def undo_import(self, list_id: str, job_id: str) -> ImportJob:
        """Remove the contacts the job added that are still in the list (409 while running)."""
        path = self.list_path(list_id, "imports", job_id, "undo")
        return cast(ImportJob, await self.request("POST", path))
