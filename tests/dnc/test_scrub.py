"""DNC scrubs of a contact list (``POST contactList/{id}/scrub``), over real HTTP, on SQLite and
on PostgreSQL: dry runs, removals through the contacts' delete path (counts, paging, the change
feed), cancel, resume after a killed server, and bad input."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import Server, Tenant, make_tenant, start_server
from tests.test_cli_data import _make_cli

BLOCKED = "+14155550101"  # a number entry of the stream's DNC list
CLEAN = "+14155550102"
BY_PREFIX = "+14156660103"  # the stream's prefix +1415666
EXPIRING = "+14155550104"  # an entry that expires at EXPIRY
ELSEWHERE = "+14155550105"  # on the contactList-scope DNC list of another contact list
OWN_LIST = "+14155550106"  # on this contact list's contactList-scope DNC list
EXPIRY = "2030-01-01T00:00:00.000Z"
LATER = "2030-06-01T00:00:00.000Z"  # past EXPIRY: that entry no longer matches
FINISHED = ("succeeded", "failed", "cancelled")


def _base(tenant: Tenant) -> str:
    return tenant.v2.removesuffix("/contactList")


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "success", body
    return body["data"]


def _error(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "failure" and body["errors"][0]["field"] == field, body


def _dnc_list(tenant: Tenant, name: str, *entries: dict[str, str], **body: Any) -> str:
    created = _ok(tenant.request("POST", _base(tenant) + "/dncList", json={"name": name, **body}))
    path = f"{_base(tenant)}/dncList/{created['_id']}/entries"
    _ok(tenant.request("POST", path, json={"entries": list(entries)}))
    dnc_id: str = created["_id"]
    return dnc_id


def _scrub(tenant: Tenant, list_id: str, **kwargs: Any) -> httpx.Response:
    return tenant.request("POST", f"{tenant.v2}/{list_id}/scrub", **kwargs)


def _job(tenant: Tenant, list_id: str, job_id: str) -> dict[str, Any]:
    data: dict[str, Any] = _ok(tenant.request("GET", f"{tenant.v2}/{list_id}/scrubs/{job_id}"))
    return data


def _wait(tenant: Tenant, list_id: str, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(tenant, list_id, job_id)
        if job["status"] in FINISHED:
            return job
        time.sleep(0.05)
    raise AssertionError(f"scrub {job_id} did not finish: {job}")


def _run(tenant: Tenant, list_id: str, **kwargs: Any) -> dict[str, Any]:
    started = _ok(_scrub(tenant, list_id, **kwargs), 202)
    assert started["status"] in ("queued", "running", "succeeded"), started
    return _wait(tenant, list_id, started["_id"])


def _results(tenant: Tenant, list_id: str, job_id: str, **params: Any) -> dict[str, Any]:
    path = f"{tenant.v2}/{list_id}/scrubs/{job_id}/results"
    data: dict[str, Any] = _ok(tenant.request("GET", path, params=params))
    return data


def _all_results(tenant: Tenant, list_id: str, job_id: str, page: int = 1000) -> list[Any]:
    found: list[Any] = []
    while True:
        data = _results(tenant, list_id, job_id, skip=len(found), limit=page)
        found += data["results"]
        if not data["hasMore"]:
            assert data["totalResults"] == len(found)
            return found


def _contacts(tenant: Tenant, list_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        path = f"{tenant.v2}/{list_id}/getAllContacts"
        page = _ok(tenant.request("GET", path, params={"skip": len(found), "limit": 1000}))
        found += page["results"]
        if not page["hasMore"]:
            return found


def _add(tenant: Tenant, list_id: str, numbers: list[str]) -> dict[str, str]:
    """Add the numbers (unchecked against DNC); their contact ids by number."""
    body = {"contacts": [{"phoneNumber": n} for n in numbers]}
    path = f"{tenant.v2}/{list_id}/contacts"
    added = _ok(tenant.request("POST", path, json=body, params={"dncCheck": "off"}))
    assert added["added"] == len(numbers), added
    return {n: r["_id"] for n, r in zip(numbers, added["results"], strict=True)}


def _setup(tenant: Tenant) -> tuple[str, dict[str, str]]:
    """A list of seven contacts (one with a number that does not parse) and DNC lists of
    every scope: the stream's, this list's, and another list's."""
    list_id = tenant.create_list()["_id"]
    other_id = tenant.create_list()["_id"]
    _dnc_list(
        tenant,
        "Stream",
        {"phoneNumber": BLOCKED},
        {"prefix": "+1415666"},
        {"phoneNumber": EXPIRING, "expiresAt": EXPIRY},
        scope="stream",
    )
    _dnc_list(tenant, "Own", {"phoneNumber": OWN_LIST}, scope="contactList", contactListId=list_id)
    _dnc_list(
        tenant, "Other", {"phoneNumber": ELSEWHERE}, scope="contactList", contactListId=other_id
    )
    numbers = [CLEAN, BLOCKED, "not a number", BY_PREFIX, EXPIRING, ELSEWHERE, OWN_LIST]
    return list_id, _add(tenant, list_id, numbers)


def test_dry_run_reports_and_removes_nothing(tenant: Tenant) -> None:
    list_id, ids = _setup(tenant)
    before = _contacts(tenant, list_id)
    job = _run(tenant, list_id, json={"dryRun": True, "at": LATER})
    assert job["status"] == "succeeded" and job["dryRun"] is True, job
    assert job["at"] == LATER
    assert job["counts"] == {"total": 7, "scanned": 7, "matched": 3, "removed": 0}
    results = _all_results(tenant, list_id, job["_id"])
    assert [(r["contactId"], r["e164"], r["status"]) for r in results] == [
        (ids[BLOCKED], BLOCKED, "wouldRemove"),
        (ids[BY_PREFIX], BY_PREFIX, "wouldRemove"),
        (ids[OWN_LIST], OWN_LIST, "wouldRemove"),
    ]
    assert [(r["scope"], r["value"]) for r in results] == [
        ("stream", BLOCKED),
        ("stream", "+1415666"),
        ("contactList", OWN_LIST),
    ]
    assert all(r["dncListId"].startswith("dn-") and r["entryId"].startswith("de-") for r in results)
    assert _contacts(tenant, list_id) == before
    # Judged before the entry expires (now, by default), the expiring number is found too;
    # an instant with an offset is judged in UTC.
    for params in ({"dryRun": "true"}, {"dryRun": "true", "at": "2029-12-31T21:59:59-02:00"}):
        early = _run(tenant, list_id, params=params)
        assert early["counts"]["matched"] == 4, early
        found = {r["e164"] for r in _all_results(tenant, list_id, early["_id"])}
        assert found == {BLOCKED, BY_PREFIX, OWN_LIST, EXPIRING}
    assert early["at"] == "2029-12-31T23:59:59.000Z"
    at_expiry = _run(tenant, list_id, params={"dryRun": "true", "at": EXPIRY})
    assert at_expiry["counts"]["matched"] == 3  # expiresAt <= at: no longer matches


def test_scrub_removes_exactly_the_matched_contacts(tenant: Tenant) -> None:
    list_id, ids = _setup(tenant)
    cursor = _ok(tenant.request("GET", f"{tenant.v2}/{list_id}/changes/latest"))["cursor"]
    job = _run(tenant, list_id, json={"at": LATER})
    assert job["status"] == "succeeded" and job["dryRun"] is False
    assert job["counts"] == {"total": 7, "scanned": 7, "matched": 3, "removed": 3}
    removed = [ids[BLOCKED], ids[BY_PREFIX], ids[OWN_LIST]]
    results = _all_results(tenant, list_id, job["_id"])
    assert [(r["contactId"], r["status"]) for r in results] == [(i, "removed") for i in removed]
    left = _contacts(tenant, list_id)
    kept = [CLEAN, "not a number", EXPIRING, ELSEWHERE]
    assert [c["phoneNumber"] for c in left] == kept
    details = _ok(tenant.request("GET", f"{tenant.v2}/{list_id}"))
    assert details["totalRecordCount"] == 4
    page = _ok(tenant.request("GET", f"{tenant.v2}/{list_id}/getAllContacts?skip=2&limit=1"))
    assert [c["phoneNumber"] for c in page["results"]] == [EXPIRING]
    assert page["totalResults"] == 4
    feed = _ok(tenant.request("GET", f"{tenant.v2}/{list_id}/changes", params={"after": cursor}))
    assert [(c["op"], c["contactId"]) for c in feed["changes"]] == [("deleted", i) for i in removed]
    for contact_id in removed:
        gone = tenant.request("GET", f"{tenant.v2}/{list_id}/contacts/{contact_id}")
        assert gone.status_code == 404
    # Nothing is left to find; the jobs are listed newest first.
    again = _run(tenant, list_id, json={"at": LATER})
    assert again["counts"] == {"total": 4, "scanned": 4, "matched": 0, "removed": 0}
    assert _all_results(tenant, list_id, again["_id"]) == []
    listed = _ok(tenant.request("GET", f"{tenant.v2}/{list_id}/scrubs"))
    assert [j["_id"] for j in listed["results"]] == [again["_id"], job["_id"]]
    imports = _ok(tenant.request("GET", f"{tenant.v2}/{list_id}/imports"))
    assert imports["totalResults"] == 0


def test_batches_page_in_list_order(server_factory: Callable[..., Server]) -> None:
    tenant = make_tenant(server_factory({"DIALIST_SCRUB_BATCH_ROWS": "3"}))
    list_id = tenant.create_list()["_id"]
    numbers = [f"+1415555{i:04d}" for i in range(25)]
    ids = _add(tenant, list_id, numbers)
    blocked = numbers[::2]
    _dnc_list(tenant, "Evens", *({"phoneNumber": n} for n in blocked), scope="stream")
    dry = _run(tenant, list_id, params={"dryRun": "true"})
    assert dry["counts"] == {"total": 25, "scanned": 25, "matched": 13, "removed": 0}
    every = _all_results(tenant, list_id, dry["_id"], page=4)
    assert [r["e164"] for r in every] == blocked
    middle = _results(tenant, list_id, dry["_id"], skip=5, limit=3)
    assert [r["e164"] for r in middle["results"]] == blocked[5:8] and middle["hasMore"]
    past = _results(tenant, list_id, dry["_id"], skip=13, limit=3)
    assert past["results"] == [] and not past["hasMore"] and past["totalResults"] == 13
    job = _run(tenant, list_id)
    assert job["counts"]["removed"] == 13
    assert [r["contactId"] for r in _all_results(tenant, list_id, job["_id"], page=5)] == [
        ids[n] for n in blocked
    ]
    assert [c["phoneNumber"] for c in _contacts(tenant, list_id)] == numbers[1::2]


def test_cancel(server_factory: Callable[..., Server]) -> None:
    # No worker: a queued scrub is cancelled at once, and stays so.
    idle = make_tenant(server_factory({"DIALIST_WORKER": "off"}))
    list_id = idle.create_list()["_id"]
    _add(idle, list_id, [BLOCKED])
    _dnc_list(idle, "Stream", {"phoneNumber": BLOCKED}, scope="stream")
    queued = _ok(_scrub(idle, list_id), 202)
    assert queued["status"] == "queued"
    path = f"{idle.v2}/{list_id}/scrubs/{queued['_id']}/cancel"
    cancelled = _ok(idle.request("POST", path))
    assert cancelled["status"] == "cancelled" and cancelled["cancelRequested"]
    again = idle.request("POST", path)
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "JOB_FINISHED"
    assert len(_contacts(idle, list_id)) == 1

    # A running scrub stops after the batch it is writing; what it removed stays removed.
    tenant = make_tenant(server_factory({"DIALIST_SCRUB_BATCH_ROWS": "10"}))
    list_id = tenant.create_list()["_id"]
    numbers = [f"+1415{i:07d}" for i in range(2_000_000, 2_010_000)]
    for start in range(0, len(numbers), 10_000):
        _add(tenant, list_id, numbers[start : start + 10_000])
    _dnc_list(tenant, "All", {"prefix": "+1415"}, scope="stream")
    job_id = _ok(_scrub(tenant, list_id), 202)["_id"]
    deadline = time.monotonic() + 60
    while _job(tenant, list_id, job_id)["counts"]["scanned"] == 0:
        assert time.monotonic() < deadline, "the scrub never got going"
        time.sleep(0.01)
    _ok(tenant.request("POST", f"{tenant.v2}/{list_id}/scrubs/{job_id}/cancel"))
    job = _wait(tenant, list_id, job_id)
    counts = job["counts"]
    assert job["status"] == "cancelled" and 0 < counts["scanned"] < len(numbers), job
    assert counts["matched"] == counts["removed"] == counts["scanned"]
    left = _ok(tenant.request("GET", f"{tenant.v2}/{list_id}"))["totalRecordCount"]
    assert left == len(numbers) - counts["removed"]
    assert len(_all_results(tenant, list_id, job_id)) == counts["removed"]


def test_killed_server_resumes_without_counting_twice(
    server_factory: Callable[..., Server],
) -> None:
    env = {"DIALIST_SCRUB_BATCH_ROWS": "5", "DIALIST_JOB_STALE_SECONDS": "2"}
    first = server_factory(env)
    tenant = make_tenant(first)
    list_id = tenant.create_list()["_id"]
    numbers = [f"+1415{i:07d}" for i in range(3_000_000, 3_010_000)]
    for start in range(0, len(numbers), 10_000):
        _add(tenant, list_id, numbers[start : start + 10_000])
    blocked = set(numbers[::3])
    _dnc_list(tenant, "Thirds", *({"phoneNumber": n} for n in sorted(blocked)), scope="stream")
    job_id = _ok(_scrub(tenant, list_id), 202)["_id"]
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, "the scrub never got going"
        job = _job(tenant, list_id, job_id)
        assert job["status"] in ("queued", "running"), f"finished before the kill: {job}"
        if job["counts"]["scanned"] >= 500:
            break
        time.sleep(0.01)
    first.kill()
    second = start_server(first.log_path.parent, env, database_url=first.database_url)
    try:
        tenant.server, tenant.http = second, second.client()
        done = _wait(tenant, list_id, job_id, timeout=300)
        assert done["status"] == "succeeded", done
        total = len(numbers)
        assert done["counts"] == {
            "total": total, "scanned": total, "matched": len(blocked), "removed": len(blocked),
        }  # fmt: skip
        results = _all_results(tenant, list_id, job_id)
        assert [r["e164"] for r in results] == [n for n in numbers if n in blocked]
        left = _contacts(tenant, list_id)
        assert [c["phoneNumber"] for c in left] == [n for n in numbers if n not in blocked]
    finally:
        second.stop()


def test_bad_input(tenant: Tenant, other_tenant: Tenant) -> None:
    list_id, _ids = _setup(tenant)
    for unknown in ("cl-00000000-0000-8000-8000-000000000000", "nonsense"):
        _error(_scrub(tenant, unknown), 404, "contactListId")
    _error(_scrub(other_tenant, list_id), 404, "contactListId")
    _error(_scrub(tenant, list_id, params={"at": "yesterday"}), 400, "at")
    _error(_scrub(tenant, list_id, json={"at": "2026-01-02T03:04:05"}), 400, "at")
    _error(_scrub(tenant, list_id, params={"dryRun": "maybe"}), 400, "dryRun")
    _error(_scrub(tenant, list_id, json={"dryRun": "true"}), 400, "dryRun")
    conflicting = _scrub(tenant, list_id, json={"dryRun": True}, params={"dryRun": "false"})
    _error(conflicting, 400, "dryRun")
    job = _run(tenant, list_id, json={"dryRun": True}, params={"dryRun": "true"})
    base = f"{tenant.v2}/{list_id}/scrubs"
    unknown_job = "sj-00000000-0000-8000-8000-000000000000"
    for path in (unknown_job, unknown_job + "/results"):
        _error(tenant.request("GET", f"{base}/{path}"), 404, "jobId")
    other_list = tenant.create_list()["_id"]
    _error(tenant.request("GET", f"{tenant.v2}/{other_list}/scrubs/{job['_id']}"), 404, "jobId")
    bad_limit = tenant.request("GET", f"{base}/{job['_id']}/results", params={"limit": 0})
    assert bad_limit.status_code == 400, bad_limit.text


def test_cli_scrub_dry_run_then_for_real(server: Server) -> None:
    cli = _make_cli(server)
    tenant = cli.http
    list_id, ids = _setup(tenant)
    result = cli.run("dnc", "scrub", "--list", list_id, "--dry-run", "--at", LATER, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    job = json.loads(result.stdout)
    assert job["dryRun"] is True and job["status"] == "succeeded"
    assert job["counts"] == {"total": 7, "scanned": 7, "matched": 3, "removed": 0}
    assert len(_contacts(tenant, list_id)) == 7
    result = cli.run("dnc", "scrub", "--list", list_id, "--at", LATER)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "succeeded" in result.stdout
    assert "7 scanned of 7 · 3 matched · 3 removed" in result.stdout
    assert [c["_id"] for c in _contacts(tenant, list_id)] == [
        ids[n] for n in (CLEAN, "not a number", EXPIRING, ELSEWHERE)
    ]
    bad = cli.run("dnc", "scrub", "--list", list_id, "--at", "tomorrow")
    assert bad.returncode == 2 and "at must be an ISO 8601 instant" in bad.stderr, bad.stderr
