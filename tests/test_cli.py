"""The CLI, run as a user runs it: a subprocess against a real database and a real server."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server, start_server


def dialist(
    database: Path | str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI on a SQLite file (a path) or on any database URL (a string)."""
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    full_env = {**os.environ, "DIALIST_DATABASE_URL": url, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dialist", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Non-zero exit, a message saying what is wrong, and no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output and 'File "' not in output, output
    assert output.strip(), "no message"
    for word in words:
        assert word.lower() in output.lower(), (word, output)


@pytest.fixture(scope="module")
def cli_server(
    tmp_path_factory: pytest.TempPathFactory, new_database_url: Callable[[Path], str | None]
) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("cli")
    running = start_server(tmp, database_url=new_database_url(tmp))
    yield running
    running.stop()


def _db(server: Server) -> str:
    """The server's database URL: the admin commands run beside the same database."""
    return server.database_url


def _create_app(database: Path | str, account: str, stream: str, *extra: str) -> dict[str, Any]:
    created = dialist(
        database, "apps", "create", "--account-id", account, "--stream-id", stream, "--json", *extra
    )
    assert created.returncode == 0, created.stderr
    app: dict[str, Any] = json.loads(created.stdout)
    return app


def _token(database: Path | str, app: dict[str, Any], *extra: str) -> str:
    result = dialist(
        database,
        "token",
        "--client-id",
        app["clientId"],
        "--client-secret",
        app["clientSecret"],
        *extra,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _jwt_part(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def test_apps_create_token_and_a_real_request(cli_server: Server) -> None:
    app = _create_app(
        _db(cli_server), "67777ce93e25326494e0cccc", "st-cli", "--name", "cli", "--stream-id",
        "st-cli-2",
    )  # fmt: skip
    assert app["clientId"].startswith("cs-") and len(app["clientSecret"]) >= 43
    assert app["accountId"] == "67777ce93e25326494e0cccc" and app["name"] == "cli"
    assert app["streamIds"] == ["st-cli", "st-cli-2"]
    assert app["scopes"] == ["campaign_management", "configuration"]
    assert app["userId"].startswith("u-") and app["enforceJti"] is False
    token = _token(_db(cli_server), app)
    assert token.count(".") == 2 and "\n" not in token
    assert _jwt_part(token, 0)["alg"] == "HS256"
    claims = _jwt_part(token, 1)
    assert claims["appId"] == app["clientId"] and claims["exp"] > claims["iat"]
    for stream in ("st-cli", "st-cli-2"):
        response = httpx.get(
            f"{cli_server.url}/campaign/api/v2/public/{stream}/campaign/contactList/getAllListDetails",
            headers={"auth": token, "accountId": "67777ce93e25326494e0cccc"},
        )
        assert response.status_code == 200, response.text
    # HS512 and a token without exp are accepted too.
    for extra in (("--alg", "HS512"), ("--expires-in", "0")):
        other = _token(_db(cli_server), app, *extra)
        response = httpx.get(
            f"{cli_server.url}/campaign/api/v2/public/st-cli/campaign/contactList/getAllListDetails",
            headers={"auth": other, "accountId": "67777ce93e25326494e0cccc"},
        )
        assert response.status_code == 200, (extra, response.text)
    assert "exp" not in _jwt_part(_token(_db(cli_server), app, "--expires-in", "0"), 1)
    listed = dialist(_db(cli_server), "apps", "list", "--json")
    assert listed.returncode == 0
    assert app["clientId"] in {a["clientId"] for a in json.loads(listed.stdout)}
    human = dialist(_db(cli_server), "apps", "list")
    assert app["clientId"] in human.stdout


def test_token_reads_the_client_from_the_environment(cli_server: Server) -> None:
    app = _create_app(_db(cli_server), "acc-env", "st-env")
    result = dialist(
        _db(cli_server),
        "token",
        env={"DIALIST_CLIENT_ID": app["clientId"], "DIALIST_CLIENT_SECRET": app["clientSecret"]},
    )
    assert result.returncode == 0, result.stderr
    response = httpx.get(
        f"{cli_server.url}/campaign/api/v2/public/st-env/campaign/contactList/getAllListDetails",
        headers={"auth": result.stdout.strip(), "accountId": "acc-env"},
    )
    assert response.status_code == 200
    # A token signed with the wrong secret is refused by the server.
    wrong = dialist(
        _db(cli_server), "token", "--client-id", app["clientId"], "--client-secret", "x" * 64
    )
    refused = httpx.get(
        f"{cli_server.url}/campaign/api/v2/public/st-env/campaign/contactList/getAllListDetails",
        headers={"auth": wrong.stdout.strip(), "accountId": "acc-env"},
    )
    assert refused.status_code == 401


def test_link_and_unlink_campaign(cli_server: Server) -> None:
    app = _create_app(_db(cli_server), "acc-link", "st-link")
    headers = {"auth": _token(_db(cli_server), app), "accountId": "acc-link"}
    base = f"{cli_server.url}/campaign/api/v2/public/st-link/campaign/contactList"
    created = httpx.post(
        f"{base}/createContactList",
        headers=headers,
        json={"name": "Linked", "description": "", "source": "passiveApi"},
    ).json()["data"]
    scope = ["--account-id", "acc-link", "--stream-id", "st-link", "--list-id", created["_id"]]
    linked = dialist(
        _db(cli_server), "lists", "link-campaign", *scope,
        "--campaign-id", "cd-1", "--campaign-name", "Spring",
    )  # fmt: skip
    assert linked.returncode == 0, linked.stderr
    assert "cd-1" in linked.stdout and "Linked" in linked.stdout
    details = httpx.get(f"{base}/{created['_id']}", headers=headers).json()["data"]
    assert details["campaignInUse"] == [{"id": "cd-1", "name": "Spring"}]
    assert details["isListInUse"] is True
    assert re.fullmatch(
        r"u-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", details["updatedBy"]
    )
    refused = httpx.delete(f"{base}/{created['_id']}", headers=headers)
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "LIST_IN_USE"
    assert httpx.get(f"{base}/{created['_id']}", headers=headers).status_code == 200
    # A bad campaign id, or a list of another stream, is refused cleanly.
    bad = dialist(
        _db(cli_server), "lists", "link-campaign", *scope,
        "--campaign-id", "cd-a/b", "--campaign-name", "x",
    )  # fmt: skip
    _clean_failure(bad, "campaign id")
    elsewhere = [*scope[:2], "--stream-id", "st-other", *scope[4:]]
    other_stream = dialist(
        _db(cli_server), "lists", "link-campaign", *elsewhere,
        "--campaign-id", "cd-2", "--campaign-name", "x",
    )  # fmt: skip
    _clean_failure(other_stream, "not found")
    unlinked = dialist(_db(cli_server), "lists", "unlink-campaign", *scope, "--campaign-id", "cd-1")
    assert unlinked.returncode == 0, unlinked.stderr
    details = httpx.get(f"{base}/{created['_id']}", headers=headers).json()["data"]
    assert details["campaignInUse"] == [] and details["isListInUse"] is False
    again = dialist(_db(cli_server), "lists", "unlink-campaign", *scope, "--campaign-id", "cd-1")
    _clean_failure(again, "not linked")
    assert httpx.delete(f"{base}/{created['_id']}", headers=headers).status_code == 200


def test_bad_inputs_fail_cleanly(tmp_path: Path) -> None:
    database = tmp_path / "cli.db"
    for args, words in [
        (("apps", "create", "--account-id", "bad id!", "--stream-id", "st-1"), ["accountId"]),
        (("apps", "create", "--account-id", "a", "--stream-id", ""), ["streamId"]),
        (("apps", "create", "--account-id", "a", "--stream-id", "st-1", "--scope", "everything"),
         ["scope"]),
        (("apps", "create"), ["--account-id"]),
        (("token", "--client-id", "cs-1", "--client-secret", "s", "--alg", "none"), ["HS256"]),
        (("token", "--client-id", "cs-1"), ["--client-secret"]),
        (("token", "--client-id", "cs-1", "--client-secret", "s", "--expires-in", "-5"),
         ["--expires-in"]),
        (("lists", "link-campaign", "--account-id", "a", "--stream-id", "s", "--list-id", "cl-x",
          "--campaign-id", "cd-1", "--campaign-name", "n"), ["not found"]),
        (("lists", "unlink-campaign", "--account-id", "a", "--stream-id", "s", "--list-id",
          "cl-x", "--campaign-id", "cd-1"), ["not found"]),
        (("lists", "link-campaign", "--account-id", "a"), ["missing"]),
        (("demo", "--port", "notanint"), ["--port"]),
        (("no-such-command",), ["no such command"]),
        (("db", "upgrade", "--database-url", "nonsense://x"), ["database"]),
        (("db", "upgrade", "--database-url", "mysql://u@h/x"), ["unsupported database URL"]),
        (("db", "upgrade", "--database-url", f"sqlite:///{tmp_path}/no/such/dir/x.db"),
         ["database"]),
    ]:  # fmt: skip
        _clean_failure(dialist(database, *args), *words)
    unused = tmp_path / "serve.db"
    # A port in use, even by a listener that shares it (SO_REUSEPORT, as Granian's workers do):
    # the second server would otherwise start and take a share of the first one's connections.
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        _clean_failure(dialist(unused, "serve", "--port", port), "cannot listen", port)
    for args, words in [
        (("serve", "--port", "99999"), ["--port"]),
        (("serve", "--workers", "0"), ["--workers"]),
        (("serve", "--host", "no-such-host.invalid"), ["cannot listen"]),
    ]:
        _clean_failure(dialist(unused, *args), *words)
    assert not unused.exists()  # nothing was migrated for a server that could not start
    # No help text or error leaks the secret of a database URL.
    leaked = dialist(
        database, "apps", "list", "--database-url", "postgresql://u:hunter2@127.0.0.1:1/x"
    )
    _clean_failure(leaked, "database")
    assert "hunter2" not in leaked.stdout + leaked.stderr


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    database = tmp_path / "upgrade.db"
    first = dialist(database, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    app = _create_app(database, "acc-up", "st-up")
    second = dialist(database, "db", "upgrade")
    assert second.returncode == 0 and "up to date" in second.stdout
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        versions = list(conn.execute("SELECT version_num FROM alembic_version"))
    assert {"contact_lists", "contacts", "apps", "tenants"} <= tables
    assert len(versions) == 1
    listed = json.loads(dialist(database, "apps", "list", "--json").stdout)
    assert [a["clientId"] for a in listed] == [app["clientId"]]  # data kept


def test_demo_prints_curl_lines_that_work(tmp_path: Path) -> None:
    database = tmp_path / "dialist.db"  # the file start_server will use
    first = dialist(database, "demo", "--port", "8123")
    second = dialist(database, "demo", "--port", "8123")
    assert first.returncode == 0 and second.returncode == 0, first.stderr
    curls = [line.strip() for line in first.stdout.splitlines() if line.strip().startswith("curl ")]
    assert len(curls) == 2 and "getAllContacts" in curls[1] and "auth: ey" in curls[0]
    assert all("http://127.0.0.1:8123/" in line for line in curls)
    list_id = curls[0].split("/contactList/")[1].split("?")[0]
    assert list_id in second.stdout  # the same demo list, not a second one
    running = start_server(tmp_path)
    try:
        for line, check in zip(curls, ("_id", "results"), strict=True):
            words = shlex.split(line)
            url = next(w for w in words if w.startswith("http"))
            headers = dict(
                words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "--header"
            )
            response = httpx.get(url.replace("http://127.0.0.1:8123", running.url), headers=headers)
            assert response.status_code == 200, response.text
            assert check in response.json()["data"]
        page = httpx.get(
            next(w for w in shlex.split(curls[1]) if w.startswith("http")).replace(
                "http://127.0.0.1:8123", running.url
            ),
            headers=dict(
                w.split(": ", 1) for w in shlex.split(curls[1]) if ": " in w and "http" not in w
            ),
        ).json()["data"]
        assert page["totalResults"] == 3  # seeded once, not twice
    finally:
        running.stop()
