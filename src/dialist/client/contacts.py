"""Lists and contacts beyond import and export (``docs/api.md``): create, rename and delete
lists; add and read contacts; every contact (getAllContacts), the contact query and the
change feed, each walked page by page behind an iterator (``paging.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Unpack, cast

from dialist.client.http import Connection
from dialist.client.models import AddContactsResult, Change, Contact, ContactList
from dialist.client.paging import (
    ChangePager,
    ContactQuery,
    CursorPager,
    changes_pager,
    contacts_pager,
    query_params,
)

CONTACTS_PAGE = 1000  # the server's largest page of getAllContacts, the query and the feed


def list_body(
    *,
    name: str | None = None,
    description: str | None = None,
    allow_duplicates: bool | None = None,
    dedupe_by: str | None = None,
) -> dict[str, Any]:
    """The body of a list create or update: only the fields given."""
    given = {
        "name": name,
        "description": description,
        "allowDuplicates": allow_duplicates,
        "dedupeBy": dedupe_by,
    }
    return {key: value for key, value in given.items() if value is not None}


def add_params(dnc_check: str | None, include_phone: bool) -> dict[str, str | int]:
    params: dict[str, str | int] = {}
    if dnc_check is not None:
        params["dncCheck"] = dnc_check
    if include_phone:
        params["include"] = "phone"
    return params


class ChangeFeed:
    """The changes of a list after a cursor, fetched a page at a time as it is iterated,
    until the feed is caught up. ``cursor`` is then where to go on from (pass it as
    ``after`` next time); it moves with every page read."""

    def __init__(self, connection: Connection, pager: ChangePager) -> None:
        self._connection = connection
        self._pager = pager

    @property
    def cursor(self) -> str | None:
        return self._pager.cursor

    def __iter__(self) -> Iterator[Change]:
        yield from cast(Iterator[Change], self._connection.walk(self._pager))


class ContactLists(Connection):
    """Lists, contacts, the contact query and the change feed."""

    # -- lists -------------------------------------------------------------------------------

    def create_list(
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
        return cast(ContactList, self.request("POST", path, json=body))

    def update_list(
        self,
        list_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        allow_duplicates: bool | None = None,
    ) -> dict[str, Any]:
        """Rename a list, or change its description or duplicate rule."""
        body = list_body(name=name, description=description, allow_duplicates=allow_duplicates)
        return cast(dict[str, Any], self.request("PUT", self.list_path(list_id), json=body))

    def delete_list(self, list_id: str) -> ContactList:
        """Delete a list and its contacts (409 :class:`Conflict` while a campaign uses it)."""
        return cast(ContactList, self.request("DELETE", self.list_path(list_id)))

    # -- contacts ----------------------------------------------------------------------------

    def add_contacts(
        self,
        list_id: str,
        contacts: Iterable[Mapping[str, Any]],
        *,
        dnc_check: str | None = None,
        include_phone: bool = False,
    ) -> AddContactsResult:
        """Add up to 10,000 contacts in one all-or-nothing batch; per item, added or skipped."""
        answer = self.request(
            "POST",
            self.list_path(list_id, "contacts"),
            params=add_params(dnc_check, include_phone),
            json={"contacts": [dict(contact) for contact in contacts]},
        )
        return cast(AddContactsResult, answer)

    def get_contact(self, list_id: str, contact_id: str) -> Contact:
        """One contact with ``_phone`` and ``version``."""
        return cast(Contact, self.request("GET", self.list_path(list_id, "contacts", contact_id)))

    def iter_contacts(
        self, list_id: str, *, include_phone: bool = False, page_size: int = CONTACTS_PAGE
    ) -> Iterator[Contact]:
        """Every contact of the list in list order (getAllContacts, page after page)."""
        path = self.list_path(list_id, "getAllContacts")
        pager = contacts_pager(path, include_phone=include_phone, page_size=page_size)
        return cast(Iterator[Contact], self.walk(pager))

    def query_contacts(
        self, list_id: str, *, page_size: int = CONTACTS_PAGE, **filters: Unpack[ContactQuery]
    ) -> Iterator[Contact]:
        """Every contact matching the filters (the contact query), following ``nextCursor``
        until it is null: short and empty pages in between are normal."""
        params = query_params(limit=page_size, **filters)
        pager = CursorPager(self.list_path(list_id, "contacts"), params, key="contacts")
        return cast(Iterator[Contact], self.walk(pager))

    # -- the change feed ---------------------------------------------------------------------

    def latest_change_cursor(self, list_id: str) -> str:
        """The cursor of the list's latest change: follow the feed from now on."""
        data = self.request("GET", self.list_path(list_id, "changes", "latest"))
        return cast(str, data["cursor"])

    def iter_changes(
        self, list_id: str, *, after: str | None = None, page_size: int = CONTACTS_PAGE
    ) -> ChangeFeed:
        """The list's changes after ``after`` (from the oldest kept without it), until caught
        up; the feed's ``cursor`` is then where to go on from. A cursor older than the changes
        kept raises :class:`Gone`."""
        path = self.list_path(list_id, "changes")
        return ChangeFeed(self, changes_pager(path, after=after, page_size=page_size))
