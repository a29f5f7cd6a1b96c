"""Exports over real HTTP: CSV and NDJSON, errors before the stream, one snapshot, streaming."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest

from dialist import publicids
from tests.conftest import Server, Tenant, make_tenant
from tests.imports.helpers import contacts as all_contacts
from tests.imports.helpers import run_import

PHONE_COLUMNS = [
    "_phone.e164",
    "_phone.valid",
    "_phone.invalidReason",
    "_phone.lineType",
    "_phone.region",
    "_phone.timeZone",
    "_phone.timeZoneSource",
    "_phone.timeZoneAmbiguous",
    "_phone.assumed",
]
# About 4 KB a contact: 5,000 make an export of 20 MB, more than the socket buffers and the
# server hold, so the server is still streaming when a test acts in the middle of an export.
PADDING = {f"pad{i}": chr(ord("a") + i) * 300 for i in range(14)}


def _export(
    tenant: Tenant, list_id: str, query: str = "", prefix: str | None = None
) -> httpx.Response:
    return tenant.request("GET", f"{prefix or tenant.v2}/{list_id}/export{query}")


def _csv(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))


def _ndjson(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.content
    assert body == b"" or body.endswith(b"\n")
    return [json.loads(line) for line in body.splitlines()]


def _failure(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "failure" and body["message"] and body["errors"]
    if field is not None:
        assert body["errors"][0]["field"] == field


TRICKY = [
    {"phoneNumber": "+14155552671", "firstName": "Ann", "note": "a, b", "vip": True},
    {
        "phoneNumber": "+442079460018",
        "lastName": 'O"Brien',
        "note": "line one\nline two\r\nthree",
        "score": 12.5,
    },
    {"phoneNumber": "12", "firstName": "Zoë 東京 🚀", "vip": False, "empty": None, "count": 7},
    {"phoneNumber": 14155550100, "note": "back\\slash\ttab", "firstName": ""},
]


def test_csv_round_trip_with_union_header_and_derived_fields(tenant: Tenant) -> None:
    created = tenant.create_list("Round trip, ünïcode/list", allowDuplicates=True)
    added = tenant.add(created["_id"], TRICKY)
    ids = [item["_id"] for item in added["results"]]
    contacts = all_contacts(tenant, created["_id"])
    for prefix in (tenant.v2, tenant.v1):
        response = _export(tenant, created["_id"], "?format=csv", prefix=prefix)
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="Round_trip_')
        assert disposition.endswith(".csv") and "/" not in disposition.split(";")[1]
        assert "filename*=UTF-8''Round_trip_%C3%BCn%C3%AFcode_list.csv" in disposition
        rows = _csv(response)
        header = rows[0]
        assert header == [
            "_id",
            "createdAt",
            "updatedAt",
            "phoneNumber",
            "firstName",
            "note",
            "vip",
            "lastName",
            "score",
            "empty",
            "count",
            *PHONE_COLUMNS,
        ]
        assert len(rows) == 5 and all(len(row) == len(header) for row in rows)
        records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
        assert [r["_id"] for r in records] == ids
        for record, contact in zip(records, contacts, strict=True):
            assert record["createdAt"] == contact["createdAt"]
            assert record["updatedAt"] == contact["updatedAt"]
            for name, value in contact["_phone"].items():
                column = f"_phone.{name}"
                if column in record:
                    expected = {True: "true", False: "false", None: ""}.get(value, value)
                    assert record[column] == expected, column
        first, second, third, fourth = records
        assert (first["note"], first["vip"], first["lastName"]) == ("a, b", "true", "")
        assert second["lastName"] == 'O"Brien'
        assert second["note"] == "line one\nline two\r\nthree"
        assert second["score"] == "12.5"
        assert (third["firstName"], third["vip"]) == ("Zoë 東京 🚀", "false")
        assert (third["empty"], third["count"]) == ("", "7")
        assert (fourth["phoneNumber"], fourth["note"]) == ("14155550100", "back\\slash\ttab")
        assert first["_phone.e164"] == "+14155552671" and first["_phone.valid"] == "true"
        assert third["_phone.valid"] == "false" and third["_phone.invalidReason"] == "TOO_SHORT"
        assert first["_phone.timeZoneAmbiguous"] == "false"


def test_phone_cells_are_the_first_numbers_even_when_a_second_differs(tenant: Tenant) -> None:
    """The ``_phone.*`` cells describe ``phoneNumber``, not the ``phoneNumber2`` an import
    added (whose details follow in ``_phone.additionalPhones``)."""
    created = tenant.create_list(allowDuplicates=True)
    body = (
        b"phoneNumber,phoneNumber2\n"
        b"+14155552671,+447400169397\n"  # a definite zone, then an ambiguous one
        b"+447400169398,+14155552672\n"  # the other way round
        b"12,\n"  # not a number
    )
    job = run_import(tenant, created["_id"], body, invalidPhones="flag")
    assert job["counts"]["added"] == 3
    rows = _csv(_export(tenant, created["_id"]))
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    contacts = all_contacts(tenant, created["_id"])
    for record, contact in zip(records, contacts, strict=True):
        assert contact["_phone"].get("additionalPhones") or contact["phoneNumber"] == "12"
        for name, value in contact["_phone"].items():
            if f"_phone.{name}" in record:
                expected = {True: "true", False: "false", None: ""}.get(value, value)
                assert record[f"_phone.{name}"] == expected, name
    assert [r["_phone.timeZoneAmbiguous"] for r in records] == ["false", "true", "false"]
    assert [r["_phone.valid"] for r in records] == ["true", "true", "false"]


def test_assumed_cell_says_when_a_number_was_read_as_international(tenant: Tenant) -> None:
    """``_phone.assumed`` is ``international`` for digits without "+" that are no number of
    the default region (Kore's sample ``919876553885``), empty for every other number."""
    created = tenant.create_list(allowDuplicates=True)
    tenant.add(
        created["_id"],
        [{"phoneNumber": "919876553885"}, {"phoneNumber": "+14155552671"}, {"phoneNumber": "12"}],
    )
    rows = _csv(_export(tenant, created["_id"]))
    assert rows[0][-1] == "_phone.assumed"
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [(r["_phone.e164"], r["_phone.assumed"]) for r in records] == [
        ("+919876553885", "international"),
        ("+14155552671", ""),
        ("+112", ""),
    ]


def test_ndjson_is_exactly_get_all_contacts_with_phone(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=True)
    added = tenant.add(created["_id"], TRICKY)
    response = _export(tenant, created["_id"], "?format=ndjson", prefix=tenant.v1)
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["content-disposition"].endswith(".ndjson")
    assert _ndjson(response) == all_contacts(tenant, created["_id"])
    # Byte for byte what the service answers for each contact with `_phone` (and `version`).
    lines = response.content.splitlines()
    for line, item in zip(lines, added["results"], strict=True):
        one = tenant.request("GET", f"{tenant.v2}/{created['_id']}/contacts/{item['_id']}")
        prefix = b'{"status":"success","message":"","data":'
        assert one.content.startswith(prefix)
        assert one.content.endswith(b',"version":1}}')
        assert line[:-1] == one.content[len(prefix) : -len(b',"version":1}}')]


def test_csv_header_is_the_union_in_first_seen_order_across_batches(tenant: Tenant) -> None:
    """New names late in the list (past the first batches), and names needing JSON escapes."""
    created = tenant.create_list(allowDuplicates=True)
    contacts: list[dict[str, Any]] = [
        {"phoneNumber": f"+1415555{i:04d}", "n": i} for i in range(3000)
    ]
    contacts[1700] = {"middle": "m", **contacts[1700], 'say "hi"': "q"}
    contacts[2999] = {"late": True, "back\\slash": "b", **contacts[2999], "n": None}
    tenant.add(created["_id"], contacts)
    rows = _csv(_export(tenant, created["_id"]))
    assert rows[0] == [
        "_id",
        "createdAt",
        "updatedAt",
        "phoneNumber",
        "n",
        "middle",
        'say "hi"',
        "late",
        "back\\slash",
        *PHONE_COLUMNS,
    ]
    assert len(rows) == 3001
    assert rows[1][3:9] == ["+14155550000", "0", "", "", "", ""]
    assert rows[1701][3:9] == ["+14155551700", "1700", "m", "q", "", ""]
    assert rows[3000][3:9] == ["+14155552999", "", "", "", "true", "b"]


def _execute(server: Server, sql: str, key: int | None) -> None:
    url = server.database_url
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as conn:
            conn.execute(sql.format(p="?"), (key,))
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.format(p="%s"), (key,))  # type: ignore[arg-type]


def _forget_field_names(server: Server, list_id: str) -> None:
    """Make the list look like one from before lists kept their field names (NULL)."""
    _execute(
        server,
        "UPDATE contact_lists SET field_names = NULL WHERE id = {p}",
        publicids.decode("cl", list_id),
    )


def test_header_is_kept_by_writes_and_read_from_contacts_when_not_kept(
    server: Server, tenant: Tenant
) -> None:
    """Names come from the list (every name ever written, first written first: a deleted
    contact's names stay); a list that kept none (made before 0004) reads them all instead."""
    created = tenant.create_list(allowDuplicates=True)
    added = tenant.add(
        created["_id"],
        [{"phoneNumber": "+14155550001", "b": 1}, {"a": "x", "phoneNumber": "+14155550002"}],
    )
    tenant.add(created["_id"], [{"phoneNumber": "+14155550003", "c": True, "b": 2}])
    gone = added["results"][1]["_id"]
    deleted = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/contacts/bulkDelete", json={"ids": [gone]}
    )
    assert deleted.json()["data"]["successful"] == 1
    kept = _csv(_export(tenant, created["_id"]))
    assert kept[0][:7] == ["_id", "createdAt", "updatedAt", "phoneNumber", "b", "a", "c"]
    assert [row[3:7] for row in kept[1:]] == [
        ["+14155550001", "1", "", ""],
        ["+14155550003", "2", "", "true"],
    ]
    _forget_field_names(server, created["_id"])
    scanned = _csv(_export(tenant, created["_id"]))
    assert scanned[0][:6] == ["_id", "createdAt", "updatedAt", "phoneNumber", "b", "c"]
    assert [row[3:6] for row in scanned[1:]] == [
        ["+14155550001", "1", ""],
        ["+14155550003", "2", "true"],
    ]
    # Adding to such a list keeps it as it is: its exports go on reading the names.
    tenant.add(created["_id"], [{"phoneNumber": "+14155550004", "d": "new"}])
    assert _csv(_export(tenant, created["_id"]))[0][3:7] == ["phoneNumber", "b", "c", "d"]


FORMULAS = {
    "=1+2": "'=1+2",
    "+SUM(A1:A2)": "'+SUM(A1:A2)",
    "-2+3*cmd|' /C calc'!A0": "'-2+3*cmd|' /C calc'!A0",
    "@SUM(1)": "'@SUM(1)",
    "-": "'-",
    "+": "'+",
    "+1 x": "'+1 x",
    "+14155552671": "+14155552671",
    "-12.5": "-12.5",
    "+44 20 7946 0018": "'+44 20 7946 0018",
    "+1 (415) 555-2671": "'+1 (415) 555-2671",
    "+1-2": "'+1-2",
    "-(1)": "'-(1)",
    "12=3": "12=3",
    "a@b.c": "a@b.c",
}


@pytest.mark.parametrize("escaped_batch", [False, True])
def test_formula_cells_are_neutralised_but_numbers_are_not(
    tenant: Tenant, escaped_batch: bool
) -> None:
    """Both ways a batch is written: plain JSON text, and text with escapes in it."""
    created = tenant.create_list(allowDuplicates=True)
    contacts: list[dict[str, Any]] = [
        {"phoneNumber": f"+1415555{i:04d}", "value": value, "=name": "x"}
        for i, value in enumerate(FORMULAS)
    ]
    if escaped_batch:
        contacts += [
            {"phoneNumber": "+14155559998", "value": "\tTAB", "=name": 'has "quotes"'},
            {"phoneNumber": "+14155559999", "value": "\r=1", "=name": "x"},
        ]
    tenant.add(created["_id"], contacts)
    rows = _csv(_export(tenant, created["_id"]))
    header = rows[0]
    assert header[:6] == ["_id", "createdAt", "updatedAt", "phoneNumber", "value", "'=name"]
    values = [row[4] for row in rows[1:]]
    assert values[: len(FORMULAS)] == list(FORMULAS.values())
    assert [row[3] for row in rows[1:]] == [c["phoneNumber"] for c in contacts]
    if escaped_batch:
        assert values[len(FORMULAS) :] == ["'\tTAB", "'\r=1"]
        assert rows[-2][5] == 'has "quotes"'
    # NDJSON is data, never altered.
    lines = _ndjson(_export(tenant, created["_id"], "?format=ndjson"))
    assert [line["value"] for line in lines][: len(FORMULAS)] == list(FORMULAS)


def test_empty_list(tenant: Tenant) -> None:
    created = tenant.create_list()
    rows = _csv(_export(tenant, created["_id"]))
    assert rows == [["_id", "createdAt", "updatedAt", *PHONE_COLUMNS]]
    response = _export(tenant, created["_id"], "?format=ndjson")
    assert response.status_code == 200 and response.content == b""


def test_errors_come_before_the_stream(tenant: Tenant, other_tenant: Tenant) -> None:
    created = tenant.create_list()
    tenant.add(created["_id"], [{"phoneNumber": "+14155552671"}])
    _failure(_export(tenant, "cl-not-a-list"), 404, "contactListId")
    deleted = tenant.create_list()
    assert tenant.request("DELETE", f"{tenant.v2}/{deleted['_id']}").status_code == 200
    _failure(_export(tenant, deleted["_id"]), 404, "contactListId")
    _failure(_export(other_tenant, created["_id"]), 404, "contactListId")
    _failure(_export(other_tenant, created["_id"], prefix=other_tenant.v1), 404)
    for bad in ("xlsx", "CSV", "json"):
        _failure(_export(tenant, created["_id"], f"?format={bad}"), 400, "format")
    path = f"{tenant.v2}/{created['_id']}/export"
    _failure(tenant.http.get(path), 401)
    _failure(tenant.http.get(path, headers={"auth": "not-a-token"}), 401)
    # A token for another account and stream is refused, not answered with the owner's data.
    foreign = {"auth": other_tenant.token(), "accountId": other_tenant.account_id}
    _failure(tenant.http.get(path, headers=foreign), 403)


def test_openapi_documents_the_export(tenant: Tenant) -> None:
    spec = tenant.http.get("/openapi.json").json()
    for prefix in ("/campaign/api/v2", "/agentassist/api/v1"):
        path = f"{prefix}/public/{{streamId}}/campaign/contactList/{{contactListId}}/export"
        operation = spec["paths"][path]["get"]
        assert operation["tags"] == ["dialist extensions (not in Kore.ai)"]
        assert operation["summary"] and "stream" in operation["description"]
        assert set(operation["responses"]["200"]["content"]) == {"text/csv", "application/x-ndjson"}
        assert {"404", "400", "401"} <= set(operation["responses"])
        assert "format" in {p["name"] for p in operation["parameters"]}


# ---- big lists: streaming, snapshots, disconnects -------------------------------------------

BIG = 5000


def _fill(tenant: Tenant, list_id: str, count: int, start: int = 0) -> list[str]:
    ids: list[str] = []
    for first in range(start, start + count, 1000):
        batch = [
            {"phoneNumber": f"+1415{i:07d}", "n": i, **PADDING}
            for i in range(first, min(first + 1000, start + count))
        ]
        ids += [item["_id"] for item in tenant.add(list_id, batch)["results"]]
    return ids


@pytest.fixture(scope="module")
def big_list(server_factory: Callable[..., Server]) -> Iterator[tuple[Tenant, str, list[str]]]:
    """A tenant and a list of 5,000 contacts of about 4 KB each (an export of 20 MB), on a
    server of its own: a snapshot test must not see the jobs other test files left running."""
    owner = make_tenant(server_factory())
    created = owner.create_list(allowDuplicates=True)
    yield owner, created["_id"], _fill(owner, created["_id"], BIG)


@pytest.mark.parametrize("export_format", ["csv", "ndjson"])
def test_a_big_list_streams_every_contact_once_in_order(
    big_list: tuple[Tenant, str, list[str]], export_format: str
) -> None:
    owner, list_id, ids = big_list
    chunks = 0
    body = bytearray()
    path = f"{owner.v2}/{list_id}/export?format={export_format}"
    with owner.http.stream("GET", path, headers=owner.headers) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers
        for chunk in response.iter_raw():
            chunks += 1
            body += chunk
    assert chunks > 1
    if export_format == "ndjson":
        lines = [json.loads(line) for line in bytes(body).splitlines()]
        assert [line["_id"] for line in lines] == ids
        assert [line["n"] for line in lines] == list(range(BIG))
    else:
        rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
        assert rows[0][:6] == ["_id", "createdAt", "updatedAt", "phoneNumber", "n", "pad0"]
        assert [row[0] for row in rows[1:]] == ids
        assert [row[4] for row in rows[1:]] == [str(i) for i in range(BIG)]


@pytest.mark.parametrize("export_format", ["csv", "ndjson"])
def test_changes_during_an_export_do_not_show_in_it(tenant: Tenant, export_format: str) -> None:
    created = tenant.create_list(allowDuplicates=True)
    ids = _fill(tenant, created["_id"], BIG)
    path = f"{tenant.v2}/{created['_id']}/export?format={export_format}"
    body = bytearray()
    with tenant.http.stream("GET", path, headers=tenant.headers) as response:
        assert response.status_code == 200
        stream = response.iter_raw()
        body += next(stream)  # the snapshot is taken by now
        # Meanwhile, on other connections: delete some, add some, delete the list.
        deleted = tenant.request(
            "POST", f"{tenant.v2}/{created['_id']}/contacts/bulkDelete", json={"ids": ids[:100]}
        )
        assert deleted.json()["data"]["successful"] == 100
        _fill(tenant, created["_id"], 10, start=9000)
        assert tenant.request("DELETE", f"{tenant.v2}/{created['_id']}").status_code == 200
        for chunk in stream:
            body += chunk
    if export_format == "ndjson":
        assert [json.loads(line)["_id"] for line in bytes(body).splitlines()] == ids
    else:
        rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
        assert [row[0] for row in rows[1:]] == ids
    _failure(_export(tenant, created["_id"]), 404)


def _snapshot_held(server: Server) -> bool:
    """Whether some connection still reads an old snapshot of the server's database."""
    url = server.database_url
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0) as conn:
            # A reader on an older snapshot keeps the log from being reset: busy = 1.
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return bool(busy)
    with psycopg.connect(url, autocommit=True) as conn:
        # The server's idle pooled connections are 'idle'; one inside a transaction is not.
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
            "AND state <> 'idle'"
        ).fetchone()
        return bool(row and row[0])


@pytest.mark.parametrize("export_format", ["csv", "ndjson"])
def test_a_client_leaving_mid_stream_releases_the_snapshot(
    big_list: tuple[Tenant, str, list[str]], export_format: str
) -> None:
    owner, list_id, _ = big_list
    other = owner.create_list(allowDuplicates=True)
    path = f"{owner.v2}/{list_id}/export?format={export_format}"
    with (
        httpx.Client(base_url=owner.server.url, timeout=60) as client,
        client.stream("GET", path, headers=owner.headers) as response,
    ):
        assert response.status_code == 200
        body = response.iter_raw()  # held: dropping it would close the connection now
        next(body)
        # Newer data than the export's snapshot, so a reader left behind would show.
        _fill(owner, other["_id"], 5, start=20000)
        assert _snapshot_held(owner.server)
    # Leaving the block closed the connection with most of the body unread.
    deadline = time.monotonic() + 15
    while _snapshot_held(owner.server):
        assert time.monotonic() < deadline, "the export's snapshot was not released"
        time.sleep(0.2)


@pytest.mark.parametrize("export_format", ["csv", "ndjson"])
def test_an_export_imports_into_another_list_as_it_was(tenant: Tenant, export_format: str) -> None:
    """The service's own keys in an export (`_id`, the dates, `_phone` or its `_phone.*`
    columns) are ignored by an import; the fields come back, and the derived values with them."""
    source = tenant.create_list()
    tenant.add(
        source["_id"],
        [
            {"phoneNumber": "+14155552671", "firstName": "Ada", "uniqueId": "u1"},
            {"phoneNumber": "+442079460000", "note": "=1+2", "_phone.e164": "spoof"},
            # 150 field names in all: the export's own columns (12 in CSV, 4 keys in NDJSON) are
            # not counted against the import's limit of 150.
            {"phoneNumber": "+14155552672", **{f"f{i:03}": str(i) for i in range(146)}},
        ],
    )
    exported = _export(tenant, source["_id"], f"?format={export_format}")
    assert exported.status_code == 200, exported.text
    if export_format == "csv":
        header = _csv(exported)[0]
        assert len(header) == 3 + 150 + 9  # _id and dates, 150 names, the _phone.* columns
        assert not any(c.startswith("_phone.") for c in header[:-9])  # no spoof
    target = tenant.create_list()
    job = run_import(tenant, target["_id"], exported.content, format=export_format)
    assert job["status"] == "succeeded" and job["counts"]["added"] == 3, job
    before, after = all_contacts(tenant, source["_id"]), all_contacts(tenant, target["_id"])
    keep = ("_id", "createdAt", "updatedAt")
    strip = "'" if export_format == "csv" else ""  # a CSV cell keeps its formula guard
    assert [{k: v for k, v in c.items() if k not in keep} for c in after] == [
        {k: v for k, v in c.items() if k not in keep}
        | ({"note": strip + "=1+2"} if "note" in c else {})
        for c in before
    ]
