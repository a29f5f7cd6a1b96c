"""The worker's sweep forgets changes older than DIALIST_CHANGES_RETENTION_DAYS: the list's
first kept change moves on, an older cursor is 410, newer ones go on working (both backends)."""

from __future__ import annotations

import sqlalchemy as sa

from dialist import publicids
from dialist.contacts import changes
from dialist.settings import Settings
from tests.conftest import Server, Tenant, make_tenant


def _age_changes(server: Server, list_id: str, *, first: int, last: int) -> None:
    """Make changes ``first..last`` of the list look made in 2020."""
    database = server.database()
    try:
        with database.write() as conn:
            conn.execute(
                sa.text(
                    "UPDATE contact_changes SET at = '2020-01-01T00:00:00.000Z' "
                    "WHERE list_id = :l AND change BETWEEN :a AND :b"
                ),
                {"l": publicids.decode("cl", list_id), "a": first, "b": last},
            )
    finally:
        database.dispose()


def test_the_sweep_forgets_old_changes_only(server: Server) -> None:
    tenant: Tenant = make_tenant(server)
    created = tenant.create_list(allowDuplicates=True)
    list_id = created["_id"]
    start = tenant.request("GET", f"{tenant.v2}/{list_id}/changes").json()["data"]["nextCursor"]
    tenant.add(list_id, [{"phoneNumber": f"+1415555{i:04d}"} for i in range(5)])
    middle = tenant.request("GET", f"{tenant.v2}/{list_id}/changes/latest").json()["data"]
    added = tenant.add(list_id, [{"phoneNumber": f"+1415556{i:04d}"} for i in range(3)])
    _age_changes(server, list_id, first=1, last=5)

    database = server.database()
    try:
        removed = changes.prune(database, Settings(changes_retention_days=1))
    finally:
        database.dispose()
    assert removed >= 5

    old = tenant.request("GET", f"{tenant.v2}/{list_id}/changes", params={"after": start})
    assert old.status_code == 410 and old.json()["errors"][0]["code"] == "CURSOR_EXPIRED"
    kept = tenant.request(
        "GET", f"{tenant.v2}/{list_id}/changes", params={"after": middle["cursor"]}
    ).json()["data"]
    assert [c["contactId"] for c in kept["changes"]] == [r["_id"] for r in added["results"]]
    # Without a cursor the feed starts at the oldest change kept.
    oldest = tenant.request("GET", f"{tenant.v2}/{list_id}/changes").json()["data"]
    assert [c["contactId"] for c in oldest["changes"]] == [r["_id"] for r in added["results"]]
