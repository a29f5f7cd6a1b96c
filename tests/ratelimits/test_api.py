"""Rate limits over HTTP: 429 with Retry-After in the failure envelope on every kind of route
(the getAllContacts fast lane included), per app, shared by two server processes over one
database, set from the CLI, and documented in the OpenAPI document (both backends)."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from dialist import publicids
from dialist.auth import service as auth
from dialist.auth.models import App
from tests.conftest import Server, Tenant, start_server
from tests.test_cli import dialist

LIMIT = 30


def _tenant(server: Server, per_minute: int | None) -> Tenant:
    """An app with its own rate limit (``None``: the server's default)."""
    database = server.database()
    try:
        app = auth.create_app(
            database,
            account_id="acct" + str(time.monotonic_ns())[-12:],
            stream_ids=["st-limits"],
            rate_limit_per_minute=per_minute,
        )
    finally:
        database.dispose()
    return _as_tenant(server, app)


def _as_tenant(server: Server, app: App) -> Tenant:
    return Tenant(
        server=server,
        client_id=app.client_id,
        client_secret=app.client_secret,
        account_id=app.account_id,
        stream_id=app.stream_ids[0],
        http=server.client(),
    )


class Outcomes:
    """Each answer's status, with the minutes (Unix time // 60) in which it was surely decided:
    sent and answered within the same minute."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.accepted_by_minute: Counter[int] = Counter()
        self.refusals: list[httpx.Response] = []
        self.answers: list[httpx.Response] = []

    def record(self, sent: float, response: httpx.Response) -> None:
        answered = time.time()
        with self.lock:
            self.statuses[response.status_code] += 1
            self.answers.append(response)
            if response.status_code == 429:
                self.refusals.append(response)
            elif sent // 60 == answered // 60:
                self.accepted_by_minute[int(sent // 60)] += 1


def _call(tenant: Tenant, outcomes: Outcomes, method: str, path: str, **kwargs: object) -> None:
    sent = time.time()
    outcomes.record(sent, tenant.request(method, path, **kwargs))  # type: ignore[arg-type]


def _assert_refused_well(outcomes: Outcomes, per_minute: int) -> None:
    """Some 429s, each the failure envelope with Retry-After; within any one minute no more
    than the limit accepted."""
    assert outcomes.refusals, outcomes.statuses
    for refused in outcomes.refusals:
        body = refused.json()
        assert body["status"] == "failure"
        assert body["errors"][0]["code"] == "RATE_LIMITED"
        assert f"{per_minute} requests a minute" in body["message"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert max(outcomes.accepted_by_minute.values(), default=0) <= per_minute


def test_an_app_past_its_limit_gets_429_on_every_kind_of_route(server: Server) -> None:
    limited = _tenant(server, LIMIT)
    listed = limited.create_list()  # one request of its minute
    outcomes = Outcomes()
    pages = f"{limited.v2}/{listed['_id']}/getAllContacts"
    for turn in range(3 * LIMIT):  # 3x the limit: at least one minute gets more than it
        if turn % 3 == 0:
            _call(limited, outcomes, "GET", pages)  # the fast lane
        elif turn % 3 == 1:
            _call(limited, outcomes, "GET", f"{limited.v2}/{listed['_id']}")
        else:
            body = {"contacts": [{"phoneNumber": f"+1415555{turn:04d}"}]}
            _call(limited, outcomes, "POST", f"{limited.v2}/{listed['_id']}/contacts", json=body)
    assert set(outcomes.statuses) == {200, 429}, outcomes.statuses
    _assert_refused_well(outcomes, LIMIT)
    paths = {refused.request.url.path for refused in outcomes.refusals}
    assert pages in paths and f"{limited.v2}/{listed['_id']}" in paths
    # A POST refused wrote nothing: the list holds one contact per POST answered 200.
    posts = [r for r in outcomes.answers if r.request.method == "POST"]
    assert _contacts_in(server, listed["_id"]) == sum(r.status_code == 200 for r in posts)


def _contacts_in(server: Server, list_id: str) -> int:
    database = server.database()
    try:
        with database.read() as conn:
            return int(
                conn.execute(
                    sa.text("SELECT count(*) FROM contacts WHERE list_id = :id"),
                    {"id": publicids.decode("cl", list_id)},
                ).scalar_one()
            )
    finally:
        database.dispose()


def test_limits_are_per_app(server: Server) -> None:
    limited, unlimited = _tenant(server, 3), _tenant(server, 0)
    # 7 requests: even split over two minutes, one of them gets more than 3
    statuses = [
        limited.request("GET", limited.v2 + "/getAllListDetails").status_code for _ in range(7)
    ]
    assert 429 in statuses and set(statuses) == {200, 429}, statuses
    for _ in range(20):  # another app on the same server is not limited
        assert unlimited.request("GET", unlimited.v2 + "/getAllListDetails").status_code == 200


def test_the_default_limit_comes_from_settings(
    server_factory: Callable[..., Server],
) -> None:
    limited_server = server_factory({"DIALIST_RATE_LIMIT_PER_MINUTE": "4"})
    by_default, own = _tenant(limited_server, None), _tenant(limited_server, 0)
    outcomes = Outcomes()
    for _ in range(12):
        _call(by_default, outcomes, "GET", by_default.v2 + "/getAllListDetails")
    _assert_refused_well(outcomes, 4)
    for _ in range(12):  # an app's own limit (0: none) beats the default
        assert own.request("GET", own.v2 + "/getAllListDetails").status_code == 200


def test_bad_credentials_are_answered_before_the_limit(server: Server) -> None:
    limited = _tenant(server, 1)
    for _ in range(4):
        answer = limited.request("GET", limited.v2 + "/getAllListDetails", headers={"auth": "x"})
        assert answer.status_code == 401


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


def test_two_servers_share_one_budget(two_servers: tuple[Server, Server]) -> None:
    """Four clients, two on each server process, hammer one app: within any one minute the
    two processes together accept no more than the limit (the counter is in the database)."""
    first, second = two_servers
    per_minute = 60
    owner = _tenant(first, per_minute)
    listed = owner.create_list()
    clients = [owner, owner, *(_moved(owner, second) for _ in range(2))]
    outcomes = Outcomes()

    def hammer(tenant: Tenant) -> None:
        pages = f"{tenant.v2}/{listed['_id']}/getAllContacts"
        for turn in range(per_minute):
            path = pages if turn % 2 else f"{tenant.v2}/{listed['_id']}"
            _call(tenant, outcomes, "GET", path)

    threads = [threading.Thread(target=hammer, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(outcomes.statuses) == {200, 429}, outcomes.statuses
    _assert_refused_well(outcomes, per_minute)
    per_server = Counter(r.request.url.port for r in outcomes.refusals)
    assert len(per_server) == 2  # both processes refused: each saw the shared budget spent


def _moved(tenant: Tenant, server: Server) -> Tenant:
    return Tenant(
        server=server,
        client_id=tenant.client_id,
        client_secret=tenant.client_secret,
        account_id=tenant.account_id,
        stream_id=tenant.stream_id,
        http=server.client(),
    )


def test_every_api_operation_documents_429(server: Server) -> None:
    document = httpx.get(server.url + "/openapi.json").json()
    operations = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation["responses"]
            if not path.startswith(("/campaign/", "/agentassist/", "/api/")):
                assert "429" not in responses, path
                continue
            operations += 1
            answer = responses["429"]
            assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer", path
            schema = answer["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Failure"}, path
    assert operations > 40


def test_cli_sets_an_apps_limit(server: Server) -> None:
    created = dialist(
        server.database_url, "apps", "create", "--account-id", "acct-cli-limits",
        "--stream-id", "st-cli", "--rate-limit", "2", "--json",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    app = httpx.Response(200, content=created.stdout).json()
    assert app["rateLimitPerMinute"] == 2
    database = server.database()
    try:
        with database.read() as conn:
            from dialist.auth import store

            found = store.app_by_client_id(conn, client_id=app["clientId"])
    finally:
        database.dispose()
    assert found is not None
    tenant = _as_tenant(server, found)
    statuses = [
        tenant.request("GET", tenant.v2 + "/getAllListDetails").status_code for _ in "abcdef"
    ]
    assert 429 in statuses
    cleared = dialist(
        server.database_url, "apps", "update", app["clientId"], "--rate-limit", "default", "--json"
    )
    assert cleared.returncode == 0, cleared.stderr
    assert httpx.Response(200, content=cleared.stdout).json()["rateLimitPerMinute"] is None
    listed = dialist(server.database_url, "apps", "list")
    assert "rate-limit=default" in listed.stdout
    none = dialist(server.database_url, "apps", "update", app["clientId"], "--rate-limit", "0")
    assert none.returncode == 0 and "rate limit none" in none.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["update", "cs-nobody", "--rate-limit", "5"], ["no app", "cs-nobody"]),
        (["update", "cs-nobody", "--rate-limit", "lots"], ["--rate-limit", "whole number"]),
        (["update", "cs-nobody", "--rate-limit", "-3"], ["rateLimitPerMinute", "between"]),
        (
            ["create", "--account-id", "a1", "--stream-id", "st-1", "--rate-limit", "-1"],
            ["rateLimitPerMinute"],
        ),
    ],
)
def test_cli_refuses_bad_limits(server: Server, args: list[str], words: list[str]) -> None:
    result = dialist(server.database_url, "apps", *args)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    for word in words:
        assert word.lower() in output.lower(), output


def test_retry_after_counts_to_the_minutes_end(server: Server) -> None:
    limited = _tenant(server, 1)
    answers = []
    for _ in range(3):
        sent = time.time()
        answers.append((sent, limited.request("GET", limited.v2 + "/getAllListDetails")))
    refused = [(sent, r) for sent, r in answers if r.status_code == 429]
    assert refused
    for sent, answer in refused:
        end = (sent // 60 + 1) * 60
        # decided between sending and now: Retry-After is the rest of that minute, rounded up
        assert int(answer.headers["retry-after"]) <= max(1, math.ceil(end - sent))
