"""getAllContacts is answered in front of the framework (fastlane.py, contacts/fastpath.py),
its only path: query strings decoded as the framework would, credentials first, each known
parameter once."""

from __future__ import annotations

from tests.conftest import Server, Tenant, make_tenant


def _page(tenant: Tenant, list_id: str, query: str, **headers: str) -> tuple[int, bytes]:
    response = tenant.request(
        "GET", f"{tenant.v2}/{list_id}/getAllContacts?{query}", headers=headers
    )
    return response.status_code, response.content


def test_unknown_parameters_are_ignored_and_values_decoded(tenant: Tenant) -> None:
    created = tenant.create_list()
    tenant.add(created["_id"], [{"phoneNumber": f"+1415555{i:04d}", "n": i} for i in range(7)])
    for query in ["skip=2&limit=3", "limit=50", "skip=9", "skip=1&limit=2&include=phone"]:
        plain = _page(tenant, created["_id"], query)
        assert plain[0] == 200
        assert _page(tenant, created["_id"], query + "&via=framework&x=%20") == plain
    encoded = _page(tenant, created["_id"], "%73kip=%32&limit=3&include=%70hone")
    assert encoded == _page(tenant, created["_id"], "skip=2&limit=3&include=phone")


def test_each_known_parameter_once(tenant: Tenant) -> None:
    created = tenant.create_list()
    for query, field in [
        ("skip=1&skip=2", "skip"),
        ("limit=1&limit=1", "limit"),
        ("include=phone&include=phone", "include"),
        (f"accountId={tenant.account_id}&accountId={tenant.account_id}", "accountId"),
    ]:
        status, body = _page(tenant, created["_id"], query)
        assert status == 400 and f'"field":"{field}"'.encode() in body, (query, body)


def test_credentials_come_before_the_query(tenant: Tenant, other_tenant: Tenant) -> None:
    created = tenant.create_list()
    response = tenant.http.get(f"{tenant.v2}/{created['_id']}/getAllContacts?skip=x&limit=-1")
    assert response.status_code == 401
    bad_token = _page(tenant, created["_id"], "skip=x", auth="nonsense")
    assert bad_token[0] == 401
    missing = "cl-00000000-0000-8000-8000-000000000000"
    for list_id in [missing, created["_id"]]:
        foreign = other_tenant.request("GET", f"{other_tenant.v2}/{list_id}/getAllContacts")
        assert foreign.status_code == 404 and b'"code":"NOT_FOUND"' in foreign.content


def test_single_use_token_is_not_consumed_twice_on_an_error(server: Server) -> None:
    strict = make_tenant(server, enforce_jti=True)
    created = strict.create_list()
    missing = created["_id"][:-4] + "0000"
    response = strict.request("GET", f"{strict.v2}/{missing}/getAllContacts")
    assert response.status_code == 404, response.text
