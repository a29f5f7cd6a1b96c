"""Files a fuzzer found mishandled, imported over HTTP: each fails whole with a documented code,
or reports its bad rows, and none takes the worker down."""

from __future__ import annotations

import io
import json

import pytest

from dialist.imports import files, jsonarray
from dialist.imports.files import FileError
from tests.conftest import Tenant
from tests.imports.helpers import all_results, contacts, run_import


def test_deeply_nested_json_fails_fast(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    # ijson needed hundreds of MB for this (a prefix per level); now it is refused at level 65.
    depth = 20_000
    deep = b"[" + b"[" * depth + b"]" * (depth + 1)
    job = run_import(tenant, list_id, deep, "application/json", format="json")
    assert job["status"] == "failed" and job["error"]["code"] == "INVALID_JSON", job
    assert "line 1" in job["error"]["message"] and "nested deeper" in job["error"]["message"]
    inside_a_row = b'[{"phoneNumber":"+14155550030"},\n{"v":' + b"[" * depth + b"]" * depth + b"}]"
    job = run_import(tenant, list_id, inside_a_row, "application/json", format="json")
    assert job["error"]["code"] == "INVALID_JSON" and "line 2" in job["error"]["message"], job
    # Nesting within the limit is only an invalid row.
    nested = [{"phoneNumber": "+14155550031", "v": [[[1]]]}, {"phoneNumber": "+14155550032"}]
    job = run_import(tenant, list_id, json.dumps(nested).encode(), "application/json")
    assert job["status"] == "succeeded" and job["counts"]["invalid"] == 1, job
    assert contacts(tenant, list_id)[0]["phoneNumber"] == "+14155550032"


def test_a_json_element_over_the_limit_fails_the_file_in_bounded_memory() -> None:
    """A pure test (no server): an element longer than MAX_ELEMENT_BYTES, flat or nested."""
    long = "x" * (jsonarray.MAX_ELEMENT_BYTES + 10)
    fitting = "x" * (jsonarray.MAX_ELEMENT_BYTES // 2)
    for value in ([long], long):
        data = json.dumps([{"phoneNumber": "1"}, {"phoneNumber": "2", "v": value}]).encode()
        with pytest.raises(FileError) as raised:
            files.check(_source(data), format="json", encoding=None, delimiter=None, max_rows=9)
        assert raised.value.code == "INVALID_JSON" and "longer than" in raised.value.message
    data = json.dumps([{"phoneNumber": "2", "v": [fitting]}]).encode()
    facts = files.check(_source(data), format="json", encoding=None, delimiter=None, max_rows=9)
    assert facts.rows == 1


def test_unclosed_csv_quote_fails_the_file(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    for body in (
        b'phoneNumber,name\n+14155550010,"abc\n+14155550011,def\n',
        b'phoneNumber,name\n+14155550010,x\n"',
        b'phoneNumber,"name\n+14155550010,x\n',
    ):
        job = run_import(tenant, list_id, body)
        assert job["status"] == "failed" and job["error"]["code"] == "INVALID_CSV", (body, job)
        assert job["counts"]["added"] == 0
    assert "line 2" in run_import(tenant, list_id, b'phone,name\n1,"ab\nc\n')["error"]["message"]
    assert contacts(tenant, list_id) == []
    # A quoted field that spans lines and is closed is fine, even on the last line.
    closed = b'phoneNumber,name\n+14155550012,"abc\ndef"\n+14155550013,"x"'
    job = run_import(tenant, list_id, closed)
    assert job["status"] == "succeeded" and job["counts"]["added"] == 2, job
    assert [c["name"] for c in contacts(tenant, list_id)] == ["abc\ndef", "x"]


def test_utf16_without_bom_fails_cleanly(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    text = "phoneNumber,name\n+14155550020,Åsa\n"
    for format in ("csv", "ndjson"):
        job = run_import(
            tenant, list_id, text.encode("utf-16-le"), encoding="utf-16", format=format
        )
        assert job["status"] == "failed" and job["error"]["code"] == "BINARY_FILE", job
        assert "utf-16" in job["error"]["message"] and "Traceback" not in job["error"]["message"]
    job = run_import(tenant, list_id, text.encode("utf-16"), encoding="utf-16")
    assert job["status"] == "succeeded" and job["counts"]["added"] == 1, job


def test_lone_surrogates_are_invalid_rows(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    rows = [
        b'{"phoneNumber":"+14155550021","v":"\\ud800"}',
        b'{"phoneNumber":"+14155550022","v":"\\udc00x"}',
        b'{"phoneNumber":"+14155550023","v":"\\ud83d\\ude00 ?"}',
    ]
    array = run_import(tenant, list_id, b"[" + b",".join(rows) + b"]", format="json")
    ndjson = run_import(tenant, list_id, b"\n".join(rows), format="ndjson", dedupe="none")
    for job in (array, ndjson):
        assert job["status"] == "succeeded", job
        assert job["counts"] == {"total": 3, "read": 3, "added": 1, "duplicate": 0, "invalid": 2}
    array_rows = all_results(tenant, list_id, array["_id"])
    ndjson_rows = all_results(tenant, list_id, ndjson["_id"])
    assert [r["code"] for r in array_rows] == ["INVALID_RECORD", "INVALID_RECORD", None]
    assert [r["message"] for r in array_rows] == [r["message"] for r in ndjson_rows]
    stored = contacts(tenant, list_id)
    assert [c["v"] for c in stored] == ["\U0001f600 ?"] * 2


@pytest.mark.parametrize(("block", "tail"), [(1 << 20, 1 << 16), (64, 16), (7, 3)])
def test_json_array_read_in_blocks(block: int, tail: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Elements that straddle blocks, strings holding ``},``, nesting at the limit: the
    reader finds the same elements as ``json.loads`` (pure: no server)."""
    monkeypatch.setattr(jsonarray, "_BLOCK", block)
    monkeypatch.setattr(jsonarray, "_TAIL", tail)
    limit = jsonarray.MAX_DEPTH
    elements = [
        {"phoneNumber": "+14155550040", "note": 'x"},{"[' * 20},
        {"a": "\\" * 9, "b": 1.5, "c": None, "d": True},
        7,
        {"v": json.loads("[" * (limit - 1) + "]" * (limit - 1))},
        [],
        {"e": "é ü \U0001f600"},
    ]
    for separator in (",", ", ", "\n,\n  "):
        data = ("[" + separator.join(json.dumps(e) for e in elements) + "]\n").encode()
        facts = files.check(_source(data), format=None, encoding=None, delimiter=None, max_rows=100)
        assert facts.rows == len(elements)
        read = list(files.records(_source(data), facts))
        assert [r.values for r in read] == [elements[0], elements[1], None, None, None, elements[5]]
    too_deep = b'[{"a":1},\n{"v":' + b"[" * limit + b"]" * limit + b"},{}]"
    bad_syntax = b'[{"a":1},\n\n{"b":2,}, {"c":3}]'
    for data, line in ((too_deep, 2), (bad_syntax, 3)):
        with pytest.raises(FileError) as raised:
            files.check(_source(data), format="json", encoding=None, delimiter=None, max_rows=100)
        assert raised.value.code == "INVALID_JSON" and f"line {line}" in raised.value.message


def _source(data: bytes) -> files.Source:
    return lambda: io.BufferedReader(io.BytesIO(data))  # type: ignore[arg-type]
