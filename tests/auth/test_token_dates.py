"""Token dates and lifetimes, repeated credentials (issue 15, item 3): ``exp``, ``nbf`` and
``iat`` must be JSON numbers of sane size; a token may not claim to live longer than its app
allows (``maxTokenLifetime``, else DIALIST_JWT_MAX_LIFETIME_SECONDS, a day by default); an
``accountId`` given twice is a 400 on every route, the getAllContacts fast lane included."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from dialist.auth import service as auth
from dialist.errors import ValidationError
from tests.conftest import Server, Tenant

DAY = 86_400


def _signed(payload: bytes, secret: str) -> str:
    """A token over exactly these payload bytes (numbers PyJWT would not write, e.g. 1e400)."""
    return jwt.api_jws.encode(payload, secret, algorithm="HS256")


def _lists(tenant: Tenant, token: str) -> httpx.Response:
    headers = {"auth": token, "accountId": tenant.account_id}
    return tenant.http.get(f"{tenant.v2}/getAllListDetails", headers=headers)


def _page(tenant: Tenant, list_id: str, token: str) -> httpx.Response:
    headers = {"auth": token, "accountId": tenant.account_id}
    return tenant.http.get(f"{tenant.v2}/{list_id}/getAllContacts", headers=headers)


def _bad_dates(tenant: Tenant) -> dict[str, str]:
    now = int(time.time())
    secret = tenant.client_secret

    def claims(**dates: Any) -> str:
        return jwt.encode({"appId": tenant.client_id, "sub": "1", **dates}, secret, "HS256")

    def raw(text: str) -> str:
        body = f'{{"appId": "{tenant.client_id}", "sub": "1", {text}}}'
        return _signed(body.encode(), secret)

    return {
        "exp as a string": claims(iat=now, exp=str(now + 600)),
        "nbf as a string": claims(nbf=str(now - 10)),
        "iat as a string": claims(iat=str(now), exp=now + 600),
        "exp as a boolean": claims(exp=True),
        "exp null": claims(iat=now, exp=None),
        "exp 10**30": claims(exp=10**30),
        "exp 10**30 with iat": claims(iat=now, exp=10**30),
        "iat 10**30": claims(iat=10**30),
        "nbf 10**30": claims(nbf=10**30),
        "exp 1e400": raw('"exp": 1e400'),
        "exp negative": claims(exp=-5),
        "exp a year away": claims(iat=now, exp=now + 365 * DAY),
        "exp two days away, no iat": claims(exp=now + 2 * DAY),
    }


def test_bad_dates_and_long_lives_are_401(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    for name, token in _bad_dates(tenant).items():
        for answer in (_lists(tenant, token), _page(tenant, list_id, token)):
            assert answer.status_code == 401, (name, answer.text)
            body = answer.json()
            assert body["status"] == "failure" and body["errors"][0]["code"] == "UNAUTHORIZED"


def test_numeric_dates_within_the_lifetime_are_accepted(tenant: Tenant) -> None:
    now = time.time()
    secret = tenant.client_secret
    for claims in (
        {"iat": int(now), "exp": int(now) + DAY},  # exactly the default longest life
        {"iat": now, "exp": now + 600.5, "nbf": now - 1},  # fractions are NumericDates too
        {"exp": int(now) + 3600},
        {},  # no exp at all: optional in Kore's contract
    ):
        token = jwt.encode({"appId": tenant.client_id, "sub": "1", **claims}, secret, "HS256")
        assert _lists(tenant, token).status_code == 200, claims


def test_an_app_may_allow_longer_or_shorter_lives(server: Server) -> None:
    database = server.database()
    try:
        long_lived = auth.create_app(
            database, account_id="acct-long", stream_ids=["st-long"], max_token_lifetime=7 * DAY
        )
        short_lived = auth.create_app(
            database, account_id="acct-short", stream_ids=["st-short"], max_token_lifetime=600
        )
    finally:
        database.dispose()
    now = int(time.time())
    with server.client() as http:
        for app, lifetime, status in (
            (long_lived, 3 * DAY, 200),
            (long_lived, 8 * DAY, 401),
            (short_lived, 600, 200),
            (short_lived, 3600, 401),
        ):
            claims = {"appId": app.client_id, "sub": "1", "iat": now, "exp": now + lifetime}
            token = jwt.encode(claims, app.client_secret, "HS256")
            path = f"/campaign/api/v2/public/{app.stream_ids[0]}/campaign/contactList"
            answer = http.get(
                path + "/getAllListDetails", headers={"auth": token, "accountId": app.account_id}
            )
            assert answer.status_code == status, (app.max_token_lifetime, lifetime, answer.text)


def test_out_of_range_app_lifetime_is_refused(server: Server) -> None:
    database = server.database()
    try:
        for seconds in (0, 59, 31_536_001):
            with pytest.raises(ValidationError) as refused:
                auth.create_app(
                    database, account_id="a", stream_ids=["st-a"], max_token_lifetime=seconds
                )
            assert refused.value.details[0].field == "maxTokenLifetime"
    finally:
        database.dispose()


def test_cli_apps_create_takes_max_token_lifetime(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    base = [sys.executable, "-m", "dialist", "apps", "create", "--account-id", "acct"]
    base += ["--stream-id", "st-cli", "--database-url", url, "--json"]
    made = subprocess.run([*base, "--max-token-lifetime", "7200"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["maxTokenLifetime"] == 7200
    default = subprocess.run(base, capture_output=True, text=True)
    assert json.loads(default.stdout)["maxTokenLifetime"] is None
    refused = subprocess.run([*base, "--max-token-lifetime", "5"], capture_output=True, text=True)
    assert refused.returncode == 2 and "maxTokenLifetime" in refused.stderr


def test_repeated_account_id_is_400_everywhere(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    token = tenant.token()
    paths = [f"{tenant.v2}/getAllListDetails", f"{tenant.v2}/{list_id}/getAllContacts"]
    twice_in_query = f"accountId={tenant.account_id}&accountId={tenant.account_id}"
    for path in paths:
        for query, headers in (
            (twice_in_query, [("auth", token)]),
            (
                "",
                [("auth", token), ("accountId", tenant.account_id)] * 1
                + [("accountId", tenant.account_id)],
            ),
            ("", [("auth", token), ("auth", token), ("accountId", tenant.account_id)]),
        ):
            answer = tenant.http.get(f"{path}?{query}", headers=headers)
            assert answer.status_code == 400, (path, query, headers, answer.text)
            assert answer.json()["errors"][0]["field"] in ("accountId", "auth")
    # Once, as header and query alike, is fine.
    ok = tenant.http.get(
        f"{paths[0]}?accountId={tenant.account_id}",
        headers={"auth": token, "accountId": tenant.account_id},
    )
    assert ok.status_code == 200, ok.text
