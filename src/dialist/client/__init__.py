"""The dialist Python SDK (httpx, synchronous): lists, imports and exports over HTTP.

The CLI's data commands use it, so they work against any deployment a URL reaches.
"""

from dialist.client.client import Client
from dialist.client.errors import (
    APIError,
    Conflict,
    DialistClientError,
    Forbidden,
    Gone,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    TransportError,
    Unauthorized,
    Unprocessable,
    ValidationFailed,
)
from dialist.client.models import (
    FINISHED_STATUSES,
    ContactList,
    ExportResult,
    ImportCounts,
    ImportJob,
    ImportResult,
)

__all__ = [
    "FINISHED_STATUSES",
    "APIError",
    "Client",
    "Conflict",
    "ContactList",
    "DialistClientError",
    "ExportResult",
    "Forbidden",
    "Gone",
    "ImportCounts",
    "ImportJob",
    "ImportResult",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "TransportError",
    "Unauthorized",
    "Unprocessable",
    "ValidationFailed",
]
