"""Calling policy, call attempts and contactability (``docs/api.md`` "Calling policy, attempts
and contactability"): who may be called now, and why not."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from dialist.client.http import Connection
from dialist.client.models import (
    Attempt,
    CallablePage,
    ContactabilityResult,
    ListCallingPolicy,
)

CALLABLE_PAGE = 1000  # the server's largest page


class Contactability(Connection):
    """The calling-policy, attempt and contactability endpoints."""

    def calling_policy(self) -> dict[str, Any]:
        """The stream's calling policy (the defaults until one is stored)."""
        return cast(dict[str, Any], self.request("GET", self.campaign_url("callingPolicy")))

    def put_calling_policy(self, policy: Mapping[str, Any]) -> dict[str, Any]:
        """Store the stream's whole policy (a key left out takes its default)."""
        path = self.campaign_url("callingPolicy")
        return cast(dict[str, Any], self.request("PUT", path, json=dict(policy)))

    def list_calling_policy(self, list_id: str) -> ListCallingPolicy:
        """A list's override and the policy its contacts are called under."""
        path = self.list_path(list_id, "callingPolicy")
        return cast(ListCallingPolicy, self.request("GET", path))

    def put_list_calling_policy(
        self, list_id: str, override: Mapping[str, Any] | None
    ) -> ListCallingPolicy:
        """Change the keys given of a list's override; None removes the override."""
        body = json.dumps(dict(override) if override is not None else None)
        answer = self.request(
            "PUT",
            self.list_path(list_id, "callingPolicy"),
            content=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        return cast(ListCallingPolicy, answer)

    def record_attempt(
        self,
        list_id: str,
        contact_id: str,
        *,
        outcome: str,
        at: str | None = None,
        phone_number: str | None = None,
        note: str | None = None,
    ) -> Attempt:
        """Record a call to a contact (``optOut`` also puts the number on ``Opt-outs``)."""
        given = {"outcome": outcome, "at": at, "phoneNumber": phone_number, "note": note}
        body = {k: v for k, v in given.items() if v is not None}
        path = self.list_path(list_id, "contacts", contact_id, "attempts")
        return cast(Attempt, self.request("POST", path, json=body))

    def attempts(self, list_id: str, contact_id: str, *, limit: int = 100) -> list[Attempt]:
        """The contact's attempts, newest first."""
        path = self.list_path(list_id, "contacts", contact_id, "attempts")
        return cast(list[Attempt], self.request("GET", path, params={"limit": limit}))

    def contactability(
        self, items: Sequence[Mapping[str, str]], *, at: str | None = None
    ) -> list[ContactabilityResult]:
        """For each item (1 to 1,000 contacts or numbers), whether it may be called at ``at``."""
        body: dict[str, Any] = {"items": [dict(item) for item in items]}
        if at is not None:
            body["at"] = at
        answer = self.request("POST", self.campaign_url("contactability"), json=body)
        return cast(list[ContactabilityResult], answer["results"])

    def callable_page(
        self,
        list_id: str,
        *,
        at: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> CallablePage:
        """One page of the list's contacts callable at ``at`` (default now); a page may be
        short or empty and still carry a cursor."""
        params: dict[str, str | int] = {"limit": limit}
        if at is not None:
            params["at"] = at
        if cursor is not None:
            params["cursor"] = cursor
        answer = self.request("GET", self.list_path(list_id, "callable"), params=params)
        return cast(CallablePage, answer)

    def iter_callable(
        self, list_id: str, *, at: str | None = None, page_size: int = CALLABLE_PAGE
    ) -> Iterator[dict[str, Any]]:
        """Every contact of the list callable at ``at``, following the cursor until it is null.

        Without ``at`` the server reads "now" per page; pass one instant for a consistent scan.
        """
        cursor: str | None = None
        while True:
            page = self.callable_page(list_id, at=at, limit=page_size, cursor=cursor)
            yield from page["contacts"]
            cursor = page["nextCursor"]
            if cursor is None:
                return
