"""The rules of list exports: what is streamed, in which form, and how cells are made safe.

An export is every contact of a list in list order (``seq``), read from one database
snapshot (``store.snapshot``), so contacts added, changed or deleted while it runs neither
appear twice nor go missing. Every check (the list, the format) happens in :func:`prepare`,
before the first byte is sent; the chunks only read, and take their snapshot when first read
(a list deleted in between exports as empty).

NDJSON: one line per contact, exactly what ``getAllContacts?include=phone`` returns for it (the
stored document with ``_phone`` rendered from the contact's columns and spliced in, by the
database, byte for byte).

CSV: the header is ``_id``, ``createdAt``, ``updatedAt``, every field name written to the list
(kept on the list by each write, in the order first written; for a list from before they were
kept, a first pass reads them from the documents, in the order first seen), then the derived
``_phone.*`` columns; then one row per contact. A cell is the member's JSON text:
strings as their text, numbers as JSON wrote them, booleans ``true``/``false``, null and
absent members empty (a nested value, which dialist's writers never store, as compact JSON).

Formula neutralising (CSV only): a spreadsheet runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` (and some also after a leading tab or carriage return) as a formula, so a field
value or field name that starts with one of ``= + - @ \\t \\r`` is written with a leading
``'``, unless it is a plain number: an optional ``+`` or ``-`` followed by digits with at most
one decimal point (``+14155552671``, ``-12.5`` are left alone; ``=1+2``, ``@SUM(A1)``, ``-``,
``+1 x``, ``+1-2``, ``+44 20 7946 0018`` get the ``'``).
The derived ``_phone.*`` cells are the service's own values (E.164 numbers, codes, IANA zones)
and are never changed. NDJSON is data, not a spreadsheet, and is never altered.

Speed: no Python code runs per contact in NDJSON (the database renders and splices, Python
joins batches), nor, for nearly every batch, in CSV (:class:`CsvBatches`: one decoder call per
batch, no Python code per cell for batches of plain JSON text). Nothing is rendered when a
contact is written, so a change of how a cell renders needs no data migration.
"""

from __future__ import annotations

import csv
import io
import operator
import re
import unicodedata
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import closing
from typing import Any

import msgspec
from sqlalchemy.engine import Connection

from dialist.auth.models import TenantScope
from dialist.db.engine import Database
from dialist.errors import ValidationError
from dialist.exports import cells, store
from dialist.exports.models import (
    CHUNK_BYTES,
    DOC_COLUMNS,
    FORMAT_CSV,
    FORMATS,
    MEDIA_TYPES,
    PHONE_COLUMNS,
    Export,
)
from dialist.lists import service as lists

_first = operator.itemgetter(0)
_second = operator.itemgetter(1)
_astuple = msgspec.structs.astuple

# ---- formula neutralising -------------------------------------------------------------------

# In JSON text with no backslash (the fast path): the opening quote of a string VALUE whose
# text starts with a formula character and is not a plain number. Exact there: with no
# backslash every ``"`` is a real one, so ``":"`` is a key's end, the colon and a value's
# start, and the plain number runs to the value's closing quote.
_JSON_FORMULA = re.compile(rb'":"(?=[=+\-@])(?![+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")')


neutralise = cells.neutralise
# A read transaction whose statements all see one snapshot (for exports of other domains too).
snapshot = store.snapshot


# ---- checks ---------------------------------------------------------------------------------


def parse_format(value: str | None) -> str:
    """The ``format`` query parameter: ``csv`` (the default) or ``ndjson``."""
    if value is None or value == "":
        return FORMAT_CSV
    if value not in FORMATS:
        raise ValidationError("format must be 'csv' or 'ndjson'", field="format")
    return value


def file_name(list_name: str, export_format: str) -> str:
    """The download's file name: the list's name with anything but letters, digits, ``.``,
    ``-`` and ``_`` made ``_`` (so no path, quote or control character), and the extension."""
    stem = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", list_name)).strip("._")
    return f"{stem[:100] or 'contacts'}.{export_format}"


def prepare(
    database: Database, *, scope: TenantScope, list_public_id: str, export_format: str | None
) -> Export:
    """Check an export (400 bad format, 404 list) and return it, ready to stream."""
    chosen = parse_format(export_format)
    contact_list = lists.get_list(database, scope=scope, list_public_id=list_public_id)
    make = _csv_chunks if chosen == FORMAT_CSV else _ndjson_chunks
    return Export(
        media_type=MEDIA_TYPES[chosen],
        filename=file_name(contact_list.name, chosen),
        chunks=make(database, scope, contact_list.id),
    )


# ---- streaming ------------------------------------------------------------------------------


def _ndjson_chunks(
    database: Database, scope: TenantScope, list_id: int
) -> Generator[bytes, None, None]:
    # A fetched batch is about CHUNK_BYTES (see store), so it is sent as it comes.
    with (
        store.snapshot(database) as conn,
        closing(store.ndjson_lines(conn, scope, list_id=list_id)) as batches,
    ):
        for rows in batches:
            yield b"".join(map(_first, rows))


def _field_names(conn: Connection, scope: TenantScope, list_id: int) -> list[str]:
    """Every field name of the list's documents, in the order first seen: for a list from
    before lists kept them (0004), a first pass over its documents. (Asking PostgreSQL for the
    names with its JSON functions measured twice as slow as reading the documents.)"""
    seen = list(DOC_COLUMNS)
    with closing(store.documents(conn, scope, list_id=list_id)) as fetched:
        for rows in fetched:
            seen += cells.new_names(seen, b"\n".join(map(_first, rows)))
    return seen[len(DOC_COLUMNS) :]


class CsvBatches:
    """Turns batches of ``(doc, phone cells)`` into CSV text, one decoder call per batch.

    Every cell of a document is the JSON text of its member: a number or boolean as JSON wrote
    it, a string as its text, null and absent as an empty cell. The fast path, for a batch with
    no backslash and no nested value (nearly all): a JSON string with no escape in it, quotes
    included, is already a valid quoted CSV cell of the same text, so each row is its cells'
    JSON texts joined with commas, in C, with no Python code per cell; beforehand, nulls become
    ``""`` and formula cells get their ``'``, in the batch's JSON text. Other batches go cell by
    cell through the csv module. The ``_phone.*`` cells come rendered by the database
    (``store.documents_and_phone_cells``) and are appended as they are.
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.documents = cells.members_decoder(columns)

    def text(self, rows: list[tuple[Any, ...]]) -> bytes:
        """The CSV lines of one batch, each ending in CRLF, UTF-8."""
        docs = b"\n".join(map(_first, rows))
        if self.documents is None or b"\\" in docs or _nested(docs, len(rows)):
            return self.written(rows)
        if b"null" in docs:
            docs = docs.replace(b'":null', b'":""')
        docs = _JSON_FORMULA.sub(b'":"\'', docs)
        lines = map(b",".join, map(_astuple, self.documents.decode_lines(docs)))
        return b"\r\n".join(map(operator.add, lines, map(_second, rows))) + b"\r\n"

    def written(self, rows: list[tuple[Any, ...]]) -> bytes:
        """The same lines, the documents' cells written one by one with the csv module (any
        JSON)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)  # its CRLF (which makes it quote line breaks) is cut below
        columns = self.columns
        empty = msgspec.Raw(b"")
        lines = []
        for doc, phone_cells in rows:
            members = cells.as_dicts(bytes(doc))[0]
            writer.writerow(_row([members.get(c, empty) for c in columns]))
            lines.append(buffer.getvalue()[:-2].encode() + bytes(phone_cells) + b"\r\n")
            buffer.seek(0)
            buffer.truncate()
        return b"".join(lines)


def _nested(docs: bytes, count: int) -> bool:
    """Whether a batch of ``count`` documents with no backslash has an array or object value.
    Brackets in text are rare: count them (fast) before looking for one after a key."""
    if b"[" not in docs and docs.count(b"{") == count:
        return False
    return b'":[' in docs or b'":{' in docs


def _row(cells: Iterable[msgspec.Raw]) -> list[str]:
    return [_cell(bytes(cell)) for cell in cells]


def _cell(text: bytes) -> str:
    """One member's JSON text as its CSV cell."""
    if text[:1] == b'"':
        return neutralise(msgspec.json.decode(text, type=str))
    return "" if text == b"null" else text.decode()


def _csv_chunks(
    database: Database, scope: TenantScope, list_id: int
) -> Generator[bytes, None, None]:
    with store.snapshot(database) as conn:
        kept = store.field_names(conn, scope, list_id=list_id)
        names = kept if kept is not None else _field_names(conn, scope, list_id)
        columns = [*DOC_COLUMNS, *names]
        header = io.StringIO()
        csv.writer(header).writerow([*map(neutralise, columns), *PHONE_COLUMNS])
        with closing(_csv_texts(conn, scope, list_id, columns)) as texts:
            yield from _joined(header.getvalue().encode(), texts)


def _csv_texts(
    conn: Connection, scope: TenantScope, list_id: int, columns: list[str]
) -> Generator[bytes, None, None]:
    """The CSV rows of the list, a batch at a time: the documents' cells and the database's
    ``_phone.*`` cells."""
    batches = CsvBatches(columns)
    with closing(store.documents_and_phone_cells(conn, scope, list_id=list_id)) as fetched:
        for rows in fetched:
            yield batches.text(rows)


def _joined(first: bytes, texts: Iterable[bytes]) -> Iterator[bytes]:
    """``first``, then ``texts``, in pieces of about ``CHUNK_BYTES``."""
    pending, size = [first], len(first)
    for text in texts:
        pending.append(text)
        size += len(text)
        if size >= CHUNK_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)
