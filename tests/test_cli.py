"""The CLI, run as a user runs it: a subprocess against a real database and a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server, start_server


def dialist(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIALIST_DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run(
        [sys.executable, "-m", "dialist", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def cli_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("cli"))
    yield running
    running.stop()


def _db(server: Server) -> Path:
    return Path(server.database_url.removeprefix("sqlite:///"))


def test_apps_create_token_and_a_real_request(cli_server: Server) -> None:
    created = dialist(
        _db(cli_server), "apps", "create", "--account-id", "67777ce93e25326494e0cccc",
        "--stream-id", "st-cli", "--name", "cli", "--json",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    app = json.loads(created.stdout)
    assert app["clientId"].startswith("cs-") and len(app["clientSecret"]) >= 43
    assert app["scopes"] == ["campaign_management", "configuration"]
    token = dialist(
        _db(cli_server),
        "token",
        "--client-id",
        app["clientId"],
        "--client-secret",
        app["clientSecret"],
    )
    assert token.returncode == 0, token.stderr
    response = httpx.get(
        f"{cli_server.url}/campaign/api/v2/public/st-cli/campaign/contactList/getAllListDetails",
        headers={"auth": token.stdout.strip(), "accountId": "67777ce93e25326494e0cccc"},
    )
    assert response.status_code == 200, response.text
    listed = dialist(_db(cli_server), "apps", "list", "--json")
    assert app["clientId"] in {a["clientId"] for a in json.loads(listed.stdout)}


def test_link_and_unlink_campaign(cli_server: Server) -> None:
    app = json.loads(
        dialist(
            _db(cli_server),
            "apps",
            "create",
            "--account-id",
            "acc-link",
            "--stream-id",
            "st-link",
            "--json",
        ).stdout
    )
    token = dialist(
        _db(cli_server),
        "token",
        "--client-id",
        app["clientId"],
        "--client-secret",
        app["clientSecret"],
    ).stdout.strip()
    headers = {"auth": token, "accountId": "acc-link"}
    base = f"{cli_server.url}/campaign/api/v2/public/st-link/campaign/contactList"
    created = httpx.post(
        f"{base}/createContactList",
        headers=headers,
        json={"name": "Linked", "description": "", "source": "passiveApi"},
    ).json()["data"]
    scope = ["--account-id", "acc-link", "--stream-id", "st-link", "--list-id", created["_id"]]
    linked = dialist(
        _db(cli_server),
        "lists",
        "link-campaign",
        *scope,
        "--campaign-id",
        "cd-1",
        "--campaign-name",
        "Spring",
    )
    assert linked.returncode == 0, linked.stderr
    details = httpx.get(f"{base}/{created['_id']}", headers=headers).json()["data"]
    assert details["campaignInUse"] == [{"id": "cd-1", "name": "Spring"}] and details["isListInUse"]
    assert httpx.delete(f"{base}/{created['_id']}", headers=headers).status_code == 409
    unlinked = dialist(_db(cli_server), "lists", "unlink-campaign", *scope, "--campaign-id", "cd-1")
    assert unlinked.returncode == 0, unlinked.stderr
    assert httpx.delete(f"{base}/{created['_id']}", headers=headers).status_code == 200


def test_bad_inputs_fail_cleanly(tmp_path: Path) -> None:
    database = tmp_path / "cli.db"
    for args in [
        ("apps", "create", "--account-id", "bad id!", "--stream-id", "st-1"),
        ("apps", "create", "--account-id", "a", "--stream-id", "st-1", "--scope", "everything"),
        ("token", "--client-id", "cs-1", "--client-secret", "s", "--alg", "none"),
        ("lists", "link-campaign", "--account-id", "a", "--stream-id", "s", "--list-id", "cl-x",
         "--campaign-id", "cd-1", "--campaign-name", "n"),
        ("apps", "create"),
    ]:  # fmt: skip
        result = dialist(database, *args)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr + result.stdout, args


def test_db_upgrade_is_idempotent_and_demo_prints_curl_lines(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    assert dialist(database, "db", "upgrade").returncode == 0
    assert dialist(database, "db", "upgrade").returncode == 0
    first = dialist(database, "demo", "--port", "8123")
    second = dialist(database, "demo", "--port", "8123")
    assert first.returncode == 0 and second.returncode == 0, first.stderr
    curls = [line for line in first.stdout.splitlines() if line.strip().startswith("curl ")]
    assert len(curls) == 2 and "getAllContacts" in curls[1] and "auth: ey" in curls[0]
    list_id = curls[0].split("/contactList/")[1].split("?")[0]
    assert list_id in second.stdout  # the same demo list, not a second one
