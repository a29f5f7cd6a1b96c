"""Paging invariants: every contact exactly once, in insertion order, at any page size."""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server, Tenant, make_tenant


@pytest.fixture(scope="module")
def paged_list(server: Server) -> tuple[Tenant, str, list[str]]:
    """A list of 300 contacts of which 41 were deleted (from the start, middle and end)."""
    tenant = make_tenant(server)
    created = tenant.create_list(allowDuplicates=True)
    added = tenant.add(
        created["_id"], [{"phoneNumber": f"+1202555{i:04d}", "n": i} for i in range(300)]
    )
    ids = [item["_id"] for item in added["results"]]
    doomed = ids[:3] + ids[100:130] + ids[-8:]
    response = tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/contacts/bulkDelete", json={"ids": doomed}
    )
    assert response.json()["data"]["successful"] == len(doomed)
    return tenant, created["_id"], [i for i in ids if i not in set(doomed)]


def _walk(tenant: Tenant, list_id: str, limit: int) -> tuple[list[str], list[dict[str, Any]]]:
    seen: list[str] = []
    pages = []
    skip = 0
    while True:
        data = tenant.request(
            "GET", f"{tenant.v2}/{list_id}/getAllContacts", params={"skip": skip, "limit": limit}
        ).json()["data"]
        pages.append(data)
        seen += [c["_id"] for c in data["results"]]
        if not data["hasMore"]:
            return seen, pages
        skip += data["limit"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.one_of(st.integers(1, 60), st.integers(61, 1200)))
def test_every_contact_exactly_once_in_order(
    paged_list: tuple[Tenant, str, list[str]], limit: int
) -> None:
    tenant, list_id, expected = paged_list
    seen, pages = _walk(tenant, list_id, limit)
    assert seen == expected
    effective = min(limit, 1000)
    for number, page in enumerate(pages):
        assert page["limit"] == effective
        assert page["totalResults"] == len(expected)
        assert page["totalPages"] == math.ceil(len(expected) / effective)
        assert page["skip"] == number * effective
        assert len(page["results"]) == min(effective, len(expected) - page["skip"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(skip=st.integers(0, 10**30), limit=st.integers(1, 10**6))
def test_any_window_is_a_slice(
    paged_list: tuple[Tenant, str, list[str]], skip: int, limit: int
) -> None:
    tenant, list_id, expected = paged_list
    response = tenant.request(
        "GET", f"{tenant.v2}/{list_id}/getAllContacts", params={"skip": skip, "limit": limit}
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    effective = min(limit, 1000)
    assert [c["_id"] for c in data["results"]] == expected[skip : skip + effective]
    assert data["hasMore"] == (skip + len(data["results"]) < len(expected))


def test_paging_while_others_append(server: Server) -> None:
    """Pages walked during concurrent adds still hold every earlier contact exactly once."""
    tenant = make_tenant(server)
    created = tenant.create_list(allowDuplicates=True)
    first = tenant.add(created["_id"], [{"phoneNumber": f"+1303555{i:04d}"} for i in range(400)])
    before = [item["_id"] for item in first["results"]]
    stop = threading.Event()

    def append() -> None:
        # A bounded number of appends: an unbounded writer can outpace the walk for ever.
        writer = make_tenant(server, account_id=tenant.account_id, stream_ids=[tenant.stream_id])
        for _ in range(40):
            if stop.is_set():
                return
            writer.add(created["_id"], [{"phoneNumber": "+13035550000"} for _ in range(20)])

    thread = threading.Thread(target=append)
    thread.start()
    try:
        seen, _ = _walk(tenant, created["_id"], 7)
    finally:
        stop.set()
        thread.join()
    assert len(seen) == len(set(seen))
    assert seen[: len(before)] == before
