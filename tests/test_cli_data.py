"""The data commands (import, export, imports …) run as a user runs them: a subprocess speaking
HTTP to a real server through the SDK; then the data is checked through the HTTP API."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server, Tenant, free_port, sqlite_only

# The CLI talks HTTP: one backend is enough (see tests/conftest.py sqlite_only).
backend = pytest.fixture(scope="session", params=["sqlite"])(sqlite_only)

CONNECTION_ENV = ("URL", "CLIENT_ID", "CLIENT_SECRET", "ACCOUNT_ID", "STREAM_ID")


@dataclass
class Cli:
    """An app created by ``dialist apps create``, the env naming it, and an HTTP client."""

    tenant: Tenant | None
    env: dict[str, str]

    @property
    def http(self) -> Tenant:
        """The tenant, for checking the data through the HTTP API."""
        assert self.tenant is not None, "an offline CLI has no server"
        return self.tenant

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dialist", *args],
            env={**_clean_environ(), **self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "dialist", *args],
            env={**_clean_environ(), **self.env, "PYTHONFAULTHANDLER": "1"},
            # As a shell starts it: Ctrl-C not ignored, whatever this test process inherited.
            preexec_fn=_default_sigint,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def contacts(self, list_id: str) -> list[dict[str, Any]]:
        tenant = self.http
        response = tenant.request(
            "GET", f"{tenant.v2}/{list_id}/getAllContacts?limit=1000&include=phone"
        )
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["data"]["results"]
        return results

    def jobs(self, list_id: str) -> list[dict[str, Any]]:
        response = self.http.request("GET", f"{self.http.v2}/{list_id}/imports")
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["data"]["results"]
        return results


def _clean_environ() -> dict[str, str]:
    """The test process's env without any DIALIST_ connection setting of the developer's."""
    return {
        k: v for k, v in os.environ.items() if k not in {f"DIALIST_{n}" for n in CONNECTION_ENV}
    }


def _make_cli(server: Server) -> Cli:
    account, stream = uuid.uuid4().hex[:24], f"st-{uuid.uuid4()}"
    created = subprocess.run(
        [sys.executable, "-m", "dialist", "apps", "create", "--account-id", account,
         "--stream-id", stream, "--json"],
        env={**os.environ, "DIALIST_DATABASE_URL": server.database_url},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    app = json.loads(created.stdout)
    tenant = Tenant(
        server=server,
        client_id=app["clientId"],
        client_secret=app["clientSecret"],
        account_id=account,
        stream_id=stream,
        http=server.client(),
    )
    env = {
        "DIALIST_URL": server.url,
        "DIALIST_CLIENT_ID": app["clientId"],
        "DIALIST_CLIENT_SECRET": app["clientSecret"],
        "DIALIST_ACCOUNT_ID": account,
        "DIALIST_STREAM_ID": stream,
    }
    return Cli(tenant, env)


@pytest.fixture
def cli(server: Server) -> Cli:
    return _make_cli(server)


@pytest.fixture(scope="module")
def offline_cli() -> Cli:
    """Credentials that look right and a URL where nothing listens: for checks that must fail
    before, or at, connecting (they do not depend on the server's backend)."""
    env = {
        "DIALIST_URL": f"http://127.0.0.1:{free_port()}",
        "DIALIST_CLIENT_ID": "cs-offline",
        "DIALIST_CLIENT_SECRET": "s" * 64,
        "DIALIST_ACCOUNT_ID": "acc-offline",
        "DIALIST_STREAM_ID": "st-offline",
    }
    return Cli(None, env)


def _clean_failure(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    """The exit code, a message saying what is wrong, and no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert "Traceback" not in output and 'File "' not in output, output
    # Click's error box wraps long messages (a temporary path's length varies): read it unwrapped.
    flat = " ".join(output.replace("│", " ").split()).lower()
    for word in words:
        assert word.lower() in flat, (word, output)


CONTACTS = [
    {"phoneNumber": "+14155552671", "firstName": "Ada", "note": "two\nlines"},
    {"phoneNumber": "+442071838750", "firstName": "Grace", "note": "=1+1"},
    {"phoneNumber": "12", "firstName": "Bad"},
]


def test_export_csv_and_ndjson(cli: Cli, tmp_path: Path) -> None:
    created = cli.http.create_list("Export Me")
    cli.http.add(created["_id"], CONTACTS)
    stored = cli.contacts(created["_id"])

    out = tmp_path / "out.csv"
    result = cli.run("export", "--list", "export me", "--format", "csv", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "wrote 3 contacts" in result.stdout and str(out) in result.stdout
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [row["_id"] for row in rows] == [c["_id"] for c in stored]
    assert rows[0]["note"] == "two\nlines" and rows[1]["note"] == "'=1+1"
    assert rows[2]["_phone.valid"].lower() == "false"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no partial file left

    # NDJSON to stdout, the connection given as options instead of the environment.
    options = [
        f"--{name.lower().replace('_', '-')}={cli.env['DIALIST_' + name]}"
        for name in CONNECTION_ENV
    ]
    result = cli.run(
        "export", "--list", created["_id"], "--format", "ndjson", "-o", "-", *options,
        env={f"DIALIST_{n}": "" for n in CONNECTION_ENV},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == stored
    assert "wrote 3 contacts" in result.stderr  # stdout holds only the data


def test_export_of_an_unknown_list(cli: Cli, tmp_path: Path) -> None:
    result = cli.run("export", "--list", "Nowhere", "-o", str(tmp_path / "x.csv"))
    _clean_failure(result, 2, "Nowhere", "404")
    assert list(tmp_path.iterdir()) == []


def test_downloads_keep_what_they_would_replace_until_they_succeed(
    cli: Cli, tmp_path: Path
) -> None:
    created = cli.http.create_list("Kept")
    cli.http.add(created["_id"], CONTACTS)
    kept = tmp_path / "kept.csv"
    kept.write_text("keep\n")
    kept.chmod(0o640)
    # An unknown job: the report that would replace the file fails before writing anything.
    for output in (str(kept), "-"):
        failed = cli.run("imports", "results", "ij-nope", "--list", "Kept", "-o", output)
        _clean_failure(failed, 2, "not found")
        assert failed.stdout == ""  # not even a header on stdout
    assert kept.read_text() == "keep\n"
    # A directory is refused before the download.
    for args in (("export", "--list", "Kept"), ("imports", "results", "ij-1", "--list", "Kept")):
        refused = cli.run(*args, "-o", str(tmp_path))
        _clean_failure(refused, 2, "is a directory")
    # A replaced file keeps its mode; a new one gets the umask's (not the temporary file's 0600).
    assert cli.run("export", "--list", "Kept", "-o", str(kept)).returncode == 0
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text() != "keep\n"
    fresh = tmp_path / "fresh.csv"
    assert cli.run("export", "--list", "Kept", "-o", str(fresh)).returncode == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.csv", "kept.csv"]


def test_a_closed_port_is_a_clean_error(offline_cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_text("phone\n+14155552671\n")
    url = f"http://127.0.0.1:{free_port()}"
    for args in (
        ("export", "--list", "x", "-o", str(tmp_path / "x.csv")),
        ("import", str(data), "--list", "x"),
        ("imports", "status", "ij-1", "--list", "x"),
    ):
        result = offline_cli.run(*args, "--url", url)
        _clean_failure(result, 2, "cannot reach", url)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
    missing = offline_cli.run("export", "--list", "x", "-o", "-", env={"DIALIST_CLIENT_SECRET": ""})
    _clean_failure(missing, 2, "--client-secret", "DIALIST_CLIENT_SECRET")


def test_bad_credentials_are_a_clean_401(cli: Cli, tmp_path: Path) -> None:
    result = cli.run("export", "--list", "x", "-o", "-", "--client-secret", "x" * 64)
    _clean_failure(result, 2, "401", "UNAUTHORIZED")
    assert result.stdout == ""


def _write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SMALL = [
    "Phone,First Name,External ID",
    "+14155552671,Ada,C-1",
    "12,Bad,C-2",
    "+1 415 555 2671,Ada again,C-3",
    "+442071838750,Grace,C-4",
]


def test_import_then_results(cli: Cli, tmp_path: Path) -> None:
    created = cli.http.create_list("Imports Here")
    data = _write_csv(tmp_path / "may.csv", SMALL)
    result = cli.run("import", str(data), "--list", "imports here")
    assert result.returncode == 0, result.stdout + result.stderr
    job_id = re.search(r"import (ij-\S+) succeeded", result.stdout)
    assert job_id, result.stdout
    job = job_id.group(1)
    assert "4 read of 4" in result.stdout
    assert "2 added · 1 duplicate · 1 invalid" in result.stdout
    results_path = f"{cli.http.v2}/{created['_id']}/imports/{job}/results"
    assert cli.env["DIALIST_URL"] + results_path in result.stdout
    assert f"dialist imports results {job} --list 'imports here'" in result.stdout
    stored = cli.contacts(created["_id"])
    assert [c["firstName"] for c in stored] == ["Ada", "Grace"]

    invalid = cli.run("imports", "results", job, "--list", "Imports Here", "--status", "invalid")
    assert invalid.returncode == 0, invalid.stderr
    report = list(csv.DictReader(io.StringIO(invalid.stdout)))
    assert len(report) == 1 and report[0]["row"] == "2" and report[0]["line"] == "3"
    assert report[0]["code"] == "INVALID_PHONE_NUMBER" and report[0]["uniqueId"] == "C-2"
    assert "wrote 1 row to" in invalid.stderr

    full = cli.run(
        "imports", "results", job, "--list", created["_id"], "-o", str(tmp_path / "r.csv")
    )
    assert full.returncode == 0, full.stderr
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert [r["status"] for r in rows] == ["added", "invalid", "duplicate", "added"]
    assert rows[2]["duplicateOfRow"] == "1" and rows[2]["duplicateOfContact"] == stored[0]["_id"]
    as_ndjson = cli.run("imports", "results", job, "--list", created["_id"], "--format", "ndjson")
    assert [json.loads(x)["row"] for x in as_ndjson.stdout.splitlines()] == [1, 2, 3, 4]

    status = cli.run("imports", "status", job, "--list", created["_id"], "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["counts"]["added"] == 2
    listed = cli.run("imports", "list", "--list", created["_id"])
    assert listed.returncode == 0 and job in listed.stdout and "succeeded" in listed.stdout


def test_dry_run_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    created = cli.http.create_list()
    data = _write_csv(tmp_path / "dry.csv", SMALL)
    result = cli.run("import", str(data), "--list", created["_id"], "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dry run" in result.stdout and "2 added" in result.stdout
    assert cli.contacts(created["_id"]) == []


def test_import_options_no_wait_and_json(cli: Cli, tmp_path: Path) -> None:
    created = cli.http.create_list()
    data = _write_csv(
        tmp_path / "data.txt", ["Mobile;Name;Ref", "020 7183 8750;Ada;R-1", "020 7183 8750;Bo;R-2"]
    )
    result = cli.run(
        "import", str(data), "--list", created["_id"], "--no-wait", "--json",
        "--format", "csv", "--map", "phoneNumber=Mobile", "--map", "uniqueId=Ref",
        "--delimiter", ";", "--dedupe", "uniqueId", "--invalid-phones", "flag",
        "--default-region", "GB", "--encoding", "utf-8",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    job = json.loads(result.stdout)
    assert job["status"] in ("queued", "running", "succeeded")
    assert job["mapping"]["phoneNumber"] == "Mobile" and job["delimiter"] == ";"
    assert (job["dedupe"], job["invalidPhones"], job["defaultRegion"]) == ("uniqueId", "flag", "GB")
    deadline = time.monotonic() + 60
    while cli.jobs(created["_id"])[0]["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    stored = cli.contacts(created["_id"])
    assert [c["_phone"]["e164"] for c in stored] == ["+442071838750", "+442071838750"]


def test_a_failed_job_exits_1_and_says_why(cli: Cli, tmp_path: Path) -> None:
    created = cli.http.create_list()
    data = _write_csv(tmp_path / "nophone.csv", ["name,plan", "Ada,gold"])
    result = cli.run("import", str(data), "--list", created["_id"])
    _clean_failure(result, 1, "failed", "NO_PHONE_COLUMN")
    assert "per-row report" not in result.stdout  # no row was read: there is none


def test_cancel_and_undo(cli: Cli, tmp_path: Path) -> None:
    created = cli.http.create_list()
    data = _write_csv(tmp_path / "in.csv", SMALL)
    done = cli.run("import", str(data), "--list", created["_id"], "--json")
    job = json.loads(done.stdout)["_id"]
    late = cli.run("imports", "cancel", job, "--list", created["_id"])
    _clean_failure(late, 2, "409", "JOB_FINISHED")
    undone = cli.run("imports", "undo", job, "--list", created["_id"])
    assert undone.returncode == 0, undone.stderr
    assert "2 contacts removed" in undone.stdout
    assert cli.contacts(created["_id"]) == []
    again = cli.run("imports", "undo", job, "--list", created["_id"])
    _clean_failure(again, 2, "JOB_NOT_UNDOABLE")


def test_bad_usage_is_exit_2(offline_cli: Cli, tmp_path: Path) -> None:
    data = _write_csv(tmp_path / "in.csv", SMALL)
    for args, words in [
        (("import", str(tmp_path / "missing.csv"), "--list", "x"), ["does not exist"]),
        (("import", str(data), "--list", "x", "--map", "phoneNumber"), ["FIELD=COLUMN"]),
        (("import", str(data), "--list", "x", "--dedupe", "email"), ["--dedupe"]),
        (("import", str(data)), ["--list"]),
        (("export", "--list", "x", "--format", "xlsx", "-o", "-"), ["--format"]),
        (("export", "--list", "x", "-o", str(tmp_path / "no" / "x.csv")), ["no such directory"]),
        (("imports", "results", "ij-1", "--list", "x", "--status", "odd"), ["--status"]),
        # Refused before any connection, so before a large file would be uploaded.
        (("import", str(data), "--list", "x", "--delimiter", "::"), ["--delimiter"]),
        (("import", str(data), "--list", "x", "--encoding", "klingon"), ["--encoding"]),
        (("import", str(data), "--list", "x", "--default-region", "USA"), ["--default-region"]),
        (("import", str(data), "--list", "x", "--map", "email=Mail"), ["--map", "'email'"]),
    ]:  # fmt: skip
        _clean_failure(offline_cli.run(*args), 2, *words)


def _default_sigint() -> None:
    """In the child before exec: SIGINT neither ignored nor blocked (both are inherited)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def test_ctrl_c_while_following_cancels_the_job(
    server_factory: Callable[..., Server], tmp_path: Path
) -> None:
    slow = server_factory(
        {"DIALIST_IMPORT_CHUNK_ROWS": "1", "DIALIST_IMPORT_COMMIT_ROWS": "1"}
    )  # a commit per row: a slow job
    cli = _make_cli(slow)
    created = cli.http.create_list()
    lines = ["phoneNumber,firstName", *(f"+1415{2000000 + n:07d},P{n}" for n in range(20_000))]
    data = _write_csv(tmp_path / "slow.csv", lines)
    process = cli.popen("import", str(data), "--list", created["_id"])
    try:
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline and process.poll() is None
            jobs = cli.jobs(created["_id"])
            if jobs and jobs[0]["status"] == "running" and jobs[0]["counts"]["read"] > 0:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # the CLI is following by now
        process.send_signal(signal.SIGINT)
        try:
            stdout, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            # Its signal masks, and where each of its threads waits (PYTHONFAULTHANDLER dumps
            # them on SIGABRT).
            masks = [
                line
                for line in Path(f"/proc/{process.pid}/status").read_text().splitlines()
                if line.startswith(("SigIgn", "SigCgt", "SigBlk"))
            ]
            process.send_signal(signal.SIGABRT)
            stdout, stderr = process.communicate(timeout=30)
            raise AssertionError(f"the CLI did not end after Ctrl-C: {masks}\n{stderr}") from None
    finally:
        process.kill()
    assert process.returncode == 1, stdout + stderr
    assert "Traceback" not in stderr
    assert "asking the server to cancel" in stderr and "cancelled" in stdout
    job = cli.jobs(created["_id"])[0]
    assert job["status"] == "cancelled" and job["counts"]["read"] < 20_000
