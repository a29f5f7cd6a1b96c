"""Real servers for the tests: ``dialist serve`` in a subprocess on a real SQLite file.

Tests talk HTTP to it with httpx. Apps (tenants) are created beside the database, as the CLI
does, through the library.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialist.auth import service as auth
from dialist.db.engine import Database
from tests.postgres import Postgres, start_postgres

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running dialist server and the database it uses."""

    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)

    def database(self) -> Database:
        return Database(self.database_url, pool_size=1)

    def kill(self) -> None:
        """SIGKILL the server and every process it started (a crash, not a shutdown)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(
    tmp: Path,
    env: dict[str, str] | None = None,
    workers: int = 1,
    database_url: str | None = None,
) -> Server:
    """Start ``dialist serve`` on a free port (a new SQLite file unless a database URL is
    given); wait until it answers."""
    port = free_port()
    database_url = database_url or f"sqlite:///{tmp / 'dialist.db'}"
    full_env = {**os.environ, "DIALIST_DATABASE_URL": database_url, **(env or {})}
    log_path = tmp / "server.log"
    log = log_path.open("wb")
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
            "--workers",
            str(workers),
        ],
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp,
        start_new_session=True,  # its own process group, so kill() reaches its workers
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return Server(url, database_url, process, log_path, env or {})
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not start: {log_path.read_text()}")


BACKENDS = ["sqlite", "postgresql"]
# The test files that take longest (fuzzing, crash recovery), slowest first: under `-n 2 --dist
# loadfile` a long file started last leaves the other worker idle for its whole length.
SLOW_FILES = (
    "test_schema_fuzz.py",
    "test_dnc_fuzz.py",
    "test_scrub.py",
    "test_crash.py",
    "test_cli.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow files first, slowest first; the others' tests in their order."""
    slow = {name: rank for rank, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: slow.get(item.path.name, len(slow)))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One PostgreSQL server for the session (started only when a test needs it)."""
    # Not under pytest's temp folder: the server's user must be able to reach its data.
    running = start_postgres(Path(tempfile.mkdtemp(prefix="dialist-pg-")))
    yield running
    running.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Every test that talks to a server runs once per backend."""
    name: str = request.param
    return name


def sqlite_only(request: pytest.FixtureRequest) -> str:
    """For a test module that drives the server over HTTP only (the CLI): bound as that
    module's ``backend`` fixture, its tests run on SQLite alone; the API's own tests hold the
    two backends to the same answers."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def new_database_url(backend: str, request: pytest.FixtureRequest) -> Callable[[Path], str | None]:
    """Makes the URL of a new, empty database of the session's backend (None: SQLite file)."""
    if backend == "sqlite":
        return lambda _tmp: None
    running: Postgres = request.getfixturevalue("postgres")
    return lambda _tmp: running.new_database()


@pytest.fixture(scope="session")
def shared_servers() -> Iterator[dict[str, Server]]:
    """The shared server of each backend, kept for the whole session. (The session's
    ``backend`` parameter changes at every test file under ``--dist loadfile``, and a fixture
    that depends on it is torn down at each change: starting the servers there cost every file
    two server starts.)"""
    started: dict[str, Server] = {}
    yield started
    for running in started.values():
        running.stop()


@pytest.fixture(scope="session")
def server(
    backend: str,
    shared_servers: dict[str, Server],
    tmp_path_factory: pytest.TempPathFactory,
    new_database_url: Callable[[Path], str | None],
) -> Server:
    """The shared server of the backend, with default settings (started on first use, and
    again if a test left it stopped)."""
    running = shared_servers.get(backend)
    if running is None or running.process.poll() is not None:
        tmp = tmp_path_factory.mktemp("server")
        running = shared_servers[backend] = start_server(tmp, database_url=new_database_url(tmp))
    return running


@pytest.fixture(scope="module")
def server_factory(
    tmp_path_factory: pytest.TempPathFactory, new_database_url: Callable[[Path], str | None]
) -> Iterator[Callable[..., Server]]:
    """Start extra servers with other settings, stopped at the end of the test file (each
    holds ~200 MB and wakes a few times a second; kept for the session, dozens piled up)."""
    started: list[Server] = []

    def make(env: dict[str, str] | None = None, workers: int = 1) -> Server:
        tmp = tmp_path_factory.mktemp("server")
        running = start_server(tmp, env, workers, database_url=new_database_url(tmp))
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


@dataclass
class Tenant:
    """An app bound to one account and stream, and a client speaking for it."""

    server: Server
    client_id: str
    client_secret: str
    account_id: str
    stream_id: str
    http: httpx.Client

    def token(self, **kwargs: Any) -> str:
        return auth.make_token(client_id=self.client_id, client_secret=self.client_secret, **kwargs)

    @property
    def headers(self) -> dict[str, str]:
        return {"auth": self.token(), "accountId": self.account_id, "iid": self.stream_id}

    @property
    def v2(self) -> str:
        return f"/campaign/api/v2/public/{self.stream_id}/campaign/contactList"

    @property
    def v1(self) -> str:
        return f"/agentassist/api/v1/public/{self.stream_id}/campaign/contactList"

    @property
    def add_contacts_path(self) -> str:
        return f"/api/1.1/public/{self.stream_id}/campaign/contactList/addContacts"

    @property
    def crm(self) -> str:
        return f"/agentassist/api/v1/public/{self.stream_id}/contacts"

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kwargs)

    def create_list(self, name: str | None = None, **body: Any) -> dict[str, Any]:
        payload = {
            "name": name or f"list {uuid.uuid4().hex[:8]}",
            "description": "test list",
            "source": "passiveApi",
            **body,
        }
        response = self.request("POST", self.v2 + "/createContactList", json=payload)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    def add(self, list_id: str, contacts: list[dict[str, Any]]) -> dict[str, Any]:
        response = self.request(
            "POST", f"{self.v2}/{list_id}/contacts", json={"contacts": contacts}
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data


def make_tenant(
    running: Server,
    *,
    account_id: str | None = None,
    stream_ids: list[str] | None = None,
    scopes: list[str] | None = None,
    enforce_jti: bool = False,
) -> Tenant:
    """Create an app (as ``dialist apps create`` does) and a client for it."""
    account = account_id or uuid.uuid4().hex[:24]
    streams = stream_ids or [f"st-{uuid.uuid4()}"]
    database = running.database()
    try:
        app = auth.create_app(
            database,
            account_id=account,
            stream_ids=streams,
            scopes=scopes,
            name="test",
            enforce_jti=enforce_jti,
        )
    finally:
        database.dispose()
    return Tenant(
        server=running,
        client_id=app.client_id,
        client_secret=app.client_secret,
        account_id=account,
        stream_id=streams[0],
        http=running.client(),
    )


@pytest.fixture
def tenant(server: Server) -> Tenant:
    """A fresh tenant on the shared server."""
    return make_tenant(server)


@pytest.fixture
def other_tenant(server: Server) -> Tenant:
    """A second, unrelated tenant on the shared server."""
    return make_tenant(server)
