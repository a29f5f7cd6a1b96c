"""The change feed replays to the list: a client that applies every change of the feed, read
in pages of any size at any moments, ends with exactly the contacts getAllContacts pages, in
the same order, whatever mix of adds, updates, deletes, imports and undos made them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server, Tenant, make_tenant
from tests.contacts.test_changes import feed_page
from tests.imports.helpers import run_import

NUMBERS = [f"+1415555{i:04d}" for i in range(10)]  # a small pool: duplicates happen
VALUES = st.one_of(st.integers(-3, 3), st.text("xyz", max_size=2), st.booleans())
FIELDS = st.fixed_dictionaries(
    {"phoneNumber": st.sampled_from(NUMBERS)},
    optional={"a": VALUES, "b": VALUES, "uniqueId": st.sampled_from(["U1", "U2", "U3"])},
)
CHANGES = st.dictionaries(
    st.sampled_from(["a", "b", "c", "uniqueId", "phoneNumber", "timeZone"]),
    st.one_of(
        st.none(), VALUES, st.sampled_from(NUMBERS), st.sampled_from(["U1", "U4", "Asia/Tokyo"])
    ),
    max_size=3,
)
PICK = st.integers(0, 10**6)  # which contact (or job) of those known, modulo their number
OPERATIONS = st.one_of(
    st.tuples(st.just("add"), st.lists(FIELDS, min_size=1, max_size=4)),
    st.tuples(st.just("put"), PICK, FIELDS, st.booleans()),
    st.tuples(st.just("patch"), PICK, CHANGES, st.booleans()),
    st.tuples(st.just("delete"), PICK, st.booleans()),
    st.tuples(st.just("bulk"), st.lists(PICK, min_size=1, max_size=4), st.booleans()),
    st.tuples(st.just("import"), st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=4)),
    st.tuples(st.just("undo"), PICK),
    st.tuples(st.just("read"), st.integers(1, 4), st.integers(1, 3)),
)


class Follower:
    """A feed client: keeps the list as the changes it read say it is."""

    def __init__(self, tenant: Tenant, list_id: str) -> None:
        self.tenant, self.list_id = tenant, list_id
        self.cursor: str | None = None
        self.contacts: dict[str, dict[str, Any] | None] = {}  # in the order first added
        self.versions: dict[str, int] = {}

    def read(self, page_size: int, pages: int | None = None) -> None:
        """Read ``pages`` pages (None: up to the end) and apply them."""
        read = 0
        while pages is None or read < pages:
            page = feed_page(self.tenant, self.list_id, self.cursor, page_size)
            assert len(page["changes"]) <= page_size
            for change in page["changes"]:
                self.apply(change)
            self.cursor = page["nextCursor"]
            read += 1
            if not page["hasMore"]:
                return

    def apply(self, change: dict[str, Any]) -> None:
        contact_id, op = change["contactId"], change["op"]
        # A contact's changes carry its versions in order: 1 when added, then one more a change.
        if op == "added":
            assert contact_id not in self.versions, change
            assert change["version"] == 1, change
        else:
            assert change["version"] == self.versions[contact_id] + 1, change
        self.versions[contact_id] = change["version"]
        if op == "deleted":
            assert change["contact"] is None, change
            del self.contacts[contact_id]
            return
        assert op in ("added", "updated"), change
        contact = change["contact"]
        if contact is not None:
            assert contact["_id"] == contact_id and contact["version"] >= change["version"]
        self.contacts[contact_id] = contact


def _listed(tenant: Tenant, list_id: str, limit: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        response = tenant.request(
            "GET",
            f"{tenant.v2}/{list_id}/getAllContacts",
            params={"skip": len(found), "limit": limit, "include": "phone"},
        )
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        found += data["results"]
        if not data["hasMore"]:
            assert data["totalResults"] == len(found)
            return found


def _pick(known: list[str], index: int) -> str | None:
    return known[index % len(known)] if known else None


class Writer:
    """Applies the generated operations over HTTP; remembers the ids and jobs it made."""

    def __init__(self, tenant: Tenant, list_id: str) -> None:
        self.tenant, self.list_id = tenant, list_id
        self.contacts: list[str] = []  # every contact ever added (some deleted since)
        self.jobs: list[str] = []
        self.base = f"{tenant.v2}/{list_id}"

    def run(self, operation: tuple[Any, ...], follower: Follower) -> None:
        kind, *args = operation
        tenant = self.tenant
        if kind == "add":
            added = tenant.add(self.list_id, args[0])
            self.contacts += [r["_id"] for r in added["results"] if r["_id"]]
        elif kind in ("put", "patch"):
            contact_id, body, conditional = _pick(self.contacts, args[0]), args[1], args[2]
            if contact_id is None:
                return
            headers = {}
            if conditional:  # the version the follower last saw: sometimes stale
                headers["If-Match"] = f'"{follower.versions.get(contact_id, 1)}"'
            response = tenant.request(
                "PUT" if kind == "put" else "PATCH",
                f"{self.base}/contacts/{contact_id}",
                json=body,
                headers=headers,
            )
            assert response.status_code in (200, 400, 404, 409, 412), response.text
        elif kind == "delete":
            contact_id = _pick(self.contacts, args[0])
            if contact_id is None:
                return
            headers = {"If-Match": f'"{follower.versions.get(contact_id, 1)}"'} if args[1] else {}
            response = tenant.request(
                "DELETE", f"{self.base}/contacts/{contact_id}", headers=headers
            )
            assert response.status_code in (200, 404, 412), response.text
        elif kind == "bulk":
            picked = [_pick(self.contacts, i) for i in args[0]]
            ids = [i for i in picked if i is not None] + (["cc-unknown"] if args[1] else [])
            if ids:
                response = tenant.request(
                    "POST", f"{self.base}/contacts/bulkDelete", json={"ids": ids}
                )
                assert response.status_code == 200, response.text
        elif kind == "import":
            body = "phoneNumber,a\n" + "".join(f"{n},i{k}\n" for k, n in enumerate(args[0]))
            job = run_import(tenant, self.list_id, body.encode())
            assert job["status"] == "succeeded", job
            self.jobs.append(job["_id"])
            # The follower learns the new ids from the feed; the writer from the job's results.
            results = tenant.request(
                "GET", f"{self.base}/imports/{job['_id']}/results", params={"limit": 1000}
            ).json()["data"]["results"]
            self.contacts += [r["contactId"] for r in results if r["status"] == "added"]
        elif kind == "undo":
            job_id = _pick(self.jobs, args[0])
            if job_id is None:
                return
            response = tenant.request("POST", f"{self.base}/imports/{job_id}/undo")
            assert response.status_code in (200, 409), response.text
        elif kind == "read":
            follower.read(args[0], pages=args[1])


@pytest.fixture(scope="module")
def feed_tenant(server: Server) -> Tenant:
    return make_tenant(server)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    policy=st.sampled_from(["none", "phone", "uniqueId"]),
    operations=st.lists(OPERATIONS, min_size=1, max_size=14),
    final_page=st.integers(1, 9),
    list_page=st.sampled_from([1, 2, 5, 1000]),
)
def test_feed_replays_to_the_list(
    feed_tenant: Tenant,
    policy: str,
    operations: list[tuple[Any, ...]],
    final_page: int,
    list_page: int,
) -> None:
    tenant = feed_tenant
    options: dict[str, Any] = {"allowDuplicates": policy == "none"}
    if policy == "uniqueId":
        options["dedupeBy"] = "uniqueId"
    list_id = tenant.create_list(**options)["_id"]
    writer, follower = Writer(tenant, list_id), Follower(tenant, list_id)
    for operation in operations:
        writer.run(operation, follower)
    follower.read(final_page)

    listed = _listed(tenant, list_id, list_page)
    assert list(follower.contacts) == [c["_id"] for c in listed]
    for contact in listed:
        replayed = follower.contacts[contact["_id"]]
        assert replayed is not None
        # The feed's contact is as GET gives it: with its version (that of its latest
        # change) and who last updated it, which getAllContacts does not show.
        assert replayed["version"] == follower.versions[contact["_id"]]
        assert {k: v for k, v in replayed.items() if k not in ("version", "updatedBy")} == contact
    # Nothing more to read, and the cursor is the latest one.
    end = feed_page(tenant, list_id, follower.cursor, 1)
    assert end["changes"] == [] and end["hasMore"] is False
    latest = tenant.request("GET", f"{tenant.v2}/{list_id}/changes/latest")
    assert latest.json()["data"]["cursor"] == follower.cursor
