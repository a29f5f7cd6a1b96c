"""The JWT attack set (contract §1.2-1.3): every bad token is 401, every misuse 403/400."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest

from tests.conftest import Server, Tenant, make_tenant


def _b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _get_lists(tenant: Tenant, **headers: str) -> Any:
    base = {"accountId": tenant.account_id}
    return tenant.http.get(f"{tenant.v2}/getAllListDetails", headers={**base, **headers})


def _assert_failure(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "failure"
    assert body["errors"][0]["code"] == code
    assert body["message"]


def test_valid_token_works(tenant: Tenant) -> None:
    assert _get_lists(tenant, auth=tenant.token()).status_code == 200


def test_hs512_and_bearer_fallback_accepted(tenant: Tenant) -> None:
    assert _get_lists(tenant, auth=tenant.token(algorithm="HS512")).status_code == 200
    bearer = _get_lists(tenant, authorization=f"Bearer {tenant.token()}")
    assert bearer.status_code == 200


def _unauthorized_tokens(tenant: Tenant) -> dict[str, str | None]:
    now = int(time.time())
    claims = {"appId": tenant.client_id, "sub": "1"}
    secret = tenant.client_secret
    return {
        "missing": None,
        "empty": "",
        "garbage": "not-a-jwt",
        "two parts": "abc.def",
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "alg none signed": f"{_b64({'alg': 'none'})}.{_b64(claims)}.{_b64(b'x')}",
        "wrong secret": jwt.encode(
            claims, "not the secret at all, but long enough for the check", algorithm="HS256"
        ),
        "expired": jwt.encode({**claims, "exp": now - 3600}, secret, algorithm="HS256"),
        "not yet valid": jwt.encode({**claims, "nbf": now + 3600}, secret, algorithm="HS256"),
        "lowercase appid": jwt.encode({"appid": tenant.client_id}, secret, algorithm="HS256"),
        "spaced App ID": jwt.encode({"App ID": tenant.client_id}, secret, algorithm="HS256"),
        "appId not a string": jwt.encode({"appId": 5}, secret, algorithm="HS256"),
        "unknown appId": jwt.encode({"appId": "cs-unknown"}, secret, algorithm="HS256"),
        "RS256 header": f"{_b64({'alg': 'RS256'})}.{_b64(claims)}.{_b64(b'sig')}",
        "ES256 header": f"{_b64({'alg': 'ES256'})}.{_b64(claims)}.{_b64(b'sig')}",
        "payload not an object": f"{_b64({'alg': 'HS256'})}.{_b64(b'[1,2]')}.{_b64(b's')}",
        "payload not json": f"{_b64({'alg': 'HS256'})}.{_b64(b'{nope')}.{_b64(b's')}",
        "huge": "a" * 20_000,
        "tampered": _tamper(jwt.encode(claims, secret, algorithm="HS256")),
    }


def _tamper(token: str) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{_b64({'appId': 'cs-other', 'sub': '1'})}.{signature}"


def test_every_bad_token_is_401(tenant: Tenant) -> None:
    for name, token in _unauthorized_tokens(tenant).items():
        headers = {} if token is None else {"auth": token}
        response = _get_lists(tenant, **headers)
        assert response.status_code == 401, (name, response.text)
        _assert_failure(response, 401, "UNAUTHORIZED")


def test_bad_tokens_are_401_on_the_fast_getallcontacts_path(tenant: Tenant) -> None:
    created = tenant.create_list()
    for name, token in _unauthorized_tokens(tenant).items():
        headers = {"accountId": tenant.account_id} | ({} if token is None else {"auth": token})
        response = tenant.http.get(f"{tenant.v2}/{created['_id']}/getAllContacts", headers=headers)
        assert response.status_code == 401, (name, response.text)


def test_credentials_are_checked_before_the_request_is_read(
    server: Server, tenant: Tenant, other_tenant: Tenant
) -> None:
    """No token, a bad one or another tenant's: 401/403 before any word on the body or the
    query (which would tell a stranger what a request should hold)."""
    list_id = tenant.create_list()["_id"]
    crm = f"/agentassist/api/v1/public/{tenant.stream_id}/contacts"
    requests = [
        ("POST", f"{tenant.v2}/{list_id}/contacts", {"json": {"x": 1}}),
        ("POST", f"{tenant.v2}/{list_id}/contacts", {"content": b"{"}),
        ("PUT", f"{tenant.v2}/{list_id}", {"json": {"name": 5}}),
        ("POST", f"{tenant.v2}/createContactList", {"json": {"source": 5}}),
        ("GET", f"{tenant.v2}/{list_id}/imports?limit=abc", {}),
        ("GET", f"{tenant.v2}/getAllListDetails?type=zzz", {}),
        ("GET", f"{crm}?limit=abc", {}),
        ("POST", crm, {"json": {"x": 1}}),
    ]
    crm_app = make_tenant(server, account_id=tenant.account_id, scopes=["configuration"])
    for method, path, body in requests:
        for auth, status in (({}, 401), ({"auth": "garbage"}, 401), ({"auth": tenant.token()}, 0)):
            headers = {"accountId": tenant.account_id, **auth}
            if status == 0:  # a real token, but for another account
                headers["accountId"] = other_tenant.account_id
                status = 403
            answer = tenant.http.request(method, path, headers=headers, **body)
            assert answer.status_code == status, (method, path, auth, answer.text)
    # A token without the route's scope is 403 before the body is read, too.
    wrong_scope = crm_app.http.post(
        f"{tenant.v2}/createContactList",
        json={"source": 5},
        headers={"auth": crm_app.token(), "accountId": tenant.account_id},
    )
    _assert_failure(wrong_scope, 403, "FORBIDDEN")
    # With good credentials the body's fault is named as before.
    bad_body = tenant.request("PUT", f"{tenant.v2}/{list_id}", json={"name": 5})
    assert bad_body.status_code == 400 and bad_body.json()["errors"][0]["field"] == "name"


def test_token_for_another_stream_account_or_scope_is_403(server: Server, tenant: Tenant) -> None:
    other_stream = make_tenant(server, account_id=tenant.account_id)
    response = tenant.http.get(
        f"{other_stream.v2}/getAllListDetails",
        headers={"auth": tenant.token(), "accountId": tenant.account_id},
    )
    _assert_failure(response, 403, "FORBIDDEN")
    _assert_failure(_get_lists(tenant, auth=tenant.token(), accountId="0" * 24), 403, "FORBIDDEN")
    crm_only = make_tenant(server, scopes=["configuration"])
    _assert_failure(crm_only.request("GET", f"{crm_only.v2}/getAllListDetails"), 403, "FORBIDDEN")
    _assert_failure(
        _get_lists(tenant, auth=tenant.token(), iid="st-somewhere-else"), 403, "FORBIDDEN"
    )


def test_account_id_rules(tenant: Tenant) -> None:
    token = tenant.token()
    url = f"{tenant.v2}/getAllListDetails"
    missing = tenant.http.get(url, headers={"auth": token})
    _assert_failure(missing, 400, "VALIDATION_ERROR")
    assert missing.json()["errors"][0]["field"] == "accountId"
    differing = tenant.http.get(
        url, params={"accountId": tenant.account_id}, headers={"auth": token, "accountId": "x1"}
    )
    _assert_failure(differing, 400, "VALIDATION_ERROR")
    query_only = tenant.http.get(
        url, params={"accountId": tenant.account_id}, headers={"auth": token}
    )
    assert query_only.status_code == 200
    lower = tenant.http.get(url, headers={"auth": token, "accountid": tenant.account_id})
    assert lower.status_code == 200
    same_iid = tenant.http.get(
        url, headers={"auth": token, "accountId": tenant.account_id, "iid": tenant.stream_id}
    )
    assert same_iid.status_code == 200


@pytest.mark.parametrize("path", ["getAllListDetails", "x/getAllContacts"])
def test_enforced_jti_is_single_use(server: Server, path: str) -> None:
    strict = make_tenant(server, enforce_jti=True)
    url = f"{strict.v2}/{path}"
    token = strict.token()
    headers = {"auth": token, "accountId": strict.account_id}
    first = strict.http.get(url, headers=headers)
    assert first.status_code in (200, 404), first.text
    _assert_failure(strict.http.get(url, headers=headers), 401, "UNAUTHORIZED")
    no_jti = jwt.encode({"appId": strict.client_id}, strict.client_secret, algorithm="HS256")
    _assert_failure(
        strict.http.get(url, headers={"auth": no_jti, "accountId": strict.account_id}),
        401,
        "UNAUTHORIZED",
    )
