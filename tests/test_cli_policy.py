"""``dialist policy show|set`` and ``dialist attempts add|ls`` as a user runs them: a subprocess
speaking HTTP to a real server through the SDK; what was stored is then read through the API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server, sqlite_only
from tests.test_cli_data import Cli, _clean_environ, _clean_failure, _make_cli

# The CLI talks HTTP: one backend is enough (see tests/conftest.py sqlite_only).
backend = pytest.fixture(scope="session", params=["sqlite"])(sqlite_only)

NUMBER = "+14155552671"


@pytest.fixture
def cli(server: Server) -> Cli:
    return _make_cli(server)


def _ok(cli: Cli, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "dialist", *args],
        env={**_clean_environ(), **cli.env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _api(cli: Cli, path: str) -> Any:
    base = f"/campaign/api/v2/public/{cli.http.stream_id}/campaign"
    response = cli.http.request("GET", base + path)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_stream_policy_show_and_set_by_flags_and_file(cli: Cli, tmp_path: Path) -> None:
    shown = _ok(cli, "policy", "show")
    assert f"calling policy of stream {cli.http.stream_id}" in shown
    assert "08:00 to 21:00" in shown and "mon tue wed thu fri sat sun" in shown

    flags = (
        "--window", "09:00-17:00", "--days", "mon,tue,wed,thu,fri", "--cap", "3/24",
        "--cap", "10/168", "--end-buffer", "15", "--no-jurisdiction-rules",
    )  # fmt: skip
    out = _ok(cli, "policy", "set", *flags)
    assert "09:00 to 17:00" in out and "3 in 24 h, 10 in 168 h" in out
    stored = _api(cli, "/callingPolicy")
    assert stored["window"] == {"start": "09:00", "end": "17:00"}
    assert stored["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert stored["attemptCaps"] == [{"max": 3, "withinHours": 24}, {"max": 10, "withinHours": 168}]
    assert (stored["endBufferMinutes"], stored["jurisdictionRules"]) == (15, False)

    # Flags change the current policy: one end of the window, the rest kept.
    _ok(cli, "policy", "set", "--window", "-20:00", "--holidays", "2026-12-25")
    stored = _api(cli, "/callingPolicy")
    assert stored["window"] == {"start": "09:00", "end": "20:00"}
    assert stored["holidays"] == ["2026-12-25"] and stored["endBufferMinutes"] == 15

    # A file is the whole policy (what it leaves out takes its default), flags on top.
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps({"days": ["sat", "sun"]}), encoding="utf-8")
    printed = json.loads(_ok(cli, "policy", "set", str(policy_file), "--no-caps", "--json"))
    stored = _api(cli, "/callingPolicy")
    assert printed == stored
    assert stored["days"] == ["sat", "sun"] and stored["attemptCaps"] == []
    assert stored["window"] == {"start": "08:00", "end": "21:00"}
    assert stored["holidays"] == [] and stored["jurisdictionRules"] is True


def test_list_override_set_from_stdin_show_and_clear(cli: Cli) -> None:
    contact_list = cli.http.create_list("Renewals")
    path = f"/contactList/{contact_list['_id']}/callingPolicy"
    assert "no override: the stream's policy applies" in _ok(
        cli, "policy", "show", "--list", "renewals"
    )

    body = json.dumps({"days": ["mon"], "window": {"end": "18:00"}})
    _ok(cli, "policy", "set", "-", "--list", "Renewals", "--window", "10:00-", stdin=body)
    answer = _api(cli, path)
    assert answer["override"] == {"window": {"start": "10:00", "end": "18:00"}, "days": ["mon"]}
    assert answer["effective"]["window"] == {"start": "10:00", "end": "18:00"}

    # Flags alone change keys of the current override and keep the others.
    shown = _ok(cli, "policy", "set", "--list", contact_list["_id"], "--end-buffer", "5")
    assert "override of days, endBufferMinutes, window" in shown
    assert "5 min before the window closes  (list)" in shown
    assert _api(cli, path)["override"]["days"] == ["mon"]

    cleared = json.loads(_ok(cli, "policy", "set", "--list", "Renewals", "--clear", "--json"))
    assert cleared["override"] is None and _api(cli, path)["override"] is None


def test_policy_usage_and_server_errors_are_one_clean_line(cli: Cli, tmp_path: Path) -> None:
    cli.http.create_list("Usage")
    before = _api(cli, "/callingPolicy")
    _clean_failure(cli.run("policy", "set"), 2, "nothing to set")
    _clean_failure(cli.run("policy", "set", "--clear"), 2, "--list")
    _clean_failure(
        cli.run("policy", "set", "-l", "Usage", "--clear", "--days", "mon"), 2, "--clear"
    )
    _clean_failure(cli.run("policy", "set", "--cap", "3"), 2, "MAX/HOURS")
    _clean_failure(cli.run("policy", "set", "--window", "0900"), 2, "START-END")
    not_json = tmp_path / "bad.json"
    not_json.write_text("{", encoding="utf-8")
    _clean_failure(cli.run("policy", "set", str(not_json)), 2, "not JSON")
    _clean_failure(cli.run("policy", "set", str(tmp_path / "nope.json")), 2, "no such file")
    _clean_failure(cli.run("policy", "set", "--window", "25:00-10:00"), 2, "window.start", "400")
    _clean_failure(cli.run("policy", "set", "--days", "someday"), 2, "days", "400")
    _clean_failure(cli.run("policy", "show", "--list", "No such list"), 2, "no contact list")
    assert _api(cli, "/callingPolicy") == before  # nothing stored by any of them


def test_attempts_add_and_ls(cli: Cli) -> None:
    contact_list = cli.http.create_list("Calls")
    contact_id = cli.http.add(contact_list["_id"], [{"phoneNumber": NUMBER}])["results"][0]["_id"]
    where = ("--list", "Calls", "--contact", contact_id)

    out = _ok(cli, "attempts", "add", *where, "--outcome", "noAnswer", "--note", "rang out")
    assert out.startswith("recorded ca-") and f"noAnswer  {NUMBER}  rang out" in out
    opted = json.loads(
        _ok(cli, "attempts", "add", *where, "--outcome", "optOut", "--at", "2026-01-05T10:00:00Z",
            "--json")
    )  # fmt: skip
    assert (opted["outcome"], opted["at"], opted["e164"]) == (
        "optOut", "2026-01-05T10:00:00.000Z", NUMBER,
    )  # fmt: skip
    said = _ok(cli, "attempts", "add", *where, "--outcome", "optOut")
    assert "is now on the stream's DNC list Opt-outs" in said

    listed = _ok(cli, "attempts", "ls", *where).splitlines()
    assert len(listed) == 3 and "optOut" in listed[0] and listed[2].startswith(opted["_id"])
    lines = _ok(cli, "attempts", "ls", *where, "--json", "--limit", "2").splitlines()
    assert [json.loads(line)["outcome"] for line in lines] == ["optOut", "noAnswer"]
    dnc = _api(cli, "/dncList")
    assert [d["name"] for d in dnc] == ["Opt-outs"] and dnc[0]["entryCount"] == 1

    _clean_failure(cli.run("attempts", "ls", "--list", "Calls", "--contact", "cc-nope"), 2, "404")
    _clean_failure(
        cli.run("attempts", "add", *where, "--outcome", "optOut", "--at", "yesterday"), 2, "400"
    )
    assert "no attempts" in _ok(
        cli, "attempts", "ls", "--list", "Calls", "--contact", _second_contact(cli, contact_list)
    )


def _second_contact(cli: Cli, contact_list: dict[str, Any]) -> str:
    added = cli.http.add(contact_list["_id"], [{"phoneNumber": "+14155552672"}])
    contact_id: str = added["results"][0]["_id"]
    return contact_id
