"""Request, response and row types of do-not-call lists and entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec

from dialist import constraints
from dialist.envelope import FailureItem

SCOPES = ("account", "stream", "contactList")
SOURCES = ("api", "optOut", "agent", "registry", "import")
MAX_NAME = 48
MAX_DESCRIPTION = 256
MAX_REASON = 256
MAX_ENTRIES = 10_000
MAX_CHECK = 1_000
DEFAULT_LIMIT = 100
MAX_LIMIT = 1_000

Scope = Literal["account", "stream", "contactList"]


@dataclass(frozen=True)
class DncListRow:
    """A DNC list as stored."""

    id: int
    tenant_id: int
    account_id: str
    scope: str
    contact_list_id: int | None
    name: str
    description: str
    entry_count: int
    created_by: str
    updated_by: str
    created_at: str
    updated_at: str
    entries_stamp: int  # new whenever entries are added (``dnc.held``)


@dataclass(frozen=True)
class DncEntryRow:
    """An entry as stored: a number (``value`` is E.164) or a prefix."""

    id: int
    list_id: int
    value: str
    is_prefix: bool
    raw: str
    expires_at: str | None
    reason: str | None
    source: str
    created_at: str
    updated_at: str
    import_job_id: int | None = None  # the DNC import that last wrote it, if one did


@dataclass(frozen=True)
class NewEntry:
    """A valid item of an add request, ready to be written."""

    index: int
    value: str
    is_prefix: bool
    raw: str
    expires_at: str | None
    reason: str | None
    source: str


# ---- requests -------------------------------------------------------------------------------


class CreateDncListRequest(msgspec.Struct, kw_only=True):
    """Body of ``POST dncList``."""

    name: Annotated[str, constraints.text(MAX_NAME, one_line=True)]
    scope: Scope
    description: Annotated[str, constraints.text(MAX_DESCRIPTION, required=False)] | None = None
    contactListId: str | None = None  # noqa: N815 - required iff scope is contactList


# The rules of the create and the delete that span fields, in the OpenAPI document.
CREATE_LIST_RULE: dict[str, object] = {
    "if": {"properties": {"scope": {"const": "contactList"}}},
    "then": {"required": ["contactListId"], "properties": {"contactListId": {"type": "string"}}},
    "else": {"properties": {"contactListId": {"type": "null"}}},
}
UPDATE_LIST_RULE: dict[str, object] = {
    "anyOf": [
        {"required": [field], "properties": {field: {"not": {"type": "null"}}}}
        for field in ("name", "description")
    ]
}
DELETE_ENTRIES_RULE: dict[str, object] = {
    "oneOf": [
        {"required": [given], "properties": {given: {"type": "array"}, other: {"type": "null"}}}
        for given, other in (("phoneNumbers", "entryIds"), ("entryIds", "phoneNumbers"))
    ]
}


class UpdateDncListRequest(msgspec.Struct, kw_only=True):
    """Body of ``PUT dncList/{id}``: at least one of the fields."""

    name: Annotated[str, constraints.text(MAX_NAME, one_line=True)] | None = None
    description: Annotated[str, constraints.text(MAX_DESCRIPTION, required=False)] | None = None


class DncEntryInput(msgspec.Struct, kw_only=True):
    """One item of an add: ``phoneNumber`` (any format) or ``prefix`` (``+`` and 1-14 digits).

    Values that break a rule (a number that does not parse, a past ``expiresAt``, an unknown
    ``source``, a ``reason`` over 256 characters) make the item ``invalid``, not the request."""

    phoneNumber: str | None = None  # noqa: N815
    prefix: str | None = None
    expiresAt: str | None = None  # noqa: N815
    reason: str | None = None
    source: str | None = None


class AddEntriesRequest(msgspec.Struct, kw_only=True):
    """Body of ``POST dncList/{id}/entries``: 1-10,000 items."""

    entries: Annotated[list[DncEntryInput], msgspec.Meta(min_length=1, max_length=MAX_ENTRIES)]


class DeleteEntriesRequest(msgspec.Struct, kw_only=True):
    """Body of ``POST dncList/{id}/entries/delete``: numbers or entry ids (one of them)."""

    phoneNumbers: (  # noqa: N815
        Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_ENTRIES)] | None
    ) = None
    entryIds: (  # noqa: N815
        Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_ENTRIES)] | None
    ) = None


class CheckRequest(msgspec.Struct, kw_only=True):
    """Body of ``POST dnc/check``."""

    phoneNumbers: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_CHECK)]  # noqa: N815
    contactListId: str | None = None  # noqa: N815
    at: Annotated[str | None, constraints.INSTANT] = None


# ---- responses ------------------------------------------------------------------------------


class DncList(msgspec.Struct):
    """A DNC list as the API shows it."""

    _id: str
    name: str
    description: str
    scope: str
    contactListId: str | None  # noqa: N815
    entryCount: int  # noqa: N815
    createdAt: str  # noqa: N815
    updatedAt: str  # noqa: N815
    createdBy: str  # noqa: N815
    updatedBy: str  # noqa: N815


class DncEntry(msgspec.Struct, omit_defaults=True):
    """An entry: ``phoneNumber`` (E.164) or ``prefix``, never both."""

    _id: str
    dncListId: str  # noqa: N815
    expiresAt: str | None  # noqa: N815
    reason: str | None
    source: str
    createdAt: str  # noqa: N815
    updatedAt: str  # noqa: N815
    phoneNumber: str | msgspec.UnsetType = msgspec.UNSET  # noqa: N815
    prefix: str | msgspec.UnsetType = msgspec.UNSET


class EntryPage(msgspec.Struct):
    """A page of entries, in entry order; ``nextCursor`` is null on the last."""

    entries: list[DncEntry]
    nextCursor: str | None  # noqa: N815


class EntryResult(msgspec.Struct, omit_defaults=True):
    """What became of one item of an add, in request order."""

    index: int
    status: Literal["added", "updated", "invalid"]
    entryId: str | None  # noqa: N815
    e164: str | msgspec.UnsetType | None = msgspec.UNSET
    prefix: str | msgspec.UnsetType = msgspec.UNSET
    errors: list[FailureItem] | msgspec.UnsetType = msgspec.UNSET


class AddEntriesResult(msgspec.Struct):
    """``data`` of an add."""

    added: int
    updated: int
    invalid: int
    results: list[EntryResult]


class DeleteResult(msgspec.Struct, omit_defaults=True):
    """What became of one item of a delete, in request order."""

    index: int
    status: Literal["deleted", "notFound", "invalid"]
    entryId: str | None  # noqa: N815
    e164: str | msgspec.UnsetType | None = msgspec.UNSET
    errors: list[FailureItem] | msgspec.UnsetType = msgspec.UNSET


class DeleteEntriesResult(msgspec.Struct):
    """``data`` of a delete."""

    deleted: int
    notFound: int  # noqa: N815
    invalid: int
    results: list[DeleteResult]


class CheckMatch(msgspec.Struct):
    """An entry that matches a checked number."""

    dncListId: str  # noqa: N815
    entryId: str  # noqa: N815
    scope: str
    value: str
    reason: str | None
    source: str
    expiresAt: str | None  # noqa: N815


class CheckResult(msgspec.Struct):
    """One checked number: blocked when any entry matches."""

    phoneNumber: str  # noqa: N815
    e164: str | None
    blocked: bool
    matches: list[CheckMatch]


class CheckResults(msgspec.Struct):
    """``data`` of a check."""

    results: list[CheckResult]
