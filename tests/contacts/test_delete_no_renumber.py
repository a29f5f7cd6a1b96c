"""Deleting never renumbers: in a list of 5,000 contacts (five blocks of 1,024 sequence
numbers) with deletes at the head, middle and tail and a bulk delete spread through it,
every window of getAllContacts holds exactly the survivors in insertion order, and new
contacts go after the last one."""

from __future__ import annotations

import math
import sqlite3
from typing import Any

import psycopg
import pytest

from dialist import publicids
from tests.conftest import Server, Tenant, make_tenant

SIZE = 5_000
BLOCK = 1_024


def _page(tenant: Tenant, list_id: str, skip: int, limit: int) -> dict[str, Any]:
    response = tenant.request(
        "GET", f"{tenant.v2}/{list_id}/getAllContacts", params={"skip": skip, "limit": limit}
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def _query(server: Server, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of a query on the server's database, read directly (``{p}`` marks a parameter)."""
    url = server.database_url
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as conn:
            return list(conn.execute(sql.format(p="?"), params))
    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(sql.format(p="%s"), params))


def _check_blocks(server: Server, list_id: str, survivors: list[int]) -> None:
    """The block counts are the survivors' per block of 1,024 places; no empty block kept."""
    key = publicids.decode("cl", list_id)
    rows = _query(
        server, "SELECT block, live FROM contact_blocks WHERE list_id = {p} ORDER BY block", key
    )
    expected: dict[int, int] = {}
    for place in survivors:
        expected[place // BLOCK] = expected.get(place // BLOCK, 0) + 1
    assert dict(rows) == expected


@pytest.fixture(scope="module")
def holey_list(server: Server) -> tuple[Tenant, str, list[str], list[int]]:
    """A list of 5,000 contacts of which some were deleted: the tenant, the list, every id in
    insertion order, and the places (0-based) of the survivors."""
    tenant = make_tenant(server)
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    added = tenant.add(list_id, [{"phoneNumber": f"+1415{i:07d}", "n": i} for i in range(SIZE)])
    ids = [item["_id"] for item in added["results"]]
    assert len(ids) == SIZE
    gone: set[int] = set()
    # One by one: the head (twice), the middle, the tail, and the last place of a block.
    for place in (0, 1, 2500, SIZE - 1, BLOCK - 1):
        response = tenant.request("DELETE", f"{tenant.v2}/{list_id}/contacts/{ids[place]}")
        assert response.status_code == 200, response.text
        gone.add(place)
    # In bulk: every 7th, a run across the first block boundary, and a whole block (the third).
    spread = set(range(3, SIZE, 7)) | set(range(BLOCK - 10, BLOCK + 10))
    spread |= set(range(2 * BLOCK, 3 * BLOCK))
    spread -= gone
    doomed = sorted(spread)
    for start in range(0, len(doomed), 1000):
        chunk = [ids[p] for p in doomed[start : start + 1000]]
        response = tenant.request(
            "POST", f"{tenant.v2}/{list_id}/contacts/bulkDelete", json={"ids": chunk}
        )
        assert response.json()["data"]["successful"] == len(chunk), response.text
    gone |= spread
    survivors = [p for p in range(SIZE) if p not in gone]
    return tenant, list_id, ids, survivors


def _skips(survivors: list[int], total: int) -> list[int]:
    """Skips around every block boundary, in survivors' numbers and in raw places alike."""
    skips = {0, 1, 2, total - 2, total - 1, total, total + 1, 10**9}
    for k in range(1, SIZE // BLOCK + 1):
        boundary = k * BLOCK
        skips |= {boundary - 1, boundary, boundary + 1, 2 * boundary - 1}
        first_after = sum(1 for p in survivors if p < boundary)  # skip that lands on it
        skips |= {first_after - 1, first_after, first_after + 1}
    return sorted(s for s in skips if s >= 0)


def test_every_window_holds_the_survivors_in_order(
    server: Server, holey_list: tuple[Tenant, str, list[str], list[int]]
) -> None:
    tenant, list_id, ids, survivors = holey_list
    expected = [ids[p] for p in survivors]
    total = len(expected)
    assert 3_000 < total < 4_000
    _check_blocks(server, list_id, survivors)
    listed = tenant.request("GET", f"{tenant.v2}/{list_id}").json()["data"]
    assert listed["totalRecordCount"] == total
    for skip in _skips(survivors, total):
        for limit in (1, 3, 100, 1000):
            page = _page(tenant, list_id, skip, limit)
            got = [c["_id"] for c in page["results"]]
            assert got == expected[skip : skip + limit], (skip, limit)
            assert [c["n"] for c in page["results"]] == survivors[skip : skip + limit]
            assert page["totalResults"] == total
            assert page["totalPages"] == math.ceil(total / limit)
            assert page["hasMore"] is (skip + limit < total), (skip, limit)
            assert (page["skip"], page["limit"]) == (skip, limit)
    # Walked in pages of several sizes: every survivor exactly once, in order.
    for limit in (333, 1000, 1024):
        seen: list[str] = []
        while True:
            page = _page(tenant, list_id, len(seen), limit)
            seen += [c["_id"] for c in page["results"]]
            if not page["hasMore"]:
                break
        assert seen == expected


def test_updates_keep_places_and_adds_go_last(server: Server) -> None:
    """A smaller list (three blocks): updating keeps a contact's place, deleting the last
    ones and adding again appends after the survivors, across a block boundary."""
    tenant = make_tenant(server)
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    count = 2 * BLOCK + 5
    added = tenant.add(list_id, [{"phoneNumber": f"+1415{i:07d}", "n": i} for i in range(count)])
    ids = [item["_id"] for item in added["results"]]
    base = f"{tenant.v2}/{list_id}/contacts"
    patched = tenant.request("PATCH", f"{base}/{ids[5]}", json={"phoneNumber": "+14155550000"})
    assert patched.status_code == 200
    put = tenant.request("PUT", f"{base}/{ids[BLOCK]}", json={"phoneNumber": "1", "n": -1})
    assert put.status_code == 200
    # Delete the whole tail from inside the second block: the third block empties.
    doomed = ids[BLOCK + 3 :]
    response = tenant.request("POST", f"{base}/bulkDelete", json={"ids": doomed})
    assert response.json()["data"]["totalRecordCount"] == BLOCK + 3
    survivors = ids[: BLOCK + 3]
    # New contacts get places after every place handed out, never a deleted one's.
    late = tenant.add(list_id, [{"phoneNumber": f"+1303{i:07d}", "late": i} for i in range(4)])
    new_ids = [item["_id"] for item in late["results"]]
    expected = survivors + new_ids
    places = [*range(BLOCK + 3), *range(count, count + 4)]
    _check_blocks(server, list_id, places)
    for skip in (0, 4, 5, BLOCK - 1, BLOCK, BLOCK + 1, BLOCK + 2, BLOCK + 3, BLOCK + 6):
        for limit in (1, 2, 5, 1000):
            page = _page(tenant, list_id, skip, limit)
            assert [c["_id"] for c in page["results"]] == expected[skip : skip + limit]
            assert page["totalResults"] == len(expected)
            assert page["hasMore"] is (skip + limit < len(expected))
    tail = _page(tenant, list_id, BLOCK + 3, 10)["results"]
    assert [c.get("late") for c in tail] == [0, 1, 2, 3]
    head = _page(tenant, list_id, 5, 1)["results"][0]
    assert head["_id"] == ids[5] and head["phoneNumber"] == "+14155550000"
    moved = _page(tenant, list_id, BLOCK, 1)["results"][0]
    assert moved["_id"] == ids[BLOCK] and moved["n"] == -1
    # Delete the new ones and the head: the next add is still last.
    response = tenant.request("POST", f"{base}/bulkDelete", json={"ids": [ids[0], *new_ids]})
    assert response.json()["data"]["successful"] == 5
    last = tenant.add(list_id, [{"phoneNumber": "+13035550000"}])["results"][0]["_id"]
    expected = [*survivors[1:], last]
    tail = _page(tenant, list_id, len(expected) - 2, 5)
    assert [c["_id"] for c in tail["results"]] == expected[-2:]
    assert tail["totalResults"] == len(expected) and tail["hasMore"] is False
    _check_blocks(server, list_id, [*range(1, BLOCK + 3), count + 4])
