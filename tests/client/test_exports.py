"""Exports through the SDK: streamed into a file, rows counted from the bytes."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given
from hypothesis import strategies as st

from dialist.client import Client
from dialist.client.exports import RecordCounter
from tests.conftest import Tenant

CONTACTS = [
    {"phoneNumber": "+14155552671", "firstName": "Ada", "note": "line one\nline two"},
    {"phoneNumber": "+442071838750", "firstName": "Grace", "note": 'says "hi", twice'},
    {"phoneNumber": "12", "firstName": "Bad", "note": "=SUM(A1:A2)"},
]


def _contacts(tenant: Tenant, list_id: str) -> list[dict[str, object]]:
    page = tenant.request(
        "GET", f"{tenant.v2}/{list_id}/getAllContacts?limit=1000&include=phone"
    ).json()["data"]
    results: list[dict[str, object]] = page["results"]
    return results


def test_export_csv_and_ndjson(tenant: Tenant, sdk: Client) -> None:
    created = tenant.create_list()
    tenant.add(created["_id"], CONTACTS)
    stored = _contacts(tenant, created["_id"])

    ndjson = io.BytesIO()
    sizes: list[int] = []
    rows: list[int] = []
    result = sdk.export(
        created["_id"], "ndjson", ndjson, on_bytes=sizes.append, on_rows=rows.append
    )
    lines = ndjson.getvalue().decode().splitlines()
    assert [json.loads(line) for line in lines] == stored
    assert result.rows == 3 and sum(rows) == 3
    assert result.bytes_written == len(ndjson.getvalue()) == sum(sizes)

    out = io.BytesIO()
    result = sdk.export(created["_id"], "csv", out)
    table = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert result.rows == 3  # the quoted newline is inside a record, not a row
    assert [row["_id"] for row in table] == [c["_id"] for c in stored]
    assert table[0]["note"] == "line one\nline two"
    assert table[2]["note"] == "'=SUM(A1:A2)"  # a formula is defused


def test_export_of_an_empty_list(tenant: Tenant, sdk: Client) -> None:
    created = tenant.create_list()
    out = io.BytesIO()
    assert sdk.export(created["_id"], "csv", out).rows == 0
    assert sdk.export(created["_id"], "ndjson", io.BytesIO()).rows == 0


def _records(data: bytes, cuts: list[int], quoted: bool) -> int:
    counter = RecordCounter(quoted=quoted)
    start = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        counter.feed(data[start:cut])
        start = max(start, cut)
    counter.feed(data[start:])
    counter.finish()
    return counter.records


@given(
    st.lists(
        st.lists(st.text(alphabet='ab,"\n\r', max_size=6), min_size=1, max_size=3), max_size=8
    ),
    st.lists(st.integers(min_value=0, max_value=400), max_size=6),
    st.booleans(),
)
def test_csv_records_are_counted_whatever_the_chunks(
    rows: list[list[str]], cuts: list[int], final_newline: bool
) -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    data = text.getvalue().encode()
    if not final_newline and data.endswith(b"\r\n"):
        data = data[:-2]
    assert _records(data, cuts, quoted=True) == len(rows)


def test_ndjson_records_without_a_final_newline() -> None:
    assert _records(b'{"a":1}\n{"a":2}', [3, 9], quoted=False) == 2
    assert _records(b'{"a":1}\n', [], quoted=False) == 1
    assert _records(b"", [], quoted=False) == 0
