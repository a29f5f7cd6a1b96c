"""The contact query (contract §2): filters, sorts, cursors and the errors, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import Server, Tenant, make_tenant


def _query(tenant: Tenant, list_id: str, **params: Any) -> httpx.Response:
    return tenant.request("GET", f"{tenant.v2}/{list_id}/contacts", params=params)


def _all(tenant: Tenant, list_id: str, **params: Any) -> list[dict[str, Any]]:
    """Every contact the query gives, following the cursors."""
    found: list[dict[str, Any]] = []
    cursor = None
    for _ in range(10_000):
        response = _query(tenant, list_id, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        found += data["contacts"]
        cursor = data["nextCursor"]
        if cursor is None:
            return found
    raise AssertionError("the cursor never ended")


@pytest.fixture(scope="module")
def people(server: Server) -> tuple[Tenant, str, list[dict[str, Any]]]:
    tenant = make_tenant(server)
    created = tenant.create_list(allowDuplicates=True)
    contacts = [
        {"phoneNumber": "+14155550101", "state": "CA", "n": 1},
        {"phoneNumber": "+442079460018", "state": "LDN", "vip": True},
        {"phoneNumber": "+12125550199", "state": "NY", "n": 2.5, "timeZone": "America/New_York"},
        {"phoneNumber": "12", "state": "CA"},
        {"phoneNumber": "+14155550101", "state": "FL"},
    ]
    added = tenant.add(created["_id"], contacts)
    ids = [r["_id"] for r in added["results"]]
    return tenant, created["_id"], [{**c, "_id": i} for c, i in zip(contacts, ids, strict=True)]


def _ids(contacts: list[dict[str, Any]]) -> list[str]:
    return [c["_id"] for c in contacts]


def test_filters(people: tuple[Tenant, str, list[dict[str, Any]]]) -> None:
    tenant, list_id, made = people
    everyone = _all(tenant, list_id)
    assert _ids(everyone) == _ids(made)
    assert everyone[0]["version"] == 1 and everyone[0]["_phone"]["e164"] == "+14155550101"
    # Any format of the number finds it.
    assert _ids(_all(tenant, list_id, phoneNumber="(415) 555-0101")) == [
        made[0]["_id"],
        made[4]["_id"],
    ]
    assert _ids(_all(tenant, list_id, phoneNumber="+1 415 555 0101", sort="-createdAt")) == [
        made[4]["_id"],
        made[0]["_id"],
    ]
    assert _ids(_all(tenant, list_id, **{"field.state": "CA"})) == [made[0]["_id"], made[3]["_id"]]
    assert _ids(_all(tenant, list_id, **{"field.vip": "true"})) == [made[1]["_id"]]
    assert _ids(_all(tenant, list_id, **{"field.n": "2.5"})) == [made[2]["_id"]]
    assert _ids(_all(tenant, list_id, **{"field.state": "CA", "field.n": "1"})) == [made[0]["_id"]]
    assert _ids(_all(tenant, list_id, **{"field.missing": "x"})) == []
    assert _ids(_all(tenant, list_id, phoneValid="false")) == [made[3]["_id"]]
    assert len(_all(tenant, list_id, phoneValid="true")) == 4
    assert _ids(_all(tenant, list_id, region="gb")) == [made[1]["_id"]]
    assert _ids(_all(tenant, list_id, timeZone="America/New_York")) == [made[2]["_id"]]
    first = everyone[0]["createdAt"]
    assert len(_all(tenant, list_id, createdAfter=first)) == 5
    assert _all(tenant, list_id, createdBefore=first) == []
    assert _all(tenant, list_id, createdAfter="2999-01-01T00:00:00+02:00") == []


def test_cursor_pages_and_sorts(people: tuple[Tenant, str, list[dict[str, Any]]]) -> None:
    tenant, list_id, made = people
    for limit in (1, 2, 3):
        assert _ids(_all(tenant, list_id, limit=limit)) == _ids(made)
        assert _ids(_all(tenant, list_id, limit=limit, sort="-createdAt")) == _ids(made)[::-1]
    # An update moves a contact to the end of the updatedAt order.
    changed = tenant.request(
        "PATCH", f"{tenant.v2}/{list_id}/contacts/{made[1]['_id']}", json={"seen": 1}
    )
    assert changed.status_code == 200, changed.text
    by_update = _ids(_all(tenant, list_id, sort="updatedAt", limit=2))
    assert by_update[-1] == made[1]["_id"] and sorted(by_update) == sorted(_ids(made))
    assert _ids(_all(tenant, list_id, sort="-updatedAt", limit=2)) == by_update[::-1]
    since = changed.json()["data"]["updatedAt"]
    assert _ids(_all(tenant, list_id, updatedAfter=since)) == [made[1]["_id"]]
    assert _ids(_all(tenant, list_id, sort="updatedAt", updatedAfter=since)) == [made[1]["_id"]]
    assert made[1]["_id"] not in _ids(_all(tenant, list_id, sort="-updatedAt", updatedBefore=since))


def test_a_filter_that_matches_little_gives_short_pages(
    server_factory: Callable[..., Server],
) -> None:
    """Each page reads at most DIALIST_QUERY_SCAN_ROWS contacts: a rare match arrives after
    empty pages that still carry a cursor; nothing is skipped or repeated."""
    small = server_factory({"DIALIST_QUERY_SCAN_ROWS": "100"})
    tenant = make_tenant(small)
    created = tenant.create_list(allowDuplicates=True)
    batch = [
        {"phoneNumber": f"+1415555{i:04d}", "k": "rare" if i % 97 == 5 else "x"} for i in range(450)
    ]
    tenant.add(created["_id"], batch)
    pages = []
    cursor = None
    while True:
        params: dict[str, Any] = {"field.k": "rare", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        data = _query(tenant, created["_id"], **params).json()["data"]
        pages.append(len(data["contacts"]))
        cursor = data["nextCursor"]
        if cursor is None:
            break
    assert 0 in pages and sum(pages) == len([i for i in range(450) if i % 97 == 5])


def test_bad_queries_are_400(
    people: tuple[Tenant, str, list[dict[str, Any]]], other_tenant: Tenant
) -> None:
    tenant, list_id, _made = people

    def error(status: int, code: str, field: str, **params: Any) -> None:
        response = _query(tenant, list_id, **params)
        assert response.status_code == status, response.text
        body = response.json()
        assert body["status"] == "failure"
        assert body["errors"][0]["code"] == code and body["errors"][0]["field"] == field, body

    error(400, "UNSUPPORTED_QUERY", "sort", sort="field.state")
    error(400, "UNSUPPORTED_QUERY", "sort", sort="-field.state")
    error(400, "VALIDATION_ERROR", "sort", sort="name")
    error(400, "VALIDATION_ERROR", "limit", limit="0")
    error(400, "VALIDATION_ERROR", "limit", limit="1001")
    error(400, "VALIDATION_ERROR", "limit", limit="x")
    error(400, "VALIDATION_ERROR", "phoneValid", phoneValid="yes")
    error(400, "VALIDATION_ERROR", "createdAfter", createdAfter="yesterday")
    error(400, "VALIDATION_ERROR", "state", state="CA")
    error(400, "VALIDATION_ERROR", "field.", **{"field.": "x"})
    error(400, "UNSUPPORTED_QUERY", 'field.a"b', **{'field.a"b': "x"})
    error(400, "VALIDATION_ERROR", "cursor", cursor="not-a-cursor")
    # A NUL, which PostgreSQL's text cannot hold (schemathesis found a 500 there).
    for name in ("phoneNumber", "region", "timeZone", "field.state"):
        error(400, "VALIDATION_ERROR", name, **{name: "4155\x00550100"})
    first = _query(tenant, list_id, limit=1).json()["data"]["nextCursor"]
    # A cursor is tied to its filters and sort.
    error(400, "VALIDATION_ERROR", "cursor", cursor=first, sort="-createdAt")
    error(400, "VALIDATION_ERROR", "cursor", cursor=first, region="US")
    assert _query(tenant, list_id, cursor=first, limit=3).status_code == 200
    twice = tenant.request("GET", f"{tenant.v2}/{list_id}/contacts?region=US&region=GB")
    assert twice.status_code == 400 and twice.json()["errors"][0]["field"] == "region"
    foreign = other_tenant.request("GET", f"{other_tenant.v2}/{list_id}/contacts")
    assert foreign.status_code == 404
