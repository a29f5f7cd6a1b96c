"""Export a whole list (``GET …/export``) to a binary file, streamed in constant memory.

Rows are counted on the fly from the bytes: NDJSON has one record a line; CSV records end at a
newline outside double quotes (a quoted cell may hold newlines, and ``""`` inside quotes toggles
the state twice, so counting quote parity is exact). The CSV header is not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from dialist.client.http import Connection
from dialist.client.models import ExportResult

CHUNK_BYTES = 256 * 1024

ByteCallback = Callable[[int], None]


class RecordCounter:
    """Counts complete records in a byte stream fed chunk by chunk."""

    def __init__(self, *, quoted: bool) -> None:
        self._quoted = quoted
        self._in_quotes = False
        self._pending = False  # bytes seen since the last record ended
        self.records = 0

    def feed(self, chunk: bytes) -> int:
        """Take the next chunk; answer how many records it completed."""
        if not chunk:
            return 0
        if self._quoted:
            ended = 0
            for index, part in enumerate(chunk.split(b'"')):
                if index:
                    self._in_quotes = not self._in_quotes
                if not self._in_quotes:
                    ended += part.count(b"\n")
        else:
            ended = chunk.count(b"\n")
        self._pending = not chunk.endswith(b"\n") or self._in_quotes
        self.records += ended
        return ended

    def finish(self) -> int:
        """The stream ended: a last record without a final newline still counts."""
        if self._pending:
            self._pending = False
            self.records += 1
            return 1
        return 0


class Exports(Connection):
    """The export endpoint of a list."""

    def export(
        self,
        list_id: str,
        format: str,
        out: IO[bytes],
        *,
        on_bytes: ByteCallback | None = None,
        on_rows: ByteCallback | None = None,
    ) -> ExportResult:
        """Stream every contact of the list as ``csv`` or ``ndjson`` into ``out``.

        ``on_bytes`` gets the size of each chunk written, ``on_rows`` the records each chunk
        completed (for CSV the first one is the header). Answers bytes written and data rows.
        """
        path = self.list_path(list_id, "export")
        return download(self, path, format, out, on_bytes=on_bytes, on_rows=on_rows)


def download(
    connection: Connection,
    path: str,
    format: str,
    out: IO[bytes],
    *,
    on_bytes: ByteCallback | None,
    on_rows: ByteCallback | None,
) -> ExportResult:
    """Stream the export at ``path`` (a contact list's, a DNC list's) as ``csv`` or ``ndjson``
    into ``out``, counting bytes and records as :meth:`Exports.export` says."""
    counter = RecordCounter(quoted=format == "csv")
    written = 0
    with connection.stream("GET", path, params={"format": format}) as response:
        for chunk in response.iter_bytes(CHUNK_BYTES):
            out.write(chunk)
            written += len(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
            ended = counter.feed(chunk)
            if on_rows is not None and ended:
                on_rows(ended)
    counter.finish()
    header = 1 if format == "csv" and counter.records else 0
    return ExportResult(bytes_written=written, rows=counter.records - header)
