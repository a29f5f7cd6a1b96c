"""Request, response and row types of CRM contacts (contract §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec

from dialist import constraints
from dialist.envelope import PerIdResult

STATUS_ACTIVE = "ACTIVE"
STATUS_INACTIVE = "INACTIVE"
DEFAULT_LIMIT = 10
MAX_TEXT = 256


@dataclass(frozen=True)
class CrmContactRow:
    """A CRM contact as stored."""

    id: int
    status: str
    doc: dict[str, Any]
    created_at: str
    updated_at: str


class CellPhoneIn(msgspec.Struct, kw_only=True):
    """``cellPhone`` of a request; every part optional on update."""

    phoneNumber: str | None = None  # noqa: N815
    countryCode: str | None = None  # noqa: N815
    extension: str | None = None


Text = Annotated[str, constraints.text(MAX_TEXT, required=False)]
_TEXT_SCHEMA = {
    "type": ["string", "null"],
    "maxLength": MAX_TEXT,
    "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$",
}


class CrmContactIn(msgspec.Struct, kw_only=True):
    """One contact to create, or the fields to change."""

    firstName: Text | None = None  # noqa: N815
    lastName: Text | None = None  # noqa: N815
    salutation: Text | None = None
    cellPhone: CellPhoneIn | None = None  # noqa: N815


# A contact to create names someone: a first or last name, or a cell phone number.
NEW_CONTACTS_RULE: dict[str, Any] = {
    "minItems": 1,
    "items": {
        "type": "object",
        "properties": {name: _TEXT_SCHEMA for name in ("firstName", "lastName", "salutation")},
        "anyOf": [
            {
                "required": ["firstName"],
                "properties": {"firstName": {"type": "string", "minLength": 1}},
            },
            {
                "required": ["lastName"],
                "properties": {"lastName": {"type": "string", "minLength": 1}},
            },
            {
                "required": ["cellPhone"],
                "properties": {
                    "cellPhone": {
                        "type": "object",
                        "required": ["phoneNumber"],
                        "properties": {"phoneNumber": {"type": "string", "minLength": 1}},
                    }
                },
            },
        ],
    },
}


class BulkDeleteIn(msgspec.Struct, kw_only=True):
    """Body of the bulk delete."""

    ids: Annotated[list[str], msgspec.Meta(min_length=1)]


class CellPhone(msgspec.Struct):
    """``cellPhone`` as returned."""

    extension: str
    phoneNumber: str  # noqa: N815
    countryCode: str  # noqa: N815


class CrmContact(msgspec.Struct, omit_defaults=True):
    """A CRM contact as Kore returns it (no envelope)."""

    id: str
    firstName: str  # noqa: N815
    lastName: str  # noqa: N815
    fullName: str  # noqa: N815
    salutation: str
    cellPhone: CellPhone  # noqa: N815
    status: str
    instanceBotId: str  # noqa: N815
    orgId: str  # noqa: N815
    accountId: str  # noqa: N815
    createdBy: str  # noqa: N815
    createdByAId: str  # noqa: N815
    address: list[Any]
    twitterDetails: list[Any]  # noqa: N815
    createdAt: str  # noqa: N815
    updatedAt: str  # noqa: N815
    updatedBy: str | None = None  # noqa: N815
    updatedByAId: str | None = None  # noqa: N815


class CrmContactPage(msgspec.Struct):
    """A page of CRM contacts."""

    results: list[CrmContact]
    skip: int
    limit: int
    hasMore: bool  # noqa: N815
    totalPages: int  # noqa: N815
    totalResults: int  # noqa: N815


class BulkDeleteResult(PerIdResult):
    """Answer of the bulk delete."""
