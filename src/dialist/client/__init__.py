"""The dialist Python SDK (httpx, synchronous): lists, imports and exports over HTTP.

The CLI's data commands use it, so they work against any deployment a URL reaches.
"""

from dialist.client.client import Client
from dialist.client.errors import (
    APIError,
    Conflict,
    DialistClientError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    TransportError,
    Unauthorized,
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
    "ImportCounts",
    "ImportJob",
    "ImportResult",
    "NotFound",
    "PayloadTooLarge",
    "TransportError",
    "Unauthorized",
    "ValidationFailed",
]
