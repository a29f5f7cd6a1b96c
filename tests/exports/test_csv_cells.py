"""CSV cells, as pure functions: the formula rule, file names, and both ways of writing a batch
(the fast path joining JSON texts, and the csv module) against a plain reference."""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialist.exports import service
from dialist.exports.models import DOC_COLUMNS, PHONE_COLUMNS, PHONE_FIELDS

PHONE = {
    "raw": "+1 415 555 2671",
    "e164": "+14155552671",
    "valid": True,
    "invalidReason": None,
    "lineType": "fixed_line_or_mobile",
    "region": "US",
    "timeZone": "America/Los_Angeles",
    "timeZoneSource": "phone-prefix",
    "timeZoneAmbiguous": False,
    "additionalPhones": [{"e164": "+14155550100", "valid": True}],  # members not exported
}
# The ``_phone.*`` cells the database renders for PHONE (exports/store.py).
PHONE_CELLS = b",+14155552671,true,,fixed_line_or_mobile,US,America/Los_Angeles,phone-prefix,false,"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd", "'+cmd"),
        ("-1-cmd", "'-1-cmd"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("+()", "'+()"),
        ("+14155552671", "+14155552671"),
        ("-12.5", "-12.5"),
        ("-7", "-7"),
        ("+.5", "+.5"),
        ("+44 20 7946 0018", "'+44 20 7946 0018"),
        ("+1 (415) 555-2671", "'+1 (415) 555-2671"),
        ("+1-2", "'+1-2"),
        ("-1-1", "'-1-1"),
        ("-(1)", "'-(1)"),
        ("+1 - 2", "'+1 - 2"),
        ("-1.2.3", "'-1.2.3"),
        ("+٣", "'+٣"),
        ("- 5", "'- 5"),
        ("", ""),
        ("a=1", "a=1"),
        (" =1", " =1"),
    ],
)
def test_formula_rule(text: str, shown: str) -> None:
    assert service.neutralise(text) == shown


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("May leads", "May_leads.csv"),
        ("../../etc/passwd", "etc_passwd.csv"),
        ('a"b;c\r\nd', "a_b_c_d.csv"),
        ("Zoë 東京", "Zoë_東京.csv"),
        ("...", "contacts.csv"),
        ("", "contacts.csv"),
    ],
)
def test_file_names_are_safe(name: str, expected: str) -> None:
    assert service.file_name(name, "csv") == expected


def _reference_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return service.neutralise(value)
    return msgspec.json.encode(value).decode()


def _batch(contacts: list[dict[str, Any]]) -> tuple[list[str], list[tuple[bytes, bytes]]]:
    columns = list(DOC_COLUMNS)
    rows = []
    for index, fields in enumerate(contacts):
        doc = {"_id": f"cc-{index}", "createdAt": "2025-12-05T10:30:57.258Z", "updatedAt": "u"}
        doc.update((k, v) for k, v in fields.items() if k not in DOC_COLUMNS)
        columns += [k for k in doc if k not in columns]
        rows.append((msgspec.json.encode(doc), PHONE_CELLS))
    return columns, rows


def _expected(columns: list[str], rows: list[tuple[bytes, bytes]]) -> list[list[str]]:
    expected = []
    for doc, _phone_cells in rows:
        fields = msgspec.json.decode(doc)
        expected.append(
            [_reference_cell(fields.get(c)) for c in columns]
            + [_reference_cell(PHONE.get(f)) for f in PHONE_FIELDS]
        )
    return expected


def _parsed(text: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.decode(), newline="")))


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["=1", "+14155552671", "-12.5", "@x", "+ 1", "a,b", 'q"q', "x\ny", "null"]),
)
field_names = st.one_of(st.text(min_size=1, max_size=6), st.sampled_from(["a", "b", "=c", "n"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(field_names, scalars, max_size=5), min_size=1, max_size=6))
def test_both_ways_of_writing_a_batch_give_the_reference_cells(
    contacts: list[dict[str, Any]],
) -> None:
    columns, rows = _batch(contacts)
    batches = service.CsvBatches(columns)
    expected = _expected(columns, rows)
    assert _parsed(batches.text(rows)) == expected
    assert _parsed(batches.written(rows)) == expected


nested = st.one_of(
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.booleans())
)


def test_plain_batches_take_the_fast_path() -> None:
    columns, rows = _batch([{"phoneNumber": "+14155552671", "vip": True, "n": 1.50, "x": None}])
    text = service.CsvBatches(columns).text(rows)
    # Strings keep their JSON quotes, numbers their JSON text: joined, not written by csv.
    assert text.startswith(b'"cc-0",') and b',"+14155552671",true,1.5,"",' in text
    assert _parsed(text) == _expected(columns, rows)
    assert len(_parsed(text)[0]) == len(columns) + len(PHONE_COLUMNS)


def test_nested_values_are_written_as_json() -> None:
    doc = b'{"_id":"cc-1","createdAt":"c","updatedAt":"u","tags":["a","b"],"m":{"k":1}}'
    columns = [*DOC_COLUMNS, "tags", "m"]
    text = service.CsvBatches(columns).text([(doc, PHONE_CELLS)])
    assert _parsed(text)[0][3:5] == ['["a","b"]', '{"k":1}']
