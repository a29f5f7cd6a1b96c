"""Request, response and row types of contact lists (contract §2-3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec

from dialist import constraints

LIST_TYPES = ("call", "sms")
SOURCE_PASSIVE_API = "passiveApi"
DEDUPE_BY = ("phone", "uniqueId")
SOURCE_ALIASES = {"passiveApi": SOURCE_PASSIVE_API, "passiveApiIntegration": SOURCE_PASSIVE_API}
MAX_NAME = 48
MAX_DESCRIPTION = 256


@dataclass(frozen=True)
class CampaignLink:
    """A campaign that uses a list."""

    id: str
    name: str


@dataclass(frozen=True)
class ContactListRow:
    """A contact list as stored, with its campaign links."""

    id: int
    tenant_id: int
    name: str
    description: str
    source: str
    list_type: str
    status: str
    allow_duplicates: bool
    total_record_count: int
    created_by: str
    updated_by: str
    created_at: str
    updated_at: str
    campaigns: tuple[CampaignLink, ...]
    dedupe_by: str = "phone"
    # Every field name written to the list's contacts, first written first (None: not known).
    field_names: tuple[str, ...] | None = None
    # The sequence number of the next contact, and the list's latest change and first kept one.
    next_seq: int = 0
    last_change: int = 0
    first_kept_change: int = 1


# ---- requests -------------------------------------------------------------------------------


Name = Annotated[str, constraints.text(MAX_NAME, one_line=True)]
Description = Annotated[str, constraints.text(MAX_DESCRIPTION, required=False)]
Source = Literal["passiveApi", "passiveApiIntegration"]
DedupeBy = Literal["phone", "uniqueId"]


class CreateContactListRequest(msgspec.Struct, kw_only=True):
    """Body of v1 ``createContactList``. Unknown fields are ignored (``name1`` of old v1
    samples); ``description`` may be left out."""

    name: Name
    source: Source
    description: Description | None = None
    allowDuplicates: bool | None = None  # noqa: N815
    dedupeBy: DedupeBy | None = None  # noqa: N815 - dialist: "phone" or "uniqueId"


class CreateContactListRequestV2(CreateContactListRequest, kw_only=True):
    """Body of v2 ``createContactList``: ``description`` is required (may be empty)."""

    description: Description


class UpdateContactListRequest(msgspec.Struct, kw_only=True):
    """Body of the update (PUT): every field optional, at least one of ``name``,
    ``description``, ``allowDuplicates`` or ``dedupeBy`` not null (``UPDATE_NEEDS_ONE``)."""

    name: Name | None = None
    description: Description | None = None
    allowDuplicates: bool | None = None  # noqa: N815
    source: Source | None = None
    dedupeBy: DedupeBy | None = None  # noqa: N815 - dialist: "phone" or "uniqueId"


UPDATE_FIELDS = ("name", "description", "allowDuplicates", "dedupeBy")
# The update's rule in the OpenAPI document: one of the fields present and not null.
UPDATE_NEEDS_ONE: dict[str, object] = {
    "anyOf": [
        {"required": [field], "properties": {field: {"not": {"type": "null"}}}}
        for field in UPDATE_FIELDS
    ]
}


class LinkCampaignRequest(msgspec.Struct, kw_only=True):
    """dialist addition: link a campaign (``cd-…`` id and name) to a list."""

    id: Annotated[str, constraints.id_pattern("cd", max_length=64)]
    name: Annotated[str, constraints.text(256, one_line=True)]


# ---- responses ------------------------------------------------------------------------------


class Mapping(msgspec.Struct):
    """Field mapping; for API-created lists each value equals its key."""

    firstName: str  # noqa: N815
    lastName: str  # noqa: N815
    phoneNumber: str  # noqa: N815
    timeZone: str  # noqa: N815
    uniqueId: str  # noqa: N815
    contactPriority: str  # noqa: N815


API_MAPPING = Mapping(
    firstName="firstName",
    lastName="lastName",
    phoneNumber="phoneNumber",
    timeZone="timeZone",
    uniqueId="uniqueId",
    contactPriority="contactPriority",
)


class CampaignRef(msgspec.Struct):
    """An entry of ``campaignInUse``."""

    id: str
    name: str


class ApiConfigurations(msgspec.Struct):
    """Passive API lists: how duplicates are handled."""

    dataSyncMode: str  # noqa: N815


class FileRef(msgspec.Struct):
    """An uploaded file of a list (always empty for API lists)."""

    fileId: str  # noqa: N815
    fileName: str  # noqa: N815


class ContactList(msgspec.Struct):
    """The full ContactList object (contract §2), field order as in Kore's samples."""

    _id: str
    isActive: bool  # noqa: N815
    name: str
    description: str
    totalRecordCount: int  # noqa: N815
    status: str
    createdBy: str  # noqa: N815
    updatedBy: str  # noqa: N815
    mapping: Mapping
    isListInUse: bool  # noqa: N815
    listType: str  # noqa: N815
    isGlobalDNC: bool  # noqa: N815
    isDefault: bool  # noqa: N815
    campaignInUse: list[CampaignRef]  # noqa: N815
    source: str
    apiConfigurations: ApiConfigurations  # noqa: N815
    columns: list[str]
    files: list[FileRef]
    createdAt: str  # noqa: N815
    updatedAt: str  # noqa: N815
    allowDuplicates: bool  # noqa: N815


class ContactListDetail(ContactList):
    """The full object plus the context fields of the v1 get/delete samples (contract §2)."""

    orgId: str  # noqa: N815
    lname: str
    iId: str  # noqa: N815
    accountId: str  # noqa: N815
    dedupeBy: str  # noqa: N815 - dialist: what a duplicate is when duplicates are not allowed


class ContactListSummary(msgspec.Struct):
    """An entry of ``getAllListDetails``."""

    _id: str
    name: str
    description: str
    totalRecordCount: int  # noqa: N815
    status: str
    mapping: Mapping
    isListInUse: bool  # noqa: N815
    listType: str  # noqa: N815
    campaignInUse: list[CampaignRef]  # noqa: N815
    source: str
    apiConfigurations: ApiConfigurations  # noqa: N815
    columns: list[str]
    files: list[FileRef]
    updatedAt: str  # noqa: N815


class UpdateBody(msgspec.Struct, omit_defaults=True):
    """The ``body`` echo of an update: applied changes plus context."""

    name: str
    scope: list[str]
    orgId: str  # noqa: N815
    iId: str  # noqa: N815
    listType: str  # noqa: N815
    accountId: str  # noqa: N815
    updatedBy: str  # noqa: N815
    description: str | msgspec.UnsetType = msgspec.UNSET
    allowDuplicates: bool | msgspec.UnsetType = msgspec.UNSET  # noqa: N815
    dedupeBy: str | msgspec.UnsetType = msgspec.UNSET  # noqa: N815


class UpdateResult(msgspec.Struct):
    """``data`` of an update."""

    contactListId: str  # noqa: N815
    body: UpdateBody
