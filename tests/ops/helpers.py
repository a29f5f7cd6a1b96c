"""Reading what a server wrote: its log lines (JSON or logfmt) and its metrics scrape."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Server

_LOGFMT = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
_TEXT_LINE = re.compile(r"^(\S+Z) (DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+) (\S+)(.*)$")


def _whole_lines(server: Server) -> list[str]:
    """The server's output lines; a last line it is still writing (no newline yet) is left
    for the next read."""
    return server.log_path.read_text().split("\n")[:-1]


def json_lines(server: Server) -> list[dict[str, Any]]:
    """Every JSON object line of the server's output (Granian's own lines are not JSON)."""
    return [json.loads(line) for line in _whole_lines(server) if line.startswith("{")]


def text_lines(server: Server) -> list[dict[str, Any]]:
    """Every dialist text line, as ``{"ts","level","logger","message", …fields}``."""
    found = []
    for line in _whole_lines(server):
        match = _TEXT_LINE.match(line)
        if match is None:
            continue
        ts, level, logger, message, rest = match.groups()
        fields: dict[str, Any] = {"ts": ts, "level": level, "logger": logger, "message": message}
        for key, value in _LOGFMT.findall(rest):
            fields[key] = json.loads(value) if value.startswith('"') else value
        found.append(fields)
    return found


def wait_for(
    read: Callable[[], list[dict[str, Any]]], match: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The first line ``match`` accepts, waiting a little for the server to write it (a line
    is written once its answer was sent, so it may trail the client's read)."""
    deadline = time.monotonic() + 10
    while True:
        for line in read():
            if match(line):
                return line
        if time.monotonic() > deadline:
            raise AssertionError("no such log line")
        time.sleep(0.05)


def scrape(
    client: httpx.Client, **headers: str
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """``GET /metrics`` as ``{(sample name, labels): value}``."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    """A sample's value (0 when the series does not exist yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)
