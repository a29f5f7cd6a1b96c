"""Several ``dialist serve`` processes over one database: immediate visibility, exact counts,
dense sequence numbers, and no errors under concurrent adds and paging (both backends).

The soak runs ``DIALIST_SOAK_SECONDS`` (default 4; the issue's full form is 30).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from dialist.db.engine import Database
from tests.conftest import Server, Tenant, make_tenant, start_server

ADDERS = 16
PAGERS = 16


@pytest.fixture
def two_servers(
    tmp_path: Path, new_database_url: Callable[[Path], str | None]
) -> Iterator[tuple[Server, Server]]:
    url = new_database_url(tmp_path) or f"sqlite:///{tmp_path / 'shared.db'}"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = start_server(tmp_path / "a", database_url=url)
    second = start_server(tmp_path / "b", database_url=url)
    yield first, second
    first.stop()
    second.stop()


def _positions(server: Server, list_id: str) -> list[int]:
    from dialist import publicids

    database = Database(server.database_url, pool_size=1)
    try:
        with database.read() as conn:
            rows = conn.execute(
                sa.text("SELECT seq FROM contacts WHERE list_id = :id ORDER BY seq"),
                {"id": publicids.decode("cl", list_id)},
            )
            return [row[0] for row in rows]
    finally:
        database.dispose()


def _same_tenant(tenant: Tenant, server: Server) -> Tenant:
    """``tenant`` speaking to ``server`` (another process on the same database)."""
    return dataclasses.replace(tenant, server=server, http=server.client())


def test_a_write_through_one_is_read_through_the_other(two_servers: tuple[Server, Server]) -> None:
    first, second = two_servers
    writer = make_tenant(first)
    reader = _same_tenant(writer, second)
    created = writer.create_list("Shared")
    added = writer.add(created["_id"], [{"phoneNumber": "+14155550100"}])
    seen = reader.request("GET", f"{reader.v2}/{created['_id']}/getAllContacts").json()["data"]
    assert [c["_id"] for c in seen["results"]] == [added["results"][0]["_id"]]
    renamed = reader.request("PUT", f"{reader.v2}/{created['_id']}", json={"name": "Renamed"})
    assert renamed.status_code == 200
    assert (
        writer.request("GET", f"{writer.v2}/{created['_id']}").json()["data"]["name"] == "Renamed"
    )


def test_concurrent_adds_and_paging_through_both(two_servers: tuple[Server, Server]) -> None:
    first, second = two_servers
    owner = make_tenant(first)
    created = owner.create_list("Busy", allowDuplicates=True)
    list_id = created["_id"]
    seconds = float(os.environ.get("DIALIST_SOAK_SECONDS", "4"))
    deadline = time.monotonic() + seconds
    errors: list[str] = []
    added_ids: list[str] = []
    lock = threading.Lock()
    headers = {"auth": owner.token(expires_in=3600), "accountId": owner.account_id}

    def adder(number: int) -> None:
        server = (first, second)[number % 2]
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
            batch = 0
            while time.monotonic() < deadline:
                contacts = [{"phoneNumber": f"+1415{number:03d}{batch:04d}"} for _ in range(10)]
                response = client.post(
                    f"{owner.v2}/{list_id}/contacts", json={"contacts": contacts}
                )
                if response.status_code != 200:
                    errors.append(response.text)
                    return
                with lock:
                    added_ids.extend(item["_id"] for item in response.json()["data"]["results"])
                batch += 1

    def pager(number: int) -> None:
        server = (first, second)[number % 2]
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
            skip = 0
            while time.monotonic() < deadline:
                response = client.get(
                    f"{owner.v2}/{list_id}/getAllContacts", params={"skip": skip, "limit": 100}
                )
                if response.status_code != 200:
                    errors.append(response.text)
                    return
                data = response.json()["data"]
                skip = skip + 100 if data["hasMore"] else 0

    threads = [threading.Thread(target=adder, args=(n,)) for n in range(ADDERS)]
    threads += [threading.Thread(target=pager, args=(n,)) for n in range(PAGERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert added_ids
    details = owner.request("GET", f"{owner.v2}/{list_id}").json()["data"]
    assert details["totalRecordCount"] == len(added_ids)
    seen: list[str] = []
    for skip in range(0, len(added_ids), 1000):
        page = owner.request(
            "GET", f"{owner.v2}/{list_id}/getAllContacts", params={"skip": skip, "limit": 1000}
        ).json()["data"]
        seen += [c["_id"] for c in page["results"]]
    assert sorted(seen) == sorted(added_ids) and len(set(seen)) == len(seen)
    assert _positions(first, list_id) == list(range(len(added_ids)))


def test_a_dnc_entry_added_through_one_blocks_at_once_through_the_other(
    two_servers: tuple[Server, Server],
) -> None:
    """The checking process holds the list's numbers in memory (``dnc.held``) after its first
    checks; entries added or deleted through the other process count at the next check."""
    first, second = two_servers
    writer = make_tenant(first)
    checker = _same_tenant(writer, second)
    base = writer.v2.removesuffix("/contactList")
    dnc_id = writer.request(
        "POST", f"{base}/dncList", json={"name": "Opt-outs here", "scope": "stream"}
    ).json()["data"]["_id"]
    entries = f"{base}/dncList/{dnc_id}/entries"
    numbers = [f"+1212555{n:04d}" for n in range(1000)]

    def add(*values: str) -> None:
        body = {"entries": [{"phoneNumber": value} for value in values]}
        assert writer.request("POST", entries, json=body).status_code == 200

    def blocked_through_second() -> list[str]:
        """The numbers the second process finds blocked, by the DNC check and by the
        contactability check (which must agree)."""
        response = checker.request("POST", f"{base}/dnc/check", json={"phoneNumbers": numbers})
        assert response.status_code == 200, response.text
        blocked = [r["e164"] for r in response.json()["data"]["results"] if r["blocked"]]
        items = [{"phoneNumber": number} for number in numbers]
        response = checker.request("POST", f"{base}/contactability", json={"items": items})
        assert response.status_code == 200, response.text
        on_dnc = [
            r["e164"]
            for r in response.json()["data"]["results"]
            if any(reason["code"] == "DNC" for reason in r["reasons"])
        ]
        assert on_dnc == blocked
        return blocked

    add(numbers[3])
    for _ in range(3):  # enough asking for the second process to hold the list
        assert blocked_through_second() == [numbers[3]]
    add(numbers[500], numbers[999])
    assert blocked_through_second() == [numbers[3], numbers[500], numbers[999]]
    deleted = writer.request(
        "POST", f"{entries}/delete", json={"phoneNumbers": [numbers[500]]}
    ).json()["data"]
    assert deleted["deleted"] == 1, deleted
    assert blocked_through_second() == [numbers[3], numbers[999]]
    add(numbers[0])
    assert blocked_through_second() == [numbers[0], numbers[3], numbers[999]]
