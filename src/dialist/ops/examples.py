"""The Kore.ai reference pages' samples, as examples in the generated OpenAPI document.

Verbatim from the two reference pages ("Get Contact List Details API-v2" and "Get all Contacts
of a Contact List API-v2"): the sample request's path, header and query values, and the sample
response. They are shown on both prefixes (v2 and v1), which share one handler.
"""

from __future__ import annotations

from typing import Any

from litestar.enums import ParamType
from litestar.openapi.spec import (
    Example,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Parameter,
)

_PREFIXES = (
    "/campaign/api/v2/public/{streamId}/campaign/contactList",
    "/agentassist/api/v1/public/{streamId}/campaign/contactList",
)

# The sample request headers of the reference pages (``<token>`` stands for a JWT).
_REQUEST_VALUES = {
    ("path", "streamId"): "st-0603182c-7ffb-53c3-b307-47ca14bxxxxx",
    ("header", "iid"): "st-0603182c-7ffb-53c3-b307-47ca14bxxxxx",
    ("header", "accountId"): "67777ce93e25326494exxxxx",
    ("query", "accountId"): "67777ce93e25326494exxxxx",
    ("header", "auth"): "<token>",
}

CONTACT_LIST_DETAILS: dict[str, Any] = {
    "status": "success",
    "message": "",
    "data": {
        "_id": "cl-718e888-3aca-4008-973e-6d79940xxxxx",
        "isActive": True,
        "name": "Renewal Due - May/June 2025",
        "description": "This list contains customers with services expiring in July 2025. It "
        "includes contact details and subscription info to help agents provide tailored "
        "support during live calls.",
        "totalRecordCount": 0,
        "status": "Ready",
        "createdBy": "u-eb5bbee1-6af9-5b9a-b471-03a3fe4xxxxx",
        "updatedBy": "u-eb5bbee1-6af9-5b9a-b471-03a3fe4xxxxx",
        "mapping": {
            "firstName": "firstName",
            "lastName": "lastName",
            "phoneNumber": "phoneNumber",
            "timeZone": "timeZone",
            "uniqueId": "uniqueId",
            "contactPriority": "contactPriority",
        },
        "isListInUse": False,
        "listType": "call",
        "isGlobalDNC": False,
        "isDefault": False,
        "campaignInUse": [],
        "source": "passiveApi",
        "apiConfigurations": {"dataSyncMode": "allowDuplicates"},
        "columns": [],
        "files": [],
        "createdAt": "2025-12-05T10:30:57.258Z",
        "updatedAt": "2025-12-05T10:35:41.551Z",
        "allowDuplicates": True,
    },
}

ALL_CONTACTS: dict[str, Any] = {
    "status": "success",
    "message": "Contacts retrieved successfully",
    "data": {
        "results": [
            {
                "_id": "cc-3f9949ab-f9ab-5752-85c0-77e6300xxxx",
                "createdAt": "2025-12-09T04:28:44.832Z",
                "updatedAt": "2025-12-09T04:28:44.832Z",
                "phoneNumber": "91223334xxxxx",
            },
            {
                "_id": "cc-b97bc0a5-d208-57e6-8cee-5fc1a9cxxxxx",
                "createdAt": "2025-12-09T04:28:44.832Z",
                "updatedAt": "2025-12-09T04:28:44.832Z",
                "phoneNumber": "91223334xxxxx",
            },
            {
                "_id": "cc-219d81d7-4b37-5843-9f8b-f106445xxxxx",
                "createdAt": "2025-12-09T04:28:44.833Z",
                "updatedAt": "2025-12-09T04:28:44.833Z",
                "phoneNumber": "91223334xxxxx",
            },
        ],
        "skip": 0,
        "limit": 50,
        "hasMore": False,
        "totalPages": 1,
        "totalResults": 3,
    },
}

# The sample requests, verbatim (v2; the v1 prefix is put in for the v1 path).
_DETAILS_REQUEST = """curl --location 'https://{{host}}/campaign/api/v2/public/{{streamId}}/campaign/contactList/{{contactListId}}?accountId={{accountId}}' \\
--header 'iid: st-0603182c-7ffb-53c3-b307-47ca14bxxxxx' \\
--header 'accountId: 67777ce93e25326494exxxxx' \\
--header 'auth: <token>'"""  # noqa: E501
_ALL_CONTACTS_REQUEST = """curl --location 'https://{{host}}/campaign/api/v2/public/{{streamId}}/campaign/contactList/{{contactList}}/getAllContacts?accountId={{accountId}}' \\
--header 'auth: <token>'"""  # noqa: E501

# (path after the prefix, sample request, sample response)
_SAMPLES = (
    ("/{contactListId}", _DETAILS_REQUEST, CONTACT_LIST_DETAILS),
    ("/{contactListId}/getAllContacts", _ALL_CONTACTS_REQUEST, ALL_CONTACTS),
)
_SAMPLE_LIST_ID = "cl-718e888-3aca-4008-973e-6d79940xxxxx"


def _document(operation: Operation, prefix: str, curl: str, sample: dict[str, Any]) -> None:
    values = {**_REQUEST_VALUES, ("path", "contactListId"): _SAMPLE_LIST_ID}
    for parameter in operation.parameters or []:
        if isinstance(parameter, Parameter):
            given = values.get((ParamType(parameter.param_in).value, parameter.name))
            if given is not None:
                parameter.example = given
    responses = operation.responses or {}
    ok = responses.get("200")
    if isinstance(ok, OpenAPIResponse):
        media = (ok.content or {}).get("application/json")
        if isinstance(media, OpenAPIMediaType):
            media.examples = {
                "kore": Example(summary="Kore.ai reference page's sample response", value=sample)
            }
    curl = curl.replace("/campaign/api/v2/public/", prefix.split("{streamId}")[0])
    sample_request = f"Sample request (Kore.ai reference page):\n\n```sh\n{curl}\n```"
    operation.description = f"{operation.description or ''}\n\n{sample_request}".strip()


def document_kore_samples(schema: OpenAPI) -> None:
    """Put the reference pages' sample requests and responses on their operations."""
    for prefix in _PREFIXES:
        for tail, curl, sample in _SAMPLES:
            item = (schema.paths or {}).get(prefix + tail)
            if item is not None and item.get is not None:
                _document(item.get, prefix, curl, sample)
