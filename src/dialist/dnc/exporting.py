"""Export of a DNC list's entries (``GET dncList/{id}/export?format=csv|ndjson``), streamed.

Every entry, expired ones too, in the order they were added, read from one snapshot (entries
added or removed meanwhile neither appear twice nor go missing) by one query whose rows are
fetched a batch at a time, so memory stays flat however long the list.

NDJSON: one entry a line, as ``GET …/entries`` shows it. CSV: the columns ``_id``,
``phoneNumber``, ``prefix``, ``expiresAt``, ``reason``, ``source``, ``createdAt``,
``updatedAt`` (an entry fills ``phoneNumber`` or ``prefix``; a null is an empty cell); a
cell a spreadsheet would run as a formula gets a leading ``'`` as in contact exports (a plain
number such as ``+14155552671`` stays as it is). The file imports back as it is (``_id``,
``createdAt`` and ``updatedAt`` are ignored by an import).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator

import msgspec

from dialist.auth.models import TenantScope
from dialist.db.engine import Database
from dialist.dnc import entries, registry, store
from dialist.dnc.models import DncEntryRow, DncListRow
from dialist.exports import service as exports
from dialist.exports.models import CHUNK_BYTES, FORMAT_CSV, MEDIA_TYPES, Export

COLUMNS = (
    "_id",
    "phoneNumber",
    "prefix",
    "expiresAt",
    "reason",
    "source",
    "createdAt",
    "updatedAt",
)
BATCH_ROWS = 2000
_encode = msgspec.json.Encoder().encode


def prepare(
    database: Database, *, scope: TenantScope, dnc_list_public_id: str, export_format: str | None
) -> Export:
    """Check an export (400 bad format, 404 list) and return it, ready to stream."""
    chosen = exports.parse_format(export_format)
    dnc_list = registry.get_list(database, scope=scope, dnc_list_public_id=dnc_list_public_id)
    return Export(
        media_type=MEDIA_TYPES[chosen],
        filename=exports.file_name(dnc_list.name, chosen),
        chunks=_chunks(database, scope, dnc_list, csv_format=chosen == FORMAT_CSV),
    )


def _chunks(
    database: Database, scope: TenantScope, dnc_list: DncListRow, *, csv_format: bool
) -> Generator[bytes, None, None]:
    """The export's bytes in pieces of about ``CHUNK_BYTES``; the snapshot opens on the first
    ``next()`` (a list deleted in between exports as empty)."""
    render = _csv_lines if csv_format else _ndjson_lines
    pending: list[bytes] = [_header()] if csv_format else []
    size = sum(map(len, pending))
    with exports.snapshot(database) as conn:
        if store.get_list(conn, scope, list_id=dnc_list.id) is not None:
            for rows in store.all_entries(conn, dnc_list, batch=BATCH_ROWS):
                text = render(rows)
                pending.append(text)
                size += len(text)
                if size >= CHUNK_BYTES:
                    yield b"".join(pending)
                    pending, size = [], 0
    if pending:
        yield b"".join(pending)


def _header() -> bytes:
    return (",".join(COLUMNS) + "\r\n").encode()


def _ndjson_lines(rows: list[DncEntryRow]) -> bytes:
    return b"".join(_encode(entries.present(row)) + b"\n" for row in rows)


def _csv_lines(rows: list[DncEntryRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(
            [
                registry.entry_public_id(row.id),
                "" if row.is_prefix else row.value,
                row.value if row.is_prefix else "",
                row.expires_at or "",
                exports.neutralise(row.reason or ""),
                row.source,
                row.created_at,
                row.updated_at,
            ]
        )
    return buffer.getvalue().encode()
