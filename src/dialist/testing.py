"""A pytest plugin (entry point ``pytest11``: installed with dialist, active in any suite):
a real dialist server for the tests of a Kore.ai client, as Prism, json-server or LocalStack
serve their users (``docs/ci-standin.md``).

Fixtures:

- ``dialist_server`` (session): ``dialist serve`` on a free port with a temporary SQLite
  database, reset and fault injection on, and an app with fixed credentials; gives ``url``,
  ``client_id``, ``client_secret``, ``account_id``, ``stream_id``, ``client()``,
  ``async_client()``, ``token()`` and ``reset()``. The ini option ``dialist_fixtures`` names
  a fixture file to load too: its first app, on its first stream, is then the one used.
- ``dialist_client``: an SDK :class:`~dialist.client.Client` for that app, closed after the test.
- ``dialist_clean``: the same client, after the tenant's data was reset (its fixtures loaded
  again), so a test starts from the fixture state.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialist.auth.service import make_token
from dialist.client import AsyncClient, Client, RetryPolicy
from dialist.client.http import DEFAULT_RETRY
from dialist.standin import fixtures

_START_SECONDS = 60.0


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class DialistServer:
    """A running dialist server and the app the tests speak as."""

    url: str
    database_url: str
    client_id: str
    client_secret: str
    account_id: str
    stream_id: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def client(self, *, retry: RetryPolicy | None = None) -> Client:
        """An SDK client for the app (close it, or use it in a ``with``)."""
        return Client(
            self.url,
            self.client_id,
            self.client_secret,
            self.account_id,
            self.stream_id,
            retry=retry or DEFAULT_RETRY,
        )

    def async_client(self, *, retry: RetryPolicy | None = None) -> AsyncClient:
        """An asynchronous SDK client for the app."""
        return AsyncClient(
            self.url,
            self.client_id,
            self.client_secret,
            self.account_id,
            self.stream_id,
            retry=retry or DEFAULT_RETRY,
        )

    def token(self) -> str:
        """A JWT for the ``auth`` header, valid one hour."""
        return make_token(client_id=self.client_id, client_secret=self.client_secret)

    @property
    def headers(self) -> dict[str, str]:
        """The headers a Kore.ai client sends: ``auth``, ``accountId``, ``iid``."""
        return {"auth": self.token(), "accountId": self.account_id, "iid": self.stream_id}

    def reset(self) -> dict[str, Any]:
        """Wipe the tenant's data and load its fixtures again (``POST …/campaign/reset``);
        answers what was removed and loaded."""
        path = f"/campaign/api/v2/public/{self.stream_id}/campaign/reset"
        response = httpx.post(self.url + path, headers=self.headers, timeout=60)
        response.raise_for_status()
        data: dict[str, Any] = response.json()["data"]
        return data

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def _fixture_file(folder: Path, given: Path | None) -> tuple[Path, dict[str, Any]]:
    """The fixture file to serve, and the app the tests speak as: the given file and its
    first app, or a file of one app with new credentials made here."""
    if given is not None:
        loaded = fixtures.read(given)
        if loaded.apps:
            first = loaded.apps[0]
            return given, {
                "clientId": first.client_id,
                "clientSecret": first.client_secret,
                "accountId": first.account_id,
                "streamId": first.stream_ids[0],
            }
        raise pytest.UsageError(f"dialist_fixtures: {given} has no app for the tests to use")
    app = {
        "clientId": f"cs-{uuid.uuid4()}",
        "clientSecret": secrets.token_urlsafe(48),
        "accountId": uuid.uuid4().hex[:24],
        "streamIds": [f"st-{uuid.uuid4()}"],
        "name": "dialist.testing",
    }
    path = folder / "fixtures.json"
    path.write_text(json.dumps({"apps": [app]}))
    return path, {**app, "streamId": app["streamIds"][0]}


def start_server(
    folder: Path,
    *,
    fixture_file: Path | None = None,
    env: dict[str, str] | None = None,
    database_url: str | None = None,
) -> DialistServer:
    """Start ``dialist serve`` on a free port with reset and faults on, a new SQLite file in
    ``folder`` (unless ``database_url``), and the fixture file (or a new app); wait until it
    answers."""
    served, app = _fixture_file(folder, fixture_file)
    database_url = database_url or f"sqlite:///{folder / 'dialist.db'}"
    port = free_port()
    log_path = folder / "dialist-server.log"
    full_env = {**os.environ, **(env or {}), "DIALIST_DATABASE_URL": database_url}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dialist",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--fixtures",
                str(served),
                "--allow-reset",
                "--faults",
            ],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=folder,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dialist server exited: {log_path.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return DialistServer(
                    url=url,
                    database_url=database_url,
                    client_id=app["clientId"],
                    client_secret=app["clientSecret"],
                    account_id=app["accountId"],
                    stream_id=app["streamId"],
                    process=process,
                    log_path=log_path,
                )
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"dialist server did not start: {log_path.read_text()}")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "dialist_fixtures",
        "dialist.testing: a fixture file (YAML or JSON) the test server loads; its first app "
        "is the one the fixtures speak as",
        default="",
    )


@pytest.fixture(scope="session")
def dialist_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DialistServer]:
    """A dialist server for the session (see the module's documentation)."""
    given = str(request.config.getini("dialist_fixtures") or "")
    fixture_file = Path(request.config.rootpath, given) if given else None
    running = start_server(tmp_path_factory.mktemp("dialist"), fixture_file=fixture_file)
    yield running
    running.stop()


@pytest.fixture
def dialist_client(dialist_server: DialistServer) -> Iterator[Client]:
    """An SDK client for the server's app, closed after the test."""
    with dialist_server.client() as client:
        yield client


@pytest.fixture
def dialist_clean(dialist_server: DialistServer) -> Iterator[Client]:
    """An SDK client, after the tenant was reset to its fixtures."""
    dialist_server.reset()
    with dialist_server.client() as client:
        yield client


__all__ = ["DialistServer", "free_port", "start_server"]
