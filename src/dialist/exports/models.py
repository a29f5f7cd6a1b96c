"""Types and constants of list exports."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from dialist.exports.cells import PHONE_FIELDS

FORMAT_CSV = "csv"
FORMAT_NDJSON = "ndjson"
FORMATS = (FORMAT_CSV, FORMAT_NDJSON)
# The Content-Type of each format (the server adds "; charset=utf-8" to text/csv).
MEDIA_TYPES = {
    FORMAT_CSV: "text/csv",
    FORMAT_NDJSON: "application/x-ndjson",
}

# The stream is handed to the server in chunks of about this many bytes, and rows are fetched
# from the database (PostgreSQL: from the server-side cursor) in batches of about that size:
# as many rows as fit, judged by the rows fetched so far, within these bounds.
CHUNK_BYTES = 256 * 1024
FETCH_BYTES = CHUNK_BYTES
FETCH_ROWS_MIN = 64
FETCH_ROWS_MAX = 5000

# Every stored document starts with these; the CSV header puts them first.
DOC_COLUMNS = ("_id", "createdAt", "updatedAt")
PHONE_COLUMNS = tuple(f"_phone.{name}" for name in PHONE_FIELDS)


@dataclass(frozen=True)
class Export:
    """An export that passed every check: how to label it and the bytes to stream.

    ``chunks`` opens its database snapshot on the first ``next()`` and releases it when it is
    exhausted or closed, so an export that is never read holds nothing.
    """

    media_type: str
    filename: str
    chunks: Generator[bytes, None, None]
