"""Request, response and row types of list contacts."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NamedTuple

import msgspec

from dialist.envelope import PerIdResult
from dialist.phones.models import PhoneDetails

MAX_COLUMNS = 150
MAX_VALUE_LENGTH = 300
MAX_KEY_LENGTH = 128
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
# Set by the service, whatever a submitted contact holds: ids and times, and what a contact is
# read with (``_phone``, ``version``, ``updatedBy``).
RESERVED_KEYS = frozenset({"_id", "createdAt", "updatedAt", "_phone", "version", "updatedBy"})


def is_reserved(key: str) -> bool:
    """True for a key the service sets and a submitted contact's value is ignored for:
    ``RESERVED_KEYS``, and ``_phone.*`` (the columns of a CSV export)."""
    return key in RESERVED_KEYS or key.startswith("_phone.")


class NewContact(NamedTuple):
    """One validated item of an add request, with its normalised phone (a tuple: made 10,000
    times a request)."""

    item_index: int
    fields: dict[str, Any]
    phone: PhoneDetails


DEDUPE_POLICIES = ("none", "phone", "uniqueId")

# What an add or an import does with a number on a DNC list that applies to the list: nothing
# (``off``), add it and say so (``flag``, the default), or leave it out (``skip``).
DncCheck = Literal["off", "flag", "skip"]
DNC_CHECKS: dict[str, DncCheck] = {"off": "off", "flag": "flag", "skip": "skip"}
DEFAULT_DNC_CHECK: DncCheck = "flag"


# A number's stored columns, in INSERT_COLUMNS order: raw, e164, valid, invalid reason, line
# type, region, time zone, its source, whether the zone was ambiguous, what was assumed.
_Text = str | None
PhoneColumns = tuple[str, _Text, bool, _Text, _Text, _Text, _Text, _Text, bool, _Text]


class PreparedContact(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """A contact ready to be placed in a list: everything that does not depend on the list's
    state, computed before the write lock. A struct encoded as an array: an import prepares
    these in another process and sends them over as MessagePack, which decodes a chunk of them
    in C (pickled tuples cost the writer five times as much); holds no containers that could
    form a cycle, so the collector skips them."""

    phone_key: str  # what two numbers must share to be the same (E.164, else the raw text)
    phone_hash: int
    phone_columns: PhoneColumns
    unique_key: str | None
    unique_hash: int | None
    fields_json: bytes  # the submitted fields as a JSON object, spliced after the ids
    # An import's further phone columns and what was derived from each (JSON array), or None.
    phone_extra: bytes | None
    import_row: int | None
    field_names: tuple[str, ...]  # in the order given: the list's CSV header grows by them


class Placement(NamedTuple):
    """Where one prepared contact went: a new contact key, or the contact (or the earlier item
    of the same batch) it duplicates, or nowhere because the list is full."""

    contact_key: int | None
    duplicate_of_key: int | None
    duplicate_of_index: int | None
    duplicate_of_row: int | None  # the file row of duplicate_of_key, when the same job added it
    over_capacity: bool


# ---- requests -------------------------------------------------------------------------------


_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_INT64 = {"type": "integer", "minimum": -(2**63) + 1, "maximum": 2**63 - 1}
# One submitted contact, as ``validation.item_problem`` checks it (the OpenAPI document's
# words for that rule; the service answers each bad item by its index).
CONTACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["phoneNumber"],
    "maxProperties": MAX_COLUMNS,
    "propertyNames": {"minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": f"^[^{_CONTROL}]*$"},
    "properties": {
        "phoneNumber": {
            "description": "Any format; an invalid number is stored flagged (see `_phone`)",
            "anyOf": [
                {"type": "string", "maxLength": MAX_VALUE_LENGTH, "pattern": r"^[^\x00]*\S"},
                {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
            ],
        }
    },
    "additionalProperties": {
        "anyOf": [
            {"type": "string", "maxLength": MAX_VALUE_LENGTH, "pattern": r"^[^\x00]*$"},
            _INT64,
            {"type": "number", "not": {"type": "integer"}},
            {"type": "boolean"},
            {"type": "null"},
        ]
    },
}


# A PATCH: fields to set (null removes one; ``phoneNumber`` cannot be removed).
CONTACT_CHANGES_SCHEMA: dict[str, Any] = {
    key: value for key, value in CONTACT_SCHEMA.items() if key != "required"
}


def contacts_schema(field: str) -> dict[str, Any]:
    """The body schema's ``properties`` entry of an array of contacts named ``field``."""
    return {field: {"type": "array", "minItems": 1, "items": CONTACT_SCHEMA}}


Contacts = Annotated[list[dict[str, Any]], msgspec.Meta(min_length=1)]


class KoreAddContactsRequest(msgspec.Struct, kw_only=True):
    """Kore's addContacts body: a list NAME and the contacts."""

    contact_list_name: Annotated[str, msgspec.Meta(min_length=1)]
    data: Contacts


class AddContactsRequest(msgspec.Struct, kw_only=True):
    """dialist addition: add up to 10,000 contacts to a list by its id."""

    contacts: Contacts


class DeleteContactsRequest(msgspec.Struct, kw_only=True):
    """dialist addition: delete contacts of a list by their ``cc-…`` ids."""

    ids: Annotated[list[str], msgspec.Meta(min_length=1)]


# ---- responses ------------------------------------------------------------------------------


class ContactDoc(msgspec.Struct):
    """A contact as getAllContacts returns it: ids and times, then every submitted field."""

    _id: str
    createdAt: str  # noqa: N815
    updatedAt: str  # noqa: N815
    phoneNumber: str | int  # noqa: N815


class ContactWithPhone(ContactDoc):
    """A contact with what dialist derived from its number (``_phone``)."""

    _phone: PhoneDetails


class ContactPage(msgspec.Struct):
    """``data`` of getAllContacts (contract §3.6)."""

    results: list[ContactDoc]
    skip: int
    limit: int
    hasMore: bool  # noqa: N815
    totalPages: int  # noqa: N815
    totalResults: int  # noqa: N815


class AddedItem(msgspec.Struct, omit_defaults=True):
    """What happened to one item of a batch, in request order.

    ``phone`` (everything derived from the number) only with ``include=phone``; ``code``
    (``DNC``) only on an item ``dncCheck=skip`` left out, ``dnc`` only on an item added while
    its number is on a DNC list that applies (``dncCheck=flag``), so an answer for numbers on
    no list is the same as without the check. ``message`` only when the number is not valid
    (stored flagged): why, and for a number written without "+" the region it was read in and
    how to use another; Kore's fields are unchanged.
    """

    index: int
    status: str  # "added" | "skipped"
    _id: str | None
    duplicateOf: str | None  # noqa: N815
    phoneValid: bool  # noqa: N815
    phoneInvalidReason: str | None  # noqa: N815
    phone: PhoneDetails | None = None
    code: str | None = None
    dnc: bool = False
    message: str | None = None


class AddContactsResult(msgspec.Struct):
    """``data`` of the batch add."""

    contactListId: str  # noqa: N815
    added: int
    skipped: int
    invalidPhones: int  # noqa: N815
    totalRecordCount: int  # noqa: N815
    results: list[AddedItem]


class DeleteContactsResult(PerIdResult):
    """``data`` of a contact delete: per-id results and the list's count after it."""

    totalRecordCount: int  # noqa: N815


class ContactWithVersion(ContactWithPhone):
    """One contact as read, replaced or merged: with ``_phone`` and its ``version`` (also its
    ``ETag``); ``updatedBy`` once it was updated through the API."""

    version: int


class Change(msgspec.Struct):
    """One change of the feed: ``op`` is ``added``, ``updated`` or ``deleted``; ``contact`` is
    the contact as it is now (null when deleted, or deleted since)."""

    op: str
    contactId: str  # noqa: N815
    version: int
    at: str
    contact: msgspec.Raw | None


class ChangePage(msgspec.Struct):
    """``data`` of the change feed."""

    changes: list[Change]
    nextCursor: str  # noqa: N815
    hasMore: bool  # noqa: N815


class LatestCursor(msgspec.Struct):
    """``data`` of ``changes/latest``: the cursor to follow the feed from now on."""

    cursor: str


class ChangeDoc(msgspec.Struct):
    """One change of the feed, as documented (see :class:`Change`)."""

    op: str
    contactId: str  # noqa: N815
    version: int
    at: str
    contact: ContactWithVersion | None


class ChangePageDoc(msgspec.Struct):
    """``data`` of the change feed, as documented."""

    changes: list[ChangeDoc]
    nextCursor: str  # noqa: N815
    hasMore: bool  # noqa: N815


# ---- the contact query ----------------------------------------------------------------------

QUERY_SORTS = ("createdAt", "-createdAt", "updatedAt", "-updatedAt")
QUERY_DEFAULT_LIMIT = 100


class ContactQuery(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed contact query (contract §2): every filter, the sort, the page size and the
    cursor. Instants are UTC in the stored form (``2026-01-02T03:04:05.678Z``)."""

    phone_number: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    phone_valid: bool | None = None
    region: str | None = None
    time_zone: str | None = None
    created_after: str | None = None
    created_before: str | None = None
    updated_after: str | None = None
    updated_before: str | None = None
    sort: str = "createdAt"
    limit: int = QUERY_DEFAULT_LIMIT
    cursor: str | None = None


class QueryPage(msgspec.Struct):
    """``data`` of the contact query, as documented: a page may hold fewer than ``limit``
    contacts (even none) while ``nextCursor`` is not null."""

    contacts: list[ContactWithVersion]
    nextCursor: str | None  # noqa: N815


class PhoneRow(NamedTuple):
    """A contact as GET renders it, with the number's stored facts beside it (what the
    contactability rules read)."""

    seq: int
    id: int
    doc: bytes
    e164: str | None
    valid: bool
    region: str | None
    line_type: str | None
