"""``dialist dnc …`` and ``dialist callable`` as a user runs them: a subprocess speaking HTTP to
a real server through the SDK; the data is then checked through the HTTP API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Server, sqlite_only
from tests.test_cli_data import Cli, _clean_failure, _make_cli

# The CLI talks HTTP: one backend is enough (see tests/conftest.py sqlite_only).
backend = pytest.fixture(scope="session", params=["sqlite"])(sqlite_only)

NOON_NY = "2026-06-03T16:00:00Z"  # a Wednesday, 12:00 in New York
LATE_NY = "2026-06-04T03:00:00Z"  # 23:00 in New York
CALL_ME, BLOCKED, OTHER = "+12125550101", "+12125550102", "+12125550199"


@pytest.fixture
def cli(server: Server) -> Cli:
    return _make_cli(server)


def _ok(cli: Cli, *args: str) -> str:
    result = cli.run(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_dnc_lists_entries_check_and_export(cli: Cli, tmp_path: Path) -> None:
    created = json.loads(_ok(cli, "dnc", "create", "Blocked", "--json"))
    assert created["_id"].startswith("dn-") and created["scope"] == "stream"

    numbers = tmp_path / "numbers.txt"
    numbers.write_text(f"{BLOCKED}\n\n# a comment\nabc\n", encoding="utf-8")
    added = _ok(cli, "dnc", "add", "Blocked", OTHER, "--file", str(numbers), "--reason", "asked")
    assert "2 added · 0 updated · 1 invalid" in added
    assert "invalid  abc: NOT_A_NUMBER" in added
    again = json.loads(_ok(cli, "dnc", "add", created["_id"], "(212) 555-0199", "--json"))
    assert (again["added"], again["updated"], again["invalid"]) == (0, 1, 0)

    listed = _ok(cli, "dnc", "ls")
    assert f"{created['_id']}  Blocked  stream  2 entries" in listed

    lines = _ok(cli, "dnc", "entries", "Blocked", "--json").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["phoneNumber"] for e in entries] == [OTHER, BLOCKED]
    assert entries[1]["reason"] == "asked" and entries[0]["reason"] is None  # replaced
    assert BLOCKED in _ok(cli, "dnc", "entries", "Blocked")

    checked = _ok(cli, "dnc", "check", BLOCKED, CALL_ME, "nope").splitlines()
    assert checked[0].startswith(f"{BLOCKED}  {BLOCKED}  blocked  Blocked ({created['_id']}")
    assert checked[1] == f"{CALL_ME}  {CALL_ME}  not blocked"
    assert checked[2] == "nope  not a number"

    out = tmp_path / "dnc.csv"
    _ok(cli, "dnc", "export", "Blocked", "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["phoneNumber"] for r in rows] == [OTHER, BLOCKED]
    assert [r["_id"] for r in rows] == [e["_id"] for e in entries]
    streamed = cli.run("dnc", "export", "Blocked", "-o", "-", "--format", "ndjson")
    assert [json.loads(line)["_id"] for line in streamed.stdout.splitlines()] == [
        e["_id"] for e in entries
    ]
    assert "wrote 2 entries to stdout" in streamed.stderr

    removed = _ok(cli, "dnc", "rm", "Blocked", "212-555-0199", entries[1]["_id"], "de-nope")
    assert "2 deleted · 1 not found · 0 invalid" in removed
    assert "notFound  de-nope" in removed
    base = f"/campaign/api/v2/public/{cli.http.stream_id}/campaign/dncList/{created['_id']}"
    assert cli.http.request("GET", base).json()["data"]["entryCount"] == 0


def test_callable_inside_and_outside_the_window(cli: Cli, tmp_path: Path) -> None:
    contact_list = cli.http.create_list("Calls")
    added = cli.http.add(contact_list["_id"], [{"phoneNumber": n} for n in (CALL_ME, BLOCKED)])
    ids = [r["_id"] for r in added["results"]]
    _ok(cli, "dnc", "create", "Calls DNC", "--scope", "contactList", "--list", "Calls")
    _ok(cli, "dnc", "add", "Calls DNC", BLOCKED)
    checked = _ok(cli, "dnc", "check", BLOCKED, "--list", "Calls", "--at", NOON_NY)
    assert "blocked  Calls DNC" in checked

    noon = cli.run("callable", "--list", "Calls", "--at", NOON_NY)
    assert noon.returncode == 0, noon.stderr
    contacts = [json.loads(line) for line in noon.stdout.splitlines()]
    assert [c["_id"] for c in contacts] == [ids[0]]  # not the number on the DNC list
    assert contacts[0]["_contactability"]["windowClosesAt"].startswith("2026-06-04T01:00")
    assert "wrote 1 callable contact to stdout" in noon.stderr

    out = tmp_path / "callable.csv"
    _ok(cli, "callable", "--list", contact_list["_id"], "--at", NOON_NY, "-o", str(out))
    (row,) = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))
    assert (row["_id"], row["phoneNumber"], row["timeZones"]) == (
        ids[0],
        CALL_ME,
        "America/New_York",
    )

    late = cli.run("callable", "--list", "Calls", "--at", LATE_NY)
    assert late.returncode == 0 and late.stdout == "", late.stderr
    assert "wrote 0 callable contacts" in late.stderr

    _clean_failure(cli.run("callable", "--list", "Calls", "--at", "noon"), 2, "HTTP 400")
    _clean_failure(cli.run("callable", "--list", "Nope"), 2, "no contact list", "HTTP 404")
    _clean_failure(cli.run("dnc", "add", "Nope", CALL_ME), 2, "no DNC list", "HTTP 404")
    _clean_failure(cli.run("dnc", "add", "Calls DNC"), 2, "--file")


def test_dnc_import_follow_report_undo_and_export(cli: Cli, tmp_path: Path) -> None:
    created = json.loads(_ok(cli, "dnc", "create", "Filed", "--json"))
    _ok(cli, "dnc", "add", "Filed", BLOCKED, "--reason", "before")
    source = tmp_path / "numbers.csv"
    source.write_text(f"phone,reason\n{BLOCKED},again\n{OTHER},new\nnope,\n", encoding="utf-8")
    done = cli.run("dnc", "import", str(source), "--dnc-list", "Filed", "--format", "csv")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded" in done.stdout
    assert "3 read of 3 · 1 added · 1 updated · 1 invalid" in done.stdout
    job_id = done.stdout.split()[2]
    assert job_id.startswith("dj-") and f"import-results {job_id} --dnc-list Filed" in done.stdout

    report = _ok(cli, "dnc", "import-results", job_id, "-d", created["_id"], "--status", "invalid")
    rows = list(csv.DictReader(io.StringIO(report)))
    assert [(r["row"], r["status"]) for r in rows] == [("3", "invalid")]
    assert rows[0]["errors"].startswith("NOT_A_NUMBER (phoneNumber)")

    out = tmp_path / "filed.ndjson"
    _ok(cli, "dnc", "export", "Filed", "-o", str(out))
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(e["phoneNumber"], e["reason"]) for e in exported] == [
        (BLOCKED, "again"), (OTHER, "new"),
    ]  # fmt: skip

    undone = _ok(cli, "dnc", "import-undo", job_id, "--dnc-list", "Filed")
    assert "1 removed, 1 restored" in undone
    status = json.loads(_ok(cli, "dnc", "import-status", job_id, "--dnc-list", "Filed", "--json"))
    assert status["undo"]["removed"] == 1
    again = cli.run("dnc", "import-undo", job_id, "--dnc-list", "Filed")
    assert again.returncode == 2 and "JOB_NOT_UNDOABLE" in again.stderr
    left = json.loads(_ok(cli, "dnc", "entries", "Filed", "--json"))
    assert (left["phoneNumber"], left["reason"]) == (BLOCKED, "before")

    failed = tmp_path / "bad.csv"
    failed.write_text("name\nAda\n", encoding="utf-8")
    bad = cli.run("dnc", "import", str(failed), "--dnc-list", "Filed")
    assert bad.returncode == 1 and "NO_PHONE_COLUMN" in bad.stdout
    missing = cli.run("dnc", "import", str(failed), "--dnc-list", "No such list")
    assert missing.returncode == 2 and "no DNC list" in missing.stderr
