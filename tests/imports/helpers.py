"""Uploading files and following import jobs over HTTP, for the import tests."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import Tenant

FINISHED = ("succeeded", "failed", "cancelled")
ROWS = 30_000  # long enough to catch an import mid-way


def upload(
    tenant: Tenant,
    list_id: str,
    body: bytes,
    content_type: str = "text/csv",
    **params: str,
) -> httpx.Response:
    return tenant.request(
        "POST",
        f"{tenant.v2}/{list_id}/imports",
        params=params,
        content=body,
        headers={"content-type": content_type},
    )


def job_of(tenant: Tenant, list_id: str, job_id: str) -> dict[str, Any]:
    response = tenant.request("GET", f"{tenant.v2}/{list_id}/imports/{job_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def wait(tenant: Tenant, list_id: str, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = job_of(tenant, list_id, job_id)
        if job["status"] in FINISHED:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def run_import(
    tenant: Tenant, list_id: str, body: bytes, content_type: str = "text/csv", **params: str
) -> dict[str, Any]:
    response = upload(tenant, list_id, body, content_type, **params)
    assert response.status_code == 202, response.text
    return wait(tenant, list_id, response.json()["data"]["_id"])


def results(tenant: Tenant, list_id: str, job_id: str, **params: Any) -> dict[str, Any]:
    response = tenant.request(
        "GET", f"{tenant.v2}/{list_id}/imports/{job_id}/results", params=params
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def all_results(tenant: Tenant, list_id: str, job_id: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        page = results(tenant, list_id, job_id, skip=len(rows), limit=1000, **params)
        rows += page["results"]
        if not page["hasMore"]:
            return rows


def contacts(tenant: Tenant, list_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        response = tenant.request(
            "GET",
            f"{tenant.v2}/{list_id}/getAllContacts",
            params={"skip": len(found), "limit": 1000, "include": "phone"},
        )
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        found += data["results"]
        if not data["hasMore"]:
            return found


def numbered_file(rows: int) -> bytes:
    """A CSV of ``rows`` distinct numbers with uniqueIds U1…Un."""
    lines = ["phoneNumber,uniqueId,firstName"]
    lines += [f"+1415{2000000 + i:07d},U{i},n{i % 97}" for i in range(1, rows + 1)]
    return "\n".join(lines).encode()
