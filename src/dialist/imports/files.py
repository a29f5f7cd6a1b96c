"""Reading an uploaded file as records: encodings, CSV dialects, NDJSON, JSON arrays. Pure: the
bytes come from any binary stream; nothing here touches the database.

A file is read twice: :func:`check` goes through it from end to end before anything is written
(encoding, header, row count, structure), so a file that cannot be read fails whole and leaves
the list untouched; :func:`records` then yields its records for the import.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any, NamedTuple, NoReturn

import msgspec

from dialist import validation
from dialist.contacts.models import MAX_KEY_LENGTH, is_reserved
from dialist.imports import jsonarray

MAX_RECORD_CHARS = 1 << 20  # a CSV or NDJSON record over 1 MiB is reported ROW_TOO_LONG
MAX_COLUMNS = 150
_MARK = "\x1fROW_TOO_LONG\x1f"
_END = "\x1fEND\x1f"  # the cells of the line that follows a CSV file in the check
_OVERLONG = _MARK + "\n"  # stands in for an overlong line, whose text is skipped
DELIMITERS = (",", ";", "\t", "|")  # the ones a CSV file may use
_ENCODINGS = {"utf-8": "utf-8", "cp1252": "cp1252", "latin-1": "latin-1", "utf-16": "utf-16"}
FORMATS = ("csv", "ndjson", "json")

# Opens the upload from its first byte, each time it is called.
Source = Callable[[], io.BufferedReader]


class FileError(Exception):
    """The whole file cannot be imported (the job fails with ``code``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class FileFacts(msgspec.Struct, kw_only=True):
    """What checking the file found; stored with the job so a resumed job reads it alike."""

    format: str
    encoding: str
    delimiter: str | None
    columns: list[str]
    rows: int
    overlong: bool = False  # some line is over MAX_RECORD_CHARS: read line by line, guarded


class Record(NamedTuple):
    """One data record: its number (from 1), the line it starts on, and its values or why it
    cannot be read (``error`` = (code, message))."""

    row: int
    line: int | None
    values: dict[str, Any] | None
    error: tuple[str, str] | None


def known_encoding(name: str) -> str | None:
    """The encoding an ``encoding`` parameter names, or None when it is not one we read."""
    return _ENCODINGS.get(name.lower().replace("_", "-"))


def sniff_format(head: bytes) -> str:
    """``json`` for a file starting with ``[``, ``ndjson`` with ``{``, else ``csv``."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        return "ndjson"
    return "csv"


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _head(source: Source, size: int = 4) -> bytes:
    with source() as stream:
        return stream.read(size)


def _text(source: Source, encoding: str) -> IO[str]:
    return io.TextIOWrapper(source(), encoding=encoding, errors="strict", newline="")


def _lines(text: IO[str]) -> Iterator[str]:
    """The file's lines, each overlong one replaced by a marker (its text is skipped)."""
    while True:
        line = text.readline(MAX_RECORD_CHARS)
        if not line:
            return
        if len(line) >= MAX_RECORD_CHARS and not line.endswith(("\n", "\r")):
            while True:
                rest = text.readline(MAX_RECORD_CHARS)
                if not rest or rest.endswith(("\n", "\r")):
                    break
            yield _OVERLONG
            continue
        yield line


# ---- checking ---------------------------------------------------------------------------------


def check(
    source: Source,
    *,
    format: str | None,
    encoding: str | None,
    delimiter: str | None,
    max_rows: int,
) -> FileFacts:
    """Read the whole file once; its facts, or :class:`FileError` saying why it cannot be read."""
    head = _head(source, 4096)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise FileError("EMPTY_FILE", "the file is empty")
    chosen = format or sniff_format(head)
    candidates = [encoding] if encoding else [_bom_encoding(head) or "utf-8", "cp1252"]
    why = ""
    for candidate in candidates:
        try:
            if chosen == "json":
                return _check_json(source, candidate, max_rows)
            return _check_text(source, chosen, candidate, delimiter, max_rows)
        except UnicodeError as error:  # also a UTF-16 file without a byte order mark
            why = (
                f"byte {error.object[error.start : error.start + 1]!r} is not {candidate}"
                if isinstance(error, UnicodeDecodeError)
                else str(error)
            )
            if candidate in ("utf-8", "utf-8-sig") and not encoding:
                _not_mostly_utf8(source, marked=candidate == "utf-8-sig")
    raise FileError("BINARY_FILE", f"the file is not text in {' or '.join(candidates)} ({why})")


# A character of two, three or four bytes, well formed, in UTF-8.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_HIGH_BYTES = bytes(range(0x80, 0x100))


def _not_mostly_utf8(source: Source, *, marked: bool) -> None:
    """Before a file that is not UTF-8 is read as cp1252: fail it when it starts with UTF-8's
    byte order mark (``marked``) or its bytes over 0x7F largely form UTF-8 characters (for
    every UTF-8 character, fewer than four stray bytes). It is then
    UTF-8 with a few stray bytes, and reading it as cp1252 would turn each of its accented
    letters into two (``Köln`` into ``KÃ¶ln``)."""
    good = bad = lines = 0
    first: int | None = None
    with source() as stream:
        while block := stream.read(1 << 20):
            block += stream.readline()  # whole lines: no character is cut in two
            high = len(block) - len(block.translate(None, _HIGH_BYTES))
            if not high:
                lines += block.count(b"\n")
                continue
            rest, count = _UTF8_MULTIBYTE.subn(b"", block)
            good += count
            stray = high - (len(block) - len(rest))
            if stray and first is None:
                try:
                    block.decode("utf-8")
                except UnicodeDecodeError as error:
                    first = lines + block.count(b"\n", 0, error.start) + 1
            bad += stray
            lines += block.count(b"\n")
    # A well-formed UTF-8 character is strong evidence (in cp1252 text it takes a capital
    # with an accent followed by a symbol such as a dash); a stray byte is weak evidence.
    if first is not None and (marked or 4 * good > bad):
        raise FileError(
            "MIXED_ENCODING",
            f"the file is UTF-8 but for {bad:,} stray byte{'s' if bad > 1 else ''}, the first "
            f"on line {first}: correct {'them' if bad > 1 else 'it'}, or give encoding=cp1252 "
            "if the file is not UTF-8",
        )


def _no_nul(line: str, number: int) -> None:
    if "\x00" in line:
        raise FileError("BINARY_FILE", f"the file holds NUL bytes (line {number}): not text")


def _check_text(
    source: Source, format: str, encoding: str, delimiter: str | None, max_rows: int
) -> FileFacts:
    with _text(source, encoding) as text:
        if format == "ndjson":
            rows = 0
            for number, line in enumerate(_lines(text), start=1):
                _no_nul(line, number)
                if line.strip():
                    rows += 1
                    _row_limit(rows, max_rows)
            return FileFacts(
                format="ndjson", encoding=encoding, delimiter=None, columns=[], rows=rows
            )
        lines = _CheckedLines(text)
        header_line = next((line for line in lines if line.strip()), None)
        if header_line is None:
            raise FileError("EMPTY_FILE", "the file holds no text")
        if header_line is _OVERLONG:
            raise FileError(
                "HEADER_TOO_LONG", f"the header line is longer than {MAX_RECORD_CHARS:,} characters"
            )
        chosen = delimiter or _sniff_delimiter(header_line)
        csv.field_size_limit(MAX_RECORD_CHARS)
        # The csv module ends a quoted field left open at the end of the file without a word,
        # so one line more follows the file: a record of its own, unless a quoted field is
        # still open and swallows it.
        end = [_END, _END]
        reader = csv.reader(_chain(header_line, lines, chosen.join(end)), delimiter=chosen)
        rows = 0
        cells: list[str] = []
        try:
            columns = _header(next(reader))
            for cells in reader:
                if cells:
                    rows += 1
                    if rows > max_rows + 1:  # + 1: the end line's record
                        _row_limit(rows, max_rows)
        except csv.Error as error:
            raise FileError(
                "INVALID_CSV", f"the file is not readable CSV near line {reader.line_num}: {error}"
            ) from None
        if cells != end:
            start = _last_record_line(source, encoding, chosen)
            raise FileError(
                "INVALID_CSV",
                f"a quoted field is never closed: the record from line {start} runs to the end "
                "of the file",
            )
        rows -= 1
        _row_limit(rows, max_rows)
        _check_names(columns)
        return FileFacts(
            format="csv",
            encoding=encoding,
            delimiter=chosen,
            columns=columns,
            rows=rows,
            overlong=lines.overlong,
        )


def _last_record_line(source: Source, encoding: str, delimiter: str) -> int:
    """The line where the file's last CSV record starts (read again: only for the message)."""
    with _text(source, encoding) as text:
        reader = csv.reader(_lines(text), delimiter=delimiter)
        start = end = 0
        for _ in reader:
            start, end = end + 1, reader.line_num
        return start


class _CheckedLines:
    """The lines of a text, refusing NUL characters, noting whether any was overlong."""

    def __init__(self, text: IO[str]) -> None:
        self._lines = _lines(text)
        self.number = 0
        self.overlong = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.number += 1
        if line is _OVERLONG:
            self.overlong = True
        _no_nul(line, self.number)
        return line


def _chain(first: str, rest: Iterator[str], end: str) -> Iterator[str]:
    yield first
    yield from rest
    yield end


def _row_limit(rows: int, max_rows: int) -> None:
    if rows > max_rows:
        raise FileError("TOO_MANY_ROWS", f"the file has more than {max_rows} rows")


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(cells: list[str]) -> list[str]:
    """The header's column names (an empty name marks a column that is ignored)."""
    columns = [cell.strip().lstrip("\ufeff") for cell in cells]
    named = [c for c in columns if c]
    if not named:
        raise FileError("NO_HEADER", "the first line holds no column names")
    counted = sum(1 for c in named if not is_reserved(c))  # an export's own columns are free
    if counted > MAX_COLUMNS:
        raise FileError(
            "TOO_MANY_COLUMNS", f"the file has {counted} columns; at most {MAX_COLUMNS}"
        )
    seen: set[str] = set()
    for name in named:
        if name in seen:
            raise FileError("DUPLICATE_COLUMN", f"the column {name!r} appears twice")
        seen.add(name)
    return columns


def _check_names(columns: list[str]) -> None:
    """Once the file is known to be CSV (a quote left open in the header makes its last name
    run to the end of the file): a bad name fails the file once, not each of its rows."""
    for number, name in enumerate(columns, start=1):
        if name and not good_name(name):
            raise FileError(
                "INVALID_COLUMN_NAME",
                f"column {number}'s name {name[:64]!r}{'…' if len(name) > 64 else ''} is not a "
                f"field name (1-{MAX_KEY_LENGTH} characters, no control characters)",
            )


def good_name(name: str) -> bool:
    """A field name the service keeps: at most MAX_KEY_LENGTH characters, none a control one."""
    return len(name) <= MAX_KEY_LENGTH and not validation.has_control_characters(name)


def _check_json(source: Source, encoding: str, max_rows: int) -> FileFacts:
    if encoding not in ("utf-8", "utf-8-sig"):
        raise FileError("INVALID_JSON", "a JSON file must be UTF-8")
    rows = 0
    with source() as stream:
        _skip_bom(stream)
        for part in _array_parts(stream):
            if isinstance(part, list):
                rows += len(part)
            else:
                _check_element(part)
                rows += 1
            _row_limit(rows, max_rows)
    return FileFacts(format="json", encoding=encoding, delimiter=None, columns=[], rows=rows)


def _array_parts(stream: IO[bytes]) -> Iterator[list[Any] | jsonarray.Element]:
    try:
        yield from jsonarray.JsonArray(stream)
    except jsonarray.JsonArrayError as error:
        raise FileError("INVALID_JSON", str(error)) from None


def _check_element(element: jsonarray.Element) -> None:
    """Fail the file unless ``element`` is JSON; one msgspec refuses (a lone surrogate, a
    number out of range) is still JSON, and becomes an ``INVALID_RECORD`` row."""
    try:
        msgspec.json.decode(element.data)
        return
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        pass
    try:
        text = element.data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileError(
            "INVALID_JSON", f"a JSON file must be UTF-8 (line {element.line})"
        ) from None
    try:
        json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        line = element.line + error.lineno - 1
        raise FileError(
            "INVALID_JSON", f"the file is not valid JSON (line {line}): {error.msg}"
        ) from None
    except ValueError as error:
        raise FileError(
            "INVALID_JSON", f"the file is not valid JSON (line {element.line}): {error}"
        ) from None


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _skip_bom(stream: io.BufferedReader) -> None:
    if stream.peek(3)[:3] == codecs.BOM_UTF8:
        stream.read(3)


# ---- reading ----------------------------------------------------------------------------------


def records(source: Source, facts: FileFacts) -> Iterator[Record]:
    """The file's data records, in order, as the checked ``facts`` describe it."""
    if facts.format == "json":
        return _json_records(source)
    if facts.format == "ndjson":
        return _ndjson_records(source, facts.encoding)
    return _csv_records(source, facts)


def _csv_records(source: Source, facts: FileFacts) -> Iterator[Record]:
    columns = facts.columns
    width = len(columns)
    csv.field_size_limit(MAX_RECORD_CHARS)
    all_named = all(columns)
    with _text(source, facts.encoding) as text:
        # Lines are read whole (fast) unless checking found one too long to hold.
        lines: Iterator[str] = _lines(text) if facts.overlong else text
        reader = csv.reader(lines, delimiter=facts.delimiter or ",")
        header_seen = False
        row = 0
        last_line = 0
        for cells in reader:
            first_line, last_line = last_line + 1, reader.line_num
            if not cells:
                continue
            if not header_seen:
                header_seen = True
                continue
            row += 1
            if facts.overlong and any(_MARK in cell for cell in cells):
                yield Record(
                    row,
                    first_line,
                    None,
                    ("ROW_TOO_LONG", f"the record is longer than {MAX_RECORD_CHARS} characters"),
                )
                continue
            if len(cells) != width and (
                len(cells) < width or any(c.strip() for c in cells[width:])
            ):
                yield Record(
                    row,
                    first_line,
                    None,
                    ("RAGGED_ROW", f"the row has {len(cells)} cells; the header has {width}"),
                )
                continue
            if all_named:
                values = dict(zip(columns, cells, strict=False))
            else:
                values = {name: cell for name, cell in zip(columns, cells, strict=False) if name}
            yield Record(row, first_line, values, None)


def _ndjson_records(source: Source, encoding: str) -> Iterator[Record]:
    with _text(source, encoding) as text:
        row = 0
        for number, line in enumerate(_lines(text), start=1):
            if not line.strip():
                continue
            row += 1
            if line == _OVERLONG:
                yield Record(
                    row,
                    number,
                    None,
                    ("ROW_TOO_LONG", f"the record is longer than {MAX_RECORD_CHARS} characters"),
                )
                continue
            yield _decoded_record(row, number, line)


def _json_records(source: Source) -> Iterator[Record]:
    with source() as stream:
        _skip_bom(stream)
        row = 0
        for part in _array_parts(stream):
            if isinstance(part, list):
                for value in part:
                    row += 1
                    yield _object_record(row, None, value)
            else:
                row += 1
                yield _decoded_record(row, None, part.data)


def _decoded_record(row: int, line: int | None, text: str | bytes) -> Record:
    """The record one JSON value in ``text`` makes: ``INVALID_RECORD`` unless msgspec reads it
    (it refuses, as JSON does, a string holding half a surrogate pair)."""
    try:
        value = msgspec.json.decode(text)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError) as error:
        return Record(row, line, None, ("INVALID_RECORD", f"not valid JSON: {error}"))
    return _object_record(row, line, value)


def _object_record(row: int, line: int | None, value: Any) -> Record:
    if not isinstance(value, dict):
        return Record(row, line, None, ("INVALID_RECORD", "the record is not a JSON object"))
    for key, item in value.items():
        if isinstance(item, dict | list) and not is_reserved(key):  # reserved keys: ignored
            return Record(
                row, line, None, ("INVALID_RECORD", f"{key} must be a string, number or boolean")
            )
    return Record(row, line, value, None)
