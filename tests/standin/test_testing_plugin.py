"""The pytest plugin ``dialist.testing`` (entry point ``pytest11``), used as a user's suite
uses it: its fixtures here, and in a separate pytest run with a fixture file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx

from dialist.client import Client
from dialist.testing import DialistServer

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "ci-fixtures.yaml"


def test_the_fixtures_give_a_server_credentials_and_a_client(
    dialist_server: DialistServer, dialist_client: Client
) -> None:
    assert httpx.get(dialist_server.url + "/healthz").json() == {"status": "ok"}
    created = dialist_client.create_list("From the plugin")
    dialist_client.add_contacts(created["_id"], [{"phoneNumber": "+14155552671"}])
    page = httpx.get(
        f"{dialist_server.url}/campaign/api/v2/public/{dialist_server.stream_id}/campaign/"
        f"contactList/{created['_id']}/getAllContacts",
        headers=dialist_server.headers,
    )
    assert page.json()["data"]["totalResults"] == 1


def test_dialist_clean_starts_from_nothing(dialist_clean: Client) -> None:
    assert dialist_clean.lists() == []


def test_a_suite_with_a_fixture_file(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(f"[pytest]\ndialist_fixtures = {EXAMPLE}\n")
    (tmp_path / "test_kore_client.py").write_text(
        textwrap.dedent(
            """
            def test_fixture_state(dialist_server, dialist_clean):
                assert dialist_server.client_id == "cs-ci-app"
                names = sorted(item["name"] for item in dialist_clean.lists())
                assert names == ["Empty list", "Renewals"]
                renewals = dialist_clean.find_list("renewals")
                assert len(list(dialist_clean.iter_contacts(renewals["_id"]))) == 2
                dialist_clean.delete_list(renewals["_id"])

            def test_reset_brings_the_fixtures_back(dialist_clean):
                assert len(dialist_clean.lists()) == 2
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
