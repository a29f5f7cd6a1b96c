"""The fixture file (``docs/ci-standin.md``) and the answer of a reset.

A fixture file is YAML or JSON; every key is the API's camelCase name. Unknown keys are
refused, so a typo is an error that names it rather than a fixture silently left out.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from dialist.dnc.models import DncEntryInput


class FixtureApp(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """A client app with a client id and secret chosen in the file."""

    client_id: str
    client_secret: str
    account_id: str
    stream_ids: list[str]
    scopes: list[str] | None = None
    name: str = "fixture"
    enforce_jti: bool = False


class FixtureList(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """A contact list (``passiveApi``) and the contacts it starts with."""

    name: str
    description: str = ""
    allow_duplicates: bool = False
    dedupe_by: Literal["phone", "uniqueId"] | None = None
    contacts: list[dict[str, Any]] = []


class FixtureDncList(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """A do-not-call list and its entries: numbers as text, or entry objects as the API takes
    them (``phoneNumber`` or ``prefix``, ``expiresAt``, ``reason``, ``source``).
    ``contactList`` names a list of the same tenant (by name) for scope ``contactList``."""

    name: str
    scope: Literal["account", "stream", "contactList"] = "stream"
    description: str | None = None
    contact_list: str | None = None
    entries: list[str | DncEntryInput] = []


class FixtureTenant(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """One account and stream, and the data it starts with."""

    account_id: str
    stream_id: str
    lists: list[FixtureList] = []
    dnc_lists: list[FixtureDncList] = []


class FixtureFile(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """The whole file."""

    apps: list[FixtureApp] = []
    tenants: list[FixtureTenant] = []


AppOutcome = Literal["created", "updated", "unchanged"]
ListOutcome = Literal["created", "kept"]


class LoadedApp(msgspec.Struct):
    clientId: str  # noqa: N815
    outcome: AppOutcome


class LoadedList(msgspec.Struct):
    """A fixture list: ``created`` with its contacts or entries, or ``kept`` as it was (a list
    of that name already existed: nothing of the fixture's was added to it)."""

    kind: Literal["contactList", "dncList"]
    name: str
    id: str
    outcome: ListOutcome
    added: int


class LoadedTenant(msgspec.Struct):
    accountId: str  # noqa: N815
    streamId: str  # noqa: N815
    lists: list[LoadedList]


class LoadReport(msgspec.Struct):
    """What loading a fixture file did."""

    apps: list[LoadedApp]
    tenants: list[LoadedTenant]


class ResetResult(msgspec.Struct):
    """What a reset removed (rows by kind), and what it loaded again from the server's fixture
    file (null when the server has none, or it holds nothing for this tenant)."""

    accountId: str  # noqa: N815
    streamId: str  # noqa: N815
    removed: dict[str, int]
    fixtures: LoadedTenant | None
