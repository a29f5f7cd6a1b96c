"""The getAllContacts fast lane answers exactly what the Litestar route answers."""

from __future__ import annotations

from tests.conftest import Server, Tenant, make_tenant


def _page(tenant: Tenant, list_id: str, query: str, **headers: str) -> tuple[int, bytes]:
    response = tenant.request(
        "GET", f"{tenant.v2}/{list_id}/getAllContacts?{query}", headers=headers
    )
    return response.status_code, response.content


def test_fast_and_framework_paths_are_byte_identical(tenant: Tenant) -> None:
    created = tenant.create_list()
    tenant.add(created["_id"], [{"phoneNumber": f"+1415555{i:04d}", "n": i} for i in range(7)])
    # An unknown query parameter sends the request through Litestar instead of the fast lane.
    for query in ["skip=2&limit=3", "limit=50", "skip=9", "skip=1&limit=2&include=phone"]:
        fast = _page(tenant, created["_id"], query)
        framework = _page(tenant, created["_id"], query + "&via=framework")
        assert fast[0] == framework[0] == 200
        assert fast[1] == framework[1]


def test_errors_are_identical_on_both_paths(tenant: Tenant, other_tenant: Tenant) -> None:
    created = tenant.create_list()
    missing = "cl-00000000-0000-8000-8000-000000000000"
    for list_id in [missing, created["_id"]]:
        fast = other_tenant.request("GET", f"{other_tenant.v2}/{list_id}/getAllContacts")
        slow = other_tenant.request("GET", f"{other_tenant.v2}/{list_id}/getAllContacts?x=1")
        assert fast.status_code == slow.status_code == 404
        assert fast.content == slow.content
    bad_token = _page(tenant, created["_id"], "skip=0", auth="nonsense")
    assert bad_token[0] == 401
    assert bad_token == _page(tenant, created["_id"], "skip=0&x=1", auth="nonsense")


def test_single_use_token_is_not_consumed_twice_on_an_error(server: Server) -> None:
    strict = make_tenant(server, enforce_jti=True)
    created = strict.create_list()
    missing = created["_id"][:-4] + "0000"
    response = strict.request("GET", f"{strict.v2}/{missing}/getAllContacts")
    assert response.status_code == 404, response.text
