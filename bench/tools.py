"""What the benchmarks need around them: wrk, servers on loopback, a tenant, timing helpers."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from dialist.auth.service import create_app, make_token
from dialist.db.engine import Database

DATA = Path(__file__).parent / ".data"


def ensure_wrk() -> str:
    """The path of wrk, installed from Debian's archive if missing."""
    found = shutil.which("wrk")
    if found:
        return found
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=True)
        subprocess.run(install, capture_output=True, check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk could not be installed")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], log_tail: Callable[[], str] = str
) -> None:
    """Return once ``url`` answers; raise (with ``log_tail()``) if the process exits first or
    a minute passes."""
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}{log_tail()}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer") from None
            time.sleep(0.1)


@dataclass
class Figure:
    """One line of the report: a measured value against its floor, the ratio and its goal."""

    name: str
    value: str
    floor: str
    ratio: float
    goal: str
    met: bool


@contextmanager
def dialist_server(database_url: str, workers: int = 1) -> Iterator[str]:
    """``dialist serve`` on loopback over the database; yields its base URL."""
    port = free_port()
    env = {**os.environ, "DIALIST_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "dialist", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)


@contextmanager
def constant_server(body: Path) -> Iterator[str]:
    """The floor server (bench/constant_app.py) with one Granian worker."""
    port = free_port()
    env = {**os.environ, "DIALIST_BENCH_BODY": str(body)}
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--workers", "1"]
    command += ["--port", str(port), "--no-access-log", "bench.constant_app:app"]
    process = subprocess.Popen(
        command,
        env=env,
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/x", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)


@dataclass(frozen=True)
class BenchTenant:
    account_id: str
    stream_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"auth": self.token, "accountId": self.account_id}

    def prefix(self, base: str) -> str:
        return f"{base}/campaign/api/v2/public/{self.stream_id}/campaign/contactList"


def new_tenant(database_url: str) -> BenchTenant:
    """An app in the database (migrated if new) and a long-lived token for it."""
    from dialist.db.migrate import upgrade

    db = Database(database_url, pool_size=1)
    upgrade(db)
    app = create_app(db, account_id="bench000000000000000001", stream_ids=["st-bench"])
    db.dispose()
    token = make_token(client_id=app.client_id, client_secret=app.client_secret, expires_in=86_400)
    return BenchTenant(account_id=app.account_id, stream_id="st-bench", token=token)


def wrk_requests_per_second(url: str, headers: dict[str, str], seconds: int) -> float:
    """Requests per second wrk reaches (1 thread, 32 connections) against ``url``."""
    command = [ensure_wrk(), "-t1", "-c32", f"-d{seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk saw errors:\n{output}")
    found = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    if not found:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    return float(found.group(1))
