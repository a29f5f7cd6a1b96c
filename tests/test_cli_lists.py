"""``dialist lists ls|create|show|delete``, ``dialist reset``, ``serve --fixtures``, and the
import progress at 80 and 60 columns: the CLI run as a user runs it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from dialist.cli.progress import JobProgress
from dialist.client import ImportJob
from tests.conftest import Server, Tenant, free_port, make_tenant, sqlite_only

# The CLI talks HTTP: one backend is enough (see tests/conftest.py sqlite_only).
backend = pytest.fixture(scope="session", params=["sqlite"])(sqlite_only)

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "ci-fixtures.yaml"


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dialist", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


def _env(tenant: Tenant) -> dict[str, str]:
    return {
        "DIALIST_URL": tenant.server.url,
        "DIALIST_CLIENT_ID": tenant.client_id,
        "DIALIST_CLIENT_SECRET": tenant.client_secret,
        "DIALIST_ACCOUNT_ID": tenant.account_id,
        "DIALIST_STREAM_ID": tenant.stream_id,
        "DIALIST_DATABASE_URL": tenant.server.database_url,
    }


def test_lists_ls_create_show_delete(server: Server) -> None:
    tenant = make_tenant(server)
    env = _env(tenant)
    assert run("lists", "ls", env=env).stdout.strip() == "no contact lists"
    created = run("lists", "create", "Spring", "--description", "May", "--json", env=env)
    assert created.returncode == 0, created.stderr
    list_id = json.loads(created.stdout)["_id"]
    tenant.add(list_id, [{"phoneNumber": "+14155552671"}])
    listed = run("lists", "ls", env=env)
    assert listed.stdout.split() == [list_id, "Spring", "1", "contact", "Ready"]
    shown = run("lists", "show", "spring", env=env)
    assert shown.returncode == 0 and f"_id               {list_id}" in shown.stdout
    assert json.loads(run("lists", "show", list_id, "--json", env=env).stdout)["name"] == "Spring"
    taken = run("lists", "create", "SPRING", env=env)
    assert taken.returncode == 2 and "DUPLICATE_NAME" in taken.stderr
    assert "Traceback" not in taken.stderr
    refused = run("lists", "delete", "Spring", env=env, stdin="n\n")
    assert refused.returncode == 1 and json.loads(run("lists", "ls", "--json", env=env).stdout)
    deleted = run("lists", "delete", "Spring", "--yes", env=env)
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(run("lists", "ls", "--json", env=env).stdout) == []
    missing = run("lists", "show", "Spring", env=env)
    assert missing.returncode == 2 and "NOT_FOUND" in missing.stderr


def test_reset_command_wipes_one_tenant(server: Server) -> None:
    tenant, bystander = make_tenant(server), make_tenant(server)
    tenant.add(tenant.create_list("Mine")["_id"], [{"phoneNumber": "+14155552671"}])
    bystander.create_list("Theirs")
    args = ["--account-id", tenant.account_id, "--stream-id", tenant.stream_id, "--json"]
    env = {"DIALIST_DATABASE_URL": server.database_url}
    asked = run("reset", *args, env=env, stdin="n\n")
    assert asked.returncode == 1 and "Remove all data" in asked.stdout
    done = run("reset", *args, "--yes", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["removed"]["contactLists"] == 1 and result["removed"]["contacts"] == 1
    assert result["fixtures"] is None
    answer = tenant.request("GET", f"{tenant.v2}/getAllListDetails")
    assert answer.status_code == 200 and answer.json()["data"] == []  # credentials still work
    theirs = bystander.request("GET", f"{bystander.v2}/getAllListDetails").json()["data"]
    assert [item["name"] for item in theirs] == ["Theirs"]


def test_serve_refuses_a_bad_fixture_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apps:\n  - clientId: cs-x\n    clientSecret: short\n")
    database = f"sqlite:///{tmp_path / 'd.db'}"
    result = run(
        "serve", "--port", str(free_port()), "--fixtures", str(bad),
        env={"DIALIST_DATABASE_URL": database},
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "accountId" in result.stderr and "Traceback" not in result.stderr


def test_serve_loads_fixtures_and_their_credentials_work(
    server_factory: Callable[..., Server],
) -> None:
    running = server_factory(env={"DIALIST_FIXTURES": str(EXAMPLE)})
    log = running.log_path.read_text()
    assert "apps cs-ci-app created" in log and "list Renewals created, 2 contacts" in log
    tenant = Tenant(
        running, "cs-ci-app", "ci-secret-0123456789abcdef0123456789abcdef",
        "67777ce93e25326494e0aaaa", "st-0603182c-7ffb-53c3-b307-47ca14b0aaaa", running.client(),
    )  # fmt: skip
    names = run("lists", "ls", env=_env(tenant)).stdout
    assert "Renewals  2 contacts" in names and "Empty list  0 contacts" in names


_JOB: ImportJob = {  # type: ignore[typeddict-item]
    "_id": "ij-1",
    "status": "running",
    "counts": {"total": 1_000_000, "read": 420_000, "added": 413_610, "duplicate": 4_200,
               "invalid": 2_190},
    "rowsPerSecond": 16_800.0,
}  # fmt: skip


@pytest.mark.parametrize("width", [60, 80, 120])
def test_import_progress_is_readable_at_narrow_widths(width: int) -> None:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    progress = JobProgress(console)
    task = progress.add_task("queued", total=None)
    progress.show(task, _JOB)
    console.print(progress.get_renderable())
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 2 and all(len(line) <= width for line in lines), lines
    assert "running" in lines[0] and "420,000/1,000,000" in lines[0] and "━" in lines[0]
    assert "413,610 added" in lines[1] and "2,190 invalid" in lines[1] and "…" not in lines[1]
    assert "4,200 dup" in lines[1] and "16,800" in lines[1]
