"""Import jobs over HTTP against the real server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import Tenant
from tests.imports.helpers import all_results, contacts, job_of, results, run_import, upload


def test_csv_import_end_to_end(tenant: Tenant) -> None:
    listed = tenant.create_list()
    list_id = listed["_id"]
    tenant.add(list_id, [{"phoneNumber": "+14155550000", "firstName": "Existing"}])
    body = (
        b"Phone,First Name,Last Name,Customer ID,Plan,Phone 2,Time Zone\n"
        b"+14155552671,Ada,Lovelace,C1,gold,+442079460018,\n"
        b"(415) 555-2672,Bob,,C2,,,Europe/Paris\n"
        b"12,Bad,,C3,x,,\n"
        b"+1 415 555 2671,Dup,,C4,y,,\n"
        b"4155550000,Old,,C5,,,\n"
        b"+14155552673,Tz,,C6,,,Mars/Base\n"
        b"+14155552674\n"
    )
    job = run_import(tenant, list_id, body, fileName="may.csv")
    assert job["status"] == "succeeded", job
    assert job["counts"] == {"total": 7, "read": 7, "added": 2, "duplicate": 2, "invalid": 3}
    assert job["format"] == "csv" and job["fileName"] == "may.csv" and job["bytes"] == len(body)
    assert job["mapping"] == {
        "phoneNumber": "Phone",
        "firstName": "First Name",
        "lastName": "Last Name",
        "uniqueId": "Customer ID",
        "phoneNumber2": "Phone 2",
        "timeZone": "Time Zone",
    }
    assert job["rowsPerSecond"] > 0 and job["finishedAt"] and job["error"] is None
    rows = all_results(tenant, list_id, job["_id"])
    by_row = {r["row"]: r for r in rows}
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert by_row[1]["status"] == "added" and by_row[1]["uniqueId"] == "C1"
    assert by_row[1]["line"] == 2 and by_row[1]["contactId"].startswith("cc-")
    assert by_row[3]["code"] == "INVALID_PHONE_NUMBER" and "TOO_SHORT" in by_row[3]["message"]
    assert by_row[3]["uniqueId"] == "C3"
    # A duplicate of an earlier row names the row and the contact it became.
    assert by_row[4]["status"] == "duplicate" and by_row[4]["duplicateOfRow"] == 1
    assert by_row[4]["duplicateOfContact"] == by_row[1]["contactId"]
    # A duplicate of a contact already in the list names that contact.
    first = contacts(tenant, list_id)[0]
    assert by_row[5]["duplicateOfContact"] == first["_id"] and by_row[5]["duplicateOfRow"] is None
    assert by_row[6]["code"] == "INVALID_TIME_ZONE"
    assert by_row[7]["code"] == "RAGGED_ROW"
    stored = contacts(tenant, list_id)
    assert len(stored) == 3
    ada, bob = stored[1], stored[2]
    assert ada["_id"] == by_row[1]["contactId"]
    assert ada["phoneNumber"] == "+14155552671" and ada["firstName"] == "Ada"
    assert ada["uniqueId"] == "C1" and ada["Plan"] == "gold"
    assert ada["phoneNumber2"] == "+442079460018"
    assert ada["_phone"]["timeZone"] == "America/Los_Angeles"
    assert ada["_phone"]["timeZoneSource"] == "phone-prefix"
    extra = ada["_phone"]["additionalPhones"]
    assert extra[0]["field"] == "phoneNumber2" and extra[0]["phone"]["region"] == "GB"
    assert bob["_phone"]["e164"] == "+14155552672" and bob["_phone"]["raw"] == "(415) 555-2672"
    assert bob["timeZone"] == "Europe/Paris" and bob["_phone"]["timeZoneSource"] == "given"
    listed_now = tenant.request("GET", f"{tenant.v2}/{list_id}").json()["data"]
    assert listed_now["totalRecordCount"] == 3


def test_results_filter_and_paging(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    lines = ["phoneNumber,uniqueId"]
    for i in range(1, 2501):
        number = f"+1415555{i:04d}" if i % 10 else "123"  # every 10th row invalid
        lines.append(f"{number},U{i}")
    job = run_import(tenant, list_id, "\n".join(lines).encode())
    assert job["counts"]["added"] == 2250 and job["counts"]["invalid"] == 250
    invalid = results(tenant, list_id, job["_id"], status="invalid", skip=240, limit=100)
    assert invalid["totalResults"] == 250 and not invalid["hasMore"]
    assert [r["row"] for r in invalid["results"]] == list(range(2410, 2501, 10))
    page = results(tenant, list_id, job["_id"], skip=1998, limit=4)
    assert [r["row"] for r in page["results"]] == [1999, 2000, 2001, 2002] and page["hasMore"]
    everything = all_results(tenant, list_id, job["_id"])
    assert [r["row"] for r in everything] == list(range(1, 2501))
    bad = tenant.request(
        "GET", f"{tenant.v2}/{list_id}/imports/{job['_id']}/results", params={"status": "x"}
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "status"


def test_dry_run_writes_nothing(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    body = b"phone,name\n+14155552671,a\n+14155552671,b\nnope,c\n"
    job = run_import(tenant, list_id, body, dryRun="true")
    assert job["dryRun"] and job["counts"] == {
        "total": 3, "read": 3, "added": 1, "duplicate": 1, "invalid": 1,
    }  # fmt: skip
    rows = all_results(tenant, list_id, job["_id"])
    assert rows[0]["status"] == "added" and rows[0]["contactId"] is None
    assert rows[1]["duplicateOfRow"] == 1
    assert contacts(tenant, list_id) == []
    undo = tenant.request("POST", f"{tenant.v2}/{list_id}/imports/{job['_id']}/undo")
    assert undo.status_code == 409 and undo.json()["errors"][0]["code"] == "JOB_NOT_UNDOABLE"


def test_dedupe_policies(tenant: Tenant) -> None:
    body = b"phoneNumber,uniqueId\n+14155552671,A\n+14155552671,B\n+14155552672,A\n"
    by_phone = tenant.create_list()["_id"]
    assert run_import(tenant, by_phone, body)["counts"]["added"] == 2
    by_unique = tenant.create_list(dedupeBy="uniqueId")["_id"]
    job = run_import(tenant, by_unique, body)
    assert job["dedupe"] == "uniqueId" and job["counts"]["added"] == 2
    assert all_results(tenant, by_unique, job["_id"])[2]["duplicateOfRow"] == 1
    allowing = tenant.create_list(allowDuplicates=True)["_id"]
    assert run_import(tenant, allowing, body)["counts"]["added"] == 3
    # Per import, overriding the list's policy; against what the list already holds.
    job = run_import(tenant, by_phone, body, dedupe="uniqueId")
    assert job["counts"] == {"total": 3, "read": 3, "added": 1, "duplicate": 2, "invalid": 0}


def test_mapping_override_and_custom_fields(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    body = b"Cell,Home,Name,Notes\n+14155552671,+14155552672,Ada,=HYPERLINK(1)\n"
    mapping = json.dumps({"phoneNumber": "Home", "firstName": "Name"})
    job = run_import(tenant, list_id, body, mapping=mapping)
    assert job["status"] == "succeeded" and job["mapping"]["phoneNumber"] == "Home"
    [contact] = contacts(tenant, list_id)
    assert contact["phoneNumber"] == "+14155552672" and contact["firstName"] == "Ada"
    assert contact["Cell"] == "+14155552671" and contact["Notes"] == "=HYPERLINK(1)"
    failed = run_import(tenant, list_id, body, mapping=json.dumps({"phoneNumber": "Nope"}))
    assert failed["status"] == "failed" and failed["error"]["code"] == "UNKNOWN_COLUMN"
    no_phone = run_import(tenant, list_id, b"Name,City\nAda,Paris\n")
    assert no_phone["error"]["code"] == "NO_PHONE_COLUMN"


def test_ndjson_and_json_uploads(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    ndjson = b'{"phoneNumber":"+14155552671","vip":true}\n{"phoneNumber":14155552672}\n{bad\n'
    job = run_import(tenant, list_id, ndjson, "application/x-ndjson")
    assert job["format"] == "ndjson" and job["counts"]["added"] == 2
    assert job["counts"]["invalid"] == 1
    array = json.dumps([{"phone": "+14155552673", "score": 1.5}, {"x": 1}]).encode()
    job = run_import(tenant, list_id, array, "application/json")
    assert job["format"] == "json" and job["counts"]["added"] == 1
    assert all_results(tenant, list_id, job["_id"])[1]["code"] == "PHONE_REQUIRED"
    stored = contacts(tenant, list_id)
    assert stored[0]["vip"] is True and stored[1]["phoneNumber"] == 14155552672
    assert stored[2]["phoneNumber"] == "+14155552673" and stored[2]["score"] == 1.5


def test_bad_files_fail_cleanly(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    for body, code in [
        (b"", "EMPTY_FILE"),
        (b"\x00\x01\x02\x03binary\xff\xfe" * 100, "BINARY_FILE"),
        (b'[{"phoneNumber": "+1415555', "INVALID_JSON"),
    ]:
        job = run_import(tenant, list_id, body, "application/octet-stream")
        assert job["status"] == "failed" and job["error"]["code"] == code, job
        assert job["counts"]["added"] == 0
    header_only = run_import(tenant, list_id, b"phoneNumber,name\n")
    assert header_only["status"] == "succeeded" and header_only["counts"]["total"] == 0
    assert contacts(tenant, list_id) == []


def test_bad_requests(tenant: Tenant, other_tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    for params, field in [
        ({"format": "xlsx"}, "format"),
        ({"dryRun": "yes"}, "dryRun"),
        ({"dedupe": "email"}, "dedupe"),
        ({"mapping": "{"}, "mapping"),
        ({"mapping": '{"email":"E"}'}, "mapping"),
        ({"mapping": '{"phoneNumber":"Phone","firstName":"Phone"}'}, "mapping"),
        ({"mapping": '{"phoneNumber":"_phone.e164"}'}, "mapping"),
        ({"mapping": '{"uniqueId":"_id"}'}, "mapping"),
        ({"encoding": "ebcdic"}, "encoding"),
        ({"delimiter": "::"}, "delimiter"),
        ({"defaultRegion": "XX"}, "defaultRegion"),
        ({"defaultRegion": "ß"}, "defaultRegion"),
        ({"defaultRegion": "\u0131n"}, "defaultRegion"),  # dotless i: upper() is "IN"
        ({"invalidPhones": "keep"}, "invalidPhones"),
    ]:
        response = upload(tenant, list_id, b"phoneNumber\n+14155552671\n", **params)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["errors"][0]["field"] == field
    # curl -F and curl -d: the file is not the body; nothing is started.
    form = tenant.request(
        "POST", f"{tenant.v2}/{list_id}/imports", files={"file": ("a.csv", b"phoneNumber\n1\n")}
    )
    urlencoded = upload(tenant, list_id, b"phoneNumber1", "application/x-www-form-urlencoded")
    for refused in (form, urlencoded):
        assert refused.status_code == 415, refused.text
        assert refused.json()["errors"][0]["code"] == "UNSUPPORTED_MEDIA_TYPE"
        assert "--data-binary" in refused.json()["message"]
    none = tenant.request("GET", f"{tenant.v2}/{list_id}/imports").json()["data"]
    assert none["totalResults"] == 0
    assert upload(other_tenant, list_id, b"phoneNumber\n1\n").status_code == 404
    assert upload(tenant, "cl-nope", b"phoneNumber\n1\n").status_code == 404
    unauthenticated = tenant.http.post(
        f"{tenant.v2}/{list_id}/imports", content=b"x", headers={"accountId": tenant.account_id}
    )
    assert unauthenticated.status_code == 401
    job = run_import(tenant, list_id, b"phoneNumber\n+14155552671\n")
    other = other_tenant.request("GET", f"{other_tenant.v2}/{list_id}/imports/{job['_id']}")
    assert other.status_code == 404
    missing = tenant.request("GET", f"{tenant.v2}/{list_id}/imports/ij-nope")
    assert missing.status_code == 404 and missing.json()["status"] == "failure"
    listed = tenant.request("GET", f"{tenant.v2}/{list_id}/imports").json()["data"]
    assert listed["totalResults"] == 1 and listed["results"][0]["_id"] == job["_id"]
    for path in (f"{list_id}/imports", f"{list_id}/imports/{job['_id']}/results"):
        for query in ("limit=1.0", "skip=1e2", "skip=-1", "limit=0"):
            paged = tenant.request("GET", f"{tenant.v2}/{path}?{query}")
            assert paged.status_code == 400, (path, query, paged.text)
            assert "must be an integer" in paged.json()["message"], paged.text


def test_undo_removes_exactly_what_the_job_added(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    tenant.add(list_id, [{"phoneNumber": "+14155550001"}])
    job = run_import(tenant, list_id, b"phoneNumber\n+14155552671\n+14155552672\n+14155550001\n")
    tenant.add(list_id, [{"phoneNumber": "+14155550002"}])
    assert job["counts"]["added"] == 2
    undone = tenant.request("POST", f"{tenant.v2}/{list_id}/imports/{job['_id']}/undo")
    assert undone.status_code == 200, undone.text
    assert undone.json()["data"]["undo"]["removed"] == 2
    remaining = contacts(tenant, list_id)
    assert [c["phoneNumber"] for c in remaining] == ["+14155550001", "+14155550002"]
    page = tenant.request("GET", f"{tenant.v2}/{list_id}/getAllContacts", params={"skip": 1})
    assert page.json()["data"]["results"][0]["phoneNumber"] == "+14155550002"
    again = tenant.request("POST", f"{tenant.v2}/{list_id}/imports/{job['_id']}/undo")
    assert again.status_code == 409
    cancel = tenant.request("POST", f"{tenant.v2}/{list_id}/imports/{job['_id']}/cancel")
    assert cancel.status_code == 409 and cancel.json()["errors"][0]["code"] == "JOB_FINISHED"
    assert job_of(tenant, list_id, job["_id"])["undo"]["removed"] == 2


def test_undos_at_once_remove_once(tenant: Tenant) -> None:
    """Of several undos of one job at the same moment, one removes its contacts and says how
    many; the others are refused, and the job keeps the count."""
    list_id = tenant.create_list()["_id"]
    lines = b"".join(b"+1415%07d\n" % (2_000_000 + n) for n in range(3_000))
    job = run_import(tenant, list_id, b"phoneNumber\n" + lines)
    assert job["counts"]["added"] == 3_000
    url = f"{tenant.v2}/{list_id}/imports/{job['_id']}/undo"
    start = threading.Barrier(4)

    def undo() -> httpx.Response:
        with httpx.Client(base_url=tenant.http.base_url, headers=tenant.headers) as client:
            start.wait()
            return client.post(url)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: undo(), range(4)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409], [a.text for a in answers]
    done = next(a for a in answers if a.status_code == 200)
    assert done.json()["data"]["undo"]["removed"] == 3_000
    assert all(
        a.json()["errors"][0]["code"] == "JOB_NOT_UNDOABLE" for a in answers if a.status_code == 409
    )
    assert job_of(tenant, list_id, job["_id"])["undo"]["removed"] == 3_000
    assert contacts(tenant, list_id) == []
