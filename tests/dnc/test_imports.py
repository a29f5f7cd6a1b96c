"""DNC file imports (api/dnc-contactability.md §1 ``POST dncList/{id}/imports``) over real
HTTP, on the imports machinery: per-row results as the API's add answers, cancel, undo."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa

from dialist import publicids
from dialist.db.schema import dnc_entries, jobs
from tests.conftest import Server, Tenant, make_tenant
from tests.dnc.test_dnc import _add, _base, _create, _entries, _error, _ok

FINISHED = ("succeeded", "failed", "cancelled")


def _imports(tenant: Tenant, list_id: str) -> str:
    return f"{_base(tenant)}/dncList/{list_id}/imports"


def upload(
    tenant: Tenant, list_id: str, body: bytes, content_type: str = "text/csv", **params: str
) -> httpx.Response:
    return tenant.request(
        "POST",
        _imports(tenant, list_id),
        params=params,
        content=body,
        headers={"content-type": content_type},
    )


def job_of(tenant: Tenant, list_id: str, job_id: str) -> dict[str, Any]:
    data: dict[str, Any] = _ok(tenant.request("GET", f"{_imports(tenant, list_id)}/{job_id}"))
    return data


def wait(tenant: Tenant, list_id: str, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = job_of(tenant, list_id, job_id)
        if job["status"] in FINISHED:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def run_import(
    tenant: Tenant, list_id: str, body: bytes, content_type: str = "text/csv", **params: str
) -> dict[str, Any]:
    response = upload(tenant, list_id, body, content_type, **params)
    assert response.status_code == 202, response.text
    queued = response.json()["data"]
    assert queued["_id"].startswith("dj-") and queued["dncListId"] == list_id
    return wait(tenant, list_id, queued["_id"])


def results(tenant: Tenant, list_id: str, job_id: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        path = f"{_imports(tenant, list_id)}/{job_id}/results"
        page = _ok(tenant.request("GET", path, params={"skip": len(rows), "limit": 2, **params}))
        rows += page["results"]
        if not page["hasMore"]:
            assert page["totalResults"] == len(rows)
            return rows


def test_csv_rows_become_entries_as_the_api_would_write_them(tenant: Tenant) -> None:
    dnc = _create(tenant, "Imported")
    before = _add(tenant, dnc["_id"], [{"phoneNumber": "+14155550100", "reason": "old"}])
    csv = (
        "Phone Number;prefix;Reason;expires_at;SOURCE;note\n"
        "+14155550100;;asked again;;;x\n"  # updated: reason replaced, source import
        "(415) 555-0101;;=cmd|' /C calc'!A0;2099-01-01T00:00:00+02:00;registry;\n"
        ";+4420;;;agent;\n"  # a prefix
        "abc;;;;;\n"  # not a number
        "+14155550102;;;2000-01-01T00:00:00Z;;\n"  # expired
        "+14155550103;;;;bogus;\n"  # unknown source
        "+14155550104;+1;;;;\n"  # both
        "+14155550101;;again;;;\n"  # the same number as row 2: updated
        "a;b\n"  # ragged
    ).encode("cp1252")
    job = run_import(tenant, dnc["_id"], csv, fileName="dnc.csv")
    assert job["status"] == "succeeded", job
    assert job["format"] == "csv" and job["delimiter"] == ";" and job["fileName"] == "dnc.csv"
    assert job["counts"] == {"total": 9, "read": 9, "added": 2, "updated": 2, "invalid": 5}
    assert job["columns"] == ["Phone Number", "prefix", "Reason", "expires_at", "SOURCE", "note"]

    rows = results(tenant, dnc["_id"], job["_id"])
    assert [(r["row"], r["line"], r["status"]) for r in rows] == [
        (1, 2, "updated"), (2, 3, "added"), (3, 4, "added"), (4, 5, "invalid"),
        (5, 6, "invalid"), (6, 7, "invalid"), (7, 8, "invalid"), (8, 9, "updated"),
        (9, 10, "invalid"),
    ]  # fmt: skip
    assert rows[0]["entryId"] == before["results"][0]["entryId"]
    assert rows[1]["e164"] == "+14155550101" and rows[7]["entryId"] == rows[1]["entryId"]
    assert rows[2]["prefix"] == "+4420" and "e164" not in rows[2]
    assert rows[8]["errors"][0]["code"] == "RAGGED_ROW" and "e164" not in rows[8]
    # An invalid row says what the same item sent to POST …/entries is answered.
    api = _add(
        tenant,
        _create(tenant, "Scratch")["_id"],
        [
            {"phoneNumber": "abc", "source": "import"},
            {
                "phoneNumber": "+14155550102",
                "expiresAt": "2000-01-01T00:00:00Z",
                "source": "import",
            },
            {"phoneNumber": "+14155550103", "source": "bogus"},
            {"phoneNumber": "+14155550104", "prefix": "+1", "source": "import"},
        ],
    )["results"]
    for row, answer in zip(rows[3:7], api, strict=True):
        assert row["errors"] == answer["errors"]
        assert row.get("e164", "-") == answer.get("e164", "-")
    invalid = results(tenant, dnc["_id"], job["_id"], status="invalid")
    assert [r["row"] for r in invalid] == [4, 5, 6, 7, 9]
    assert [r["row"] for r in results(tenant, dnc["_id"], job["_id"], status="updated")] == [1, 8]

    stored = {e.get("phoneNumber") or e["prefix"]: e for e in _entries(tenant, dnc["_id"])}
    assert set(stored) == {"+14155550100", "+14155550101", "+4420"}
    assert stored["+14155550100"]["reason"] == "asked again"
    assert stored["+14155550100"]["source"] == "import"
    assert stored["+14155550101"]["reason"] == "again"  # the file's last word
    assert stored["+14155550101"]["expiresAt"] is None and stored["+4420"]["source"] == "agent"
    listed = _ok(tenant.request("GET", f"{_base(tenant)}/dncList/{dnc['_id']}"))
    assert listed["entryCount"] == 3
    # The import blocks at once.
    check = _ok(tenant.request("POST", _base(tenant) + "/dnc/check", json={
        "phoneNumbers": ["+442079460018"]}))  # fmt: skip
    assert check["results"][0]["blocked"]
    page = _ok(tenant.request("GET", _imports(tenant, dnc["_id"])))
    assert [j["_id"] for j in page["results"]] == [job["_id"]] and page["totalResults"] == 1


def test_ndjson_and_json_array_files(tenant: Tenant) -> None:
    dnc = _create(tenant, "Json")
    ndjson = (
        b'{"phoneNumber": 14155550110, "reason": "number"}\n'
        b'{"prefix": "+1212", "expiresAt": null}\n'
        b'{"phoneNumber": "+14155550111", "reason": 5}\n'
        b'{"phoneNumber": true}\n'
        b"not json\n"
    )
    job = run_import(tenant, dnc["_id"], ndjson, "application/x-ndjson")
    assert job["format"] == "ndjson", job
    rows = results(tenant, dnc["_id"], job["_id"])
    assert [r["status"] for r in rows] == ["added", "added", "invalid", "invalid", "invalid"]
    assert rows[0]["e164"] == "+14155550110" and rows[1]["prefix"] == "+1212"
    assert rows[2]["errors"] == [
        {"msg": "reason must be text", "code": "VALIDATION_ERROR", "field": "reason"}
    ]
    assert rows[3]["errors"][0]["field"] == "phoneNumber"
    assert rows[4]["errors"][0]["code"] == "INVALID_RECORD"

    array = b'[{"phone": "+14155550112"}, {"prefix": "+1"}, {"other": 1}]'
    job = run_import(tenant, dnc["_id"], array, "application/octet-stream", fileName="more.json")
    assert job["format"] == "json" and job["counts"]["added"] == 2, job
    last = results(tenant, dnc["_id"], job["_id"])[2]
    assert last["errors"][0]["msg"] == "send phoneNumber or prefix, not both"
    assert _ok(tenant.request("GET", f"{_base(tenant)}/dncList/{dnc['_id']}"))["entryCount"] == 4


def test_undo_reverts_only_what_the_import_still_holds(tenant: Tenant) -> None:
    dnc = _create(tenant, "Undo")
    kept = _add(tenant, dnc["_id"], [
        {"phoneNumber": "+14155550120", "reason": "before", "source": "agent"},
        {"phoneNumber": "+14155550121", "reason": "before too"},
    ])["results"]  # fmt: skip
    first = _entries(tenant, dnc["_id"])
    body = b"phoneNumber,reason\n+14155550120,import\n+14155550121,import\n+14155550122,new\n"
    body += b"+14155550123,new\n+14155550120,import again\n"
    job = run_import(tenant, dnc["_id"], body)
    assert job["counts"]["added"] == 2 and job["counts"]["updated"] == 3
    # Since the import: one entry it updated and one it added are written by the API.
    _add(tenant, dnc["_id"], [{"phoneNumber": "+14155550121", "reason": "api"}])
    _add(tenant, dnc["_id"], [{"phoneNumber": "+14155550123", "reason": "api"}])
    path = f"{_imports(tenant, dnc['_id'])}/{job['_id']}/undo"
    undone = _ok(tenant.request("POST", path))
    assert undone["undo"]["removed"] == 1 and undone["undo"]["restored"] == 1
    after = {e["phoneNumber"]: e for e in _entries(tenant, dnc["_id"])}
    assert set(after) == {"+14155550120", "+14155550121", "+14155550123"}
    assert after["+14155550120"] == first[0]  # as it was before the import, to the millisecond
    assert after["+14155550120"]["_id"] == kept[0]["entryId"]
    assert after["+14155550121"]["reason"] == "api" and after["+14155550123"]["reason"] == "api"
    listed = _ok(tenant.request("GET", f"{_base(tenant)}/dncList/{dnc['_id']}"))
    assert listed["entryCount"] == 3
    _error(tenant.request("POST", path), 409, "jobId", "JOB_NOT_UNDOABLE")
    assert job_of(tenant, dnc["_id"], job["_id"])["undo"] == undone["undo"]


def test_bad_requests_and_files(tenant: Tenant, other_tenant: Tenant) -> None:
    dnc = _create(tenant, "Bad")
    imports = _imports(tenant, dnc["_id"])
    good = b"phoneNumber\n+14155550130\n"
    _error(upload(tenant, "dn-nope", good), 404, "dncListId")
    _error(upload(other_tenant, dnc["_id"], good), 404, "dncListId")
    form = upload(tenant, dnc["_id"], good, "multipart/form-data; boundary=x")
    assert form.status_code == 415, form.text
    _error(upload(tenant, dnc["_id"], good, encoding="ebcdic"), 400, "encoding")
    _error(upload(tenant, dnc["_id"], good, delimiter="x"), 400, "delimiter")
    _error(upload(tenant, dnc["_id"], good, format="xlsx"), 400, "format")
    assert _ok(tenant.request("GET", imports))["totalResults"] == 0  # nothing half-made

    job = run_import(tenant, dnc["_id"], b"name,reason\nAda,x\n")
    assert job["status"] == "failed" and job["error"]["code"] == "NO_PHONE_COLUMN", job
    empty = run_import(tenant, dnc["_id"], b"")
    assert empty["status"] == "failed" and empty["error"]["code"] == "EMPTY_FILE"
    done = run_import(tenant, dnc["_id"], good)
    one = f"{imports}/{done['_id']}"
    _error(tenant.request("POST", one + "/cancel"), 409, "jobId", "JOB_FINISHED")
    _error(tenant.request("GET", one + "/results", params={"status": "duplicate"}), 400, "status")
    _error(tenant.request("GET", f"{imports}/dj-nope"), 404, "jobId")
    _error(
        other_tenant.request("GET", one.replace(tenant.stream_id, other_tenant.stream_id)),
        404,
        "dncListId",
    )
    # A contact import's job is not a DNC list's, even when its list has the same key.
    contact_list = tenant.create_list()
    contact_job = tenant.request(
        "POST", f"{tenant.v2}/{contact_list['_id']}/imports", content=good,
        headers={"content-type": "text/csv"},
    ).json()["data"]["_id"]  # fmt: skip
    job_key = publicids.decode("ij", contact_job)
    database = tenant.server.database()
    try:
        with database.write() as conn:
            conn.execute(
                sa.update(jobs).where(jobs.c.id == job_key).values(list_id=_key(dnc["_id"]))
            )
    finally:
        database.dispose()
    assert job_key is not None
    _error(tenant.request("GET", f"{imports}/{publicids.encode('dj', job_key)}"), 404, "jobId")
    assert all(j["_id"] != contact_job for j in _ok(tenant.request("GET", imports))["results"])


def test_cancel_mid_way_then_undo(server_factory: Callable[..., Server]) -> None:
    running = server_factory(
        {"DIALIST_IMPORT_CHUNK_ROWS": "100", "DIALIST_IMPORT_COMMIT_ROWS": "100"}
    )
    tenant = make_tenant(running)
    dnc = _create(tenant, "Cancelled")
    rows = 30_000
    body = ("phoneNumber\n" + "".join(f"+1415{2000000 + i:07d}\n" for i in range(rows))).encode()
    response = upload(tenant, dnc["_id"], body)
    job_id = response.json()["data"]["_id"]
    while job_of(tenant, dnc["_id"], job_id)["counts"]["read"] == 0:
        time.sleep(0.01)
    cancelled = tenant.request("POST", f"{_imports(tenant, dnc['_id'])}/{job_id}/cancel")
    assert _ok(cancelled)["cancelRequested"]
    job = wait(tenant, dnc["_id"], job_id)
    assert job["status"] == "cancelled" and 0 < job["counts"]["read"] < rows, job
    # Every committed row has its result and its entry; nothing beyond the checkpoint.
    assert len(_entries(tenant, dnc["_id"])) == job["counts"]["added"] == job["counts"]["read"]
    assert len(results(tenant, dnc["_id"], job_id, limit=1000)) == job["counts"]["read"]
    undone = _ok(tenant.request("POST", f"{_imports(tenant, dnc['_id'])}/{job_id}/undo"))
    assert undone["undo"]["removed"] == job["counts"]["added"]
    assert _entries(tenant, dnc["_id"]) == []


def test_a_contact_list_takes_its_dnc_lists_with_it(tenant: Tenant, server: Server) -> None:
    contact_list = tenant.create_list()
    mine = _create(tenant, "Of the list", "contactList", contactListId=contact_list["_id"])
    stream = _create(tenant, "Of the stream")
    other_list = tenant.create_list()
    other = _create(tenant, "Of another list", "contactList", contactListId=other_list["_id"])
    for dnc in (mine, stream, other):
        _add(tenant, dnc["_id"], [{"phoneNumber": "+14155550140"}])
    run_import(tenant, mine["_id"], b"phoneNumber\n+14155550141\n")
    deleted = tenant.request("DELETE", f"{tenant.v2}/{contact_list['_id']}")
    assert deleted.status_code == 200, deleted.text
    _error(tenant.request("GET", f"{_base(tenant)}/dncList/{mine['_id']}"), 404, "dncListId")
    left = [d["_id"] for d in _ok(tenant.request("GET", _base(tenant) + "/dncList"))]
    assert left == [stream["_id"], other["_id"]]
    database = server.database()
    try:
        with database.read() as conn:
            owners = conn.execute(sa.select(dnc_entries.c.list_id)).scalars().all()
            kinds = conn.execute(sa.select(jobs.c.kind, jobs.c.list_id)).all()
    finally:
        database.dispose()
    mine_key = _key(mine["_id"])
    assert mine_key not in owners and _key(stream["_id"]) in owners
    assert ("dncImport", mine_key) not in [tuple(k) for k in kinds]
    # The numbers it held block nothing any more.
    check = _ok(tenant.request("POST", _base(tenant) + "/dnc/check", json={
        "phoneNumbers": ["+14155550141"], "contactListId": other_list["_id"]}))  # fmt: skip
    assert not check["results"][0]["blocked"]


def _key(public_id: str) -> int:
    key = publicids.decode("dn", public_id)
    assert key is not None
    return key
