"""The SDK's entry point: one :class:`Client` per server and app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import httpx

from dialist.client.contactability import Contactability
from dialist.client.contacts import ContactLists
from dialist.client.dnc import DncLists
from dialist.client.errors import NotFound
from dialist.client.exports import Exports
from dialist.client.http import DEFAULT_RETRY, DEFAULT_TIMEOUT
from dialist.client.imports import ImportJobs
from dialist.client.models import ContactList
from dialist.client.retry import RetryPolicy
from dialist.settings import Settings
from dialist.validation import name_key


class Client(ContactLists, ImportJobs, Exports, DncLists, Contactability):
    """A dialist server seen by one app (client id + secret), in one account and stream.

    >>> with Client.from_settings(Settings()) as client:          # doctest: +SKIP
    ...     contact_list = client.find_list("Renewals")
    ...     job = client.start_import(contact_list["_id"], "may.csv")
    ...     job = client.wait_import(contact_list["_id"], job["_id"])
    """

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> Client:
        """A client from ``DIALIST_URL``, ``DIALIST_CLIENT_ID``, … (see ``settings.py``)."""
        return cls(*cls.settings_arguments(settings), timeout=timeout, retry=retry)

    def lists(self) -> list[ContactList]:
        """Every contact list of the stream, most recently updated first."""
        return cast(list[ContactList], self.request("GET", f"{self.lists_path}/getAllListDetails"))

    def iter_lists(self) -> Iterator[ContactList]:
        """Every contact list of the stream (the server answers them all in one page: an
        account holds at most ``DIALIST_MAX_LISTS_PER_ACCOUNT``)."""
        yield from self.lists()

    def get_list(self, list_id: str) -> ContactList:
        """One list by its ``cl-…`` id (:class:`NotFound` if unknown)."""
        return cast(ContactList, self.request("GET", self.list_path(list_id)))

    def find_list(self, name_or_id: str) -> ContactList:
        """A list by id (``cl-…``) or by name, compared as the server compares names
        (``validation.name_key``: case and Unicode forms aside).

        A ``cl-…`` value that is no list's id is still tried as a name, since a list may be
        named like an id.
        """
        if name_or_id.startswith("cl-"):
            try:
                return self.get_list(name_or_id)
            except NotFound:
                pass
        wanted = name_key(name_or_id.strip())
        for contact_list in self.lists():
            if name_key(contact_list["name"]) == wanted:
                return contact_list
        raise NotFound(
            f"no contact list named or with id {name_or_id!r}", status_code=404, code="NOT_FOUND"
        )
