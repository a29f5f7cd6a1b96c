"""Reading uploaded files (pure): encodings, dialects, bad files. No server needed."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable

import pytest

from dialist.imports import files
from dialist.imports.files import FileError, FileFacts, Record


def source_of(data: bytes) -> Callable[[], io.BufferedReader]:
    return lambda: io.BufferedReader(io.BytesIO(data))  # type: ignore[arg-type]


def check(data: bytes, **options: object) -> FileFacts:
    settings: dict[str, object] = {
        "format": None,
        "encoding": None,
        "delimiter": None,
        "max_rows": 1_000_000,
    }
    return files.check(source_of(data), **{**settings, **options})  # type: ignore[arg-type]


def read(data: bytes, **options: object) -> tuple[FileFacts, list[Record]]:
    facts = check(data, **options)
    return facts, list(files.records(source_of(data), facts))


def failure(data: bytes, **options: object) -> str:
    with pytest.raises(FileError) as raised:
        check(data, **options)
    assert raised.value.message
    return raised.value.code


def test_plain_csv_rows_and_lines() -> None:
    facts, records = read(b'Phone,Name\r\n+14155552671,Ada\r\n\r\n+14155552672,"Bob\nJr"\r\n')
    assert facts.format == "csv" and facts.delimiter == "," and facts.encoding == "utf-8"
    assert facts.columns == ["Phone", "Name"] and facts.rows == 2
    assert [(r.row, r.line, r.values) for r in records] == [
        (1, 2, {"Phone": "+14155552671", "Name": "Ada"}),
        (2, 4, {"Phone": "+14155552672", "Name": "Bob\nJr"}),
    ]


def test_bom_semicolons_and_cp1252() -> None:
    facts, records = read(b"\xef\xbb\xbfPhone;Name\n+14155552671;Zo\xc3\xab\n")
    assert facts.encoding == "utf-8-sig" and facts.delimiter == ";"
    assert facts.columns == ["Phone", "Name"] and records[0].values == {
        "Phone": "+14155552671",
        "Name": "Zoë",
    }
    facts, records = read("Phone,Name\n+14155552671,Zoë € café\n".encode("cp1252"))
    assert facts.encoding == "cp1252"
    assert records[0].values and records[0].values["Name"] == "Zoë € café"


def test_utf16_with_bom() -> None:
    facts, records = read("Phone\tName\n+14155552671\tÅsa\n".encode("utf-16"))
    assert facts.encoding == "utf-16" and facts.delimiter == "\t"
    assert records[0].values == {"Phone": "+14155552671", "Name": "Åsa"}


def test_ragged_rows_are_per_row_errors() -> None:
    _, records = read(b"Phone,Name\n+14155552671\n+14155552672,Bob,extra\n+14155552673,Cy,,\n")
    assert [r.error[0] if r.error else None for r in records] == ["RAGGED_ROW", "RAGGED_ROW", None]
    assert records[2].values == {"Phone": "+14155552673", "Name": "Cy"}


def test_empty_and_header_only() -> None:
    assert failure(b"") == "EMPTY_FILE"
    assert failure(b" \r\n\n") == "EMPTY_FILE"
    facts, records = read(b"Phone,Name\n")
    assert facts.rows == 0 and records == []
    assert failure(b",,,\n1,2,3\n") == "NO_HEADER"


def test_a_10_mb_line_is_one_bad_row() -> None:
    data = b"Phone,Note\n+14155552671,ok\n+14155552672," + b"x" * 10_000_000 + b"\n+1415555267,ok\n"
    facts, records = read(data)
    assert facts.rows == 3
    assert records[1].error and records[1].error[0] == "ROW_TOO_LONG"
    assert records[0].error is None and records[2].error is None and records[2].row == 3


def test_binary_junk_fails_whole() -> None:
    junk = random.Random(1).randbytes(100_000)
    assert failure(b"Phone\n" + junk) == "BINARY_FILE"
    assert failure(b"Phone,Name\n+1415\x00555,x\n") == "BINARY_FILE"
    assert failure(b"\xff\xfe\x00\x00garbage", format="json") in ("INVALID_JSON", "BINARY_FILE")


def test_limits_on_rows_and_columns() -> None:
    assert failure(b"Phone\n1\n2\n3\n", max_rows=2) == "TOO_MANY_ROWS"
    header = ",".join(f"c{i}" for i in range(151)).encode()
    assert failure(header + b"\n") == "TOO_MANY_COLUMNS"
    assert failure(b"Phone,Phone\n1,2\n") == "DUPLICATE_COLUMN"
    # A bad name fails the file once, rather than every one of its rows.
    assert failure(b"Phone,na\x01me\n1,2\n") == "INVALID_COLUMN_NAME"
    assert failure(b"Phone," + b"n" * 129 + b"\n1,2\n") == "INVALID_COLUMN_NAME"
    assert check(b"Phone," + b"n" * 128 + b",\n1,2\n").columns[1] == "n" * 128
    assert failure(b"Phone," + b"h" * (2 << 20) + b"\n1,2\n") == "HEADER_TOO_LONG"


def test_ndjson_records_and_bad_lines() -> None:
    data = (
        b'{"phoneNumber":"+14155552671","n":1}\n\nnot json\n[1,2]\n'
        b'{"phoneNumber":"+1","x":{"a":1}}\n'
    )
    facts, records = read(data)
    assert facts.format == "ndjson" and facts.rows == 4
    assert records[0].values == {"phoneNumber": "+14155552671", "n": 1} and records[0].line == 1
    assert [r.error[0] for r in records[1:] if r.error] == ["INVALID_RECORD"] * 3
    assert records[1].line == 3


def test_json_array() -> None:
    items = [{"phoneNumber": "+14155552671", "vip": True}, 7, {"phoneNumber": 14155552672}]
    facts, records = read(json.dumps(items).encode())
    assert facts.format == "json" and facts.rows == 3
    assert records[0].values == items[0] and records[0].line is None
    assert records[1].error and records[1].error[0] == "INVALID_RECORD"
    assert records[2].values == {"phoneNumber": 14155552672}
    assert failure(b'[{"a":1},') == "INVALID_JSON"
    assert failure(b'{"a":1}', format="json") == "INVALID_JSON"


def test_explicit_options_win() -> None:
    facts, records = read(b"a|b\n1|2\n", delimiter="|")
    assert facts.columns == ["a", "b"] and records[0].values == {"a": "1", "b": "2"}
    facts = check(b"a,b\n\xe9,2\n", encoding="latin-1")
    assert facts.encoding == "latin-1"
    assert failure(b"a,b\n\xff\xfe,2\n", encoding="utf-8") == "BINARY_FILE"


def test_utf8_with_stray_bytes_is_not_read_as_cp1252() -> None:
    """One bad byte in a UTF-8 file would turn every accented letter into two; such a file
    fails, naming the line, unless the client says which encoding it is."""
    mixed = b"phoneNumber,city\n1,K\xc3\xb6ln\n2,M\xc3\xbcnchen\n3,bad\xff\n"
    assert failure(mixed) == "MIXED_ENCODING"
    with pytest.raises(FileError, match="line 4"):
        check(mixed)
    stray_first = b"phoneNumber,city\n1,bad\x96\n" + b"2,K\xc3\xb6ln\n" * 3
    assert failure(b"phoneNumber,city\n1,K\xc3\xb6ln\n2,bad\xff\n") == "MIXED_ENCODING"  # 1:1
    assert failure(stray_first) == "MIXED_ENCODING"
    assert check(mixed, encoding="cp1252").encoding == "cp1252"
    assert failure(b"\xef\xbb\xbfphoneNumber,city\n1,bad\x96\n") == "MIXED_ENCODING"  # BOM
    # cp1252 text (a dash and umlauts) is still read as cp1252, even with one pair of bytes
    # that happens to be UTF-8 (a capital E acute, then an en dash).
    facts, records = read(b"phoneNumber,city\n1,K\xf6ln \x96 M\xfcnchen\n")
    assert read(b"n,c\n1,\xc9\x96 \xe9t\xe9 \xe0 K\xf6ln, \xfc\n")[0].encoding == "cp1252"
    assert facts.encoding == "cp1252" and records[0].values == {
        "phoneNumber": "1",
        "city": "Köln \u2013 München",
    }
