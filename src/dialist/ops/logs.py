"""Log lines of the ``dialist`` loggers: text (logfmt) or JSON, one line each, on stderr.

Every line carries its time (UTC, milliseconds, ``Z``), level, logger and message; structured
fields given as ``extra={"fields": {...}}`` follow the message (``key=value`` in text, members
in JSON), and a line logged while a request is served carries that request's id.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from contextvars import ContextVar
from typing import Any, Literal

import msgspec

LOGGER = "dialist"
# The request being served in this context (set by the request middleware).
REQUEST_ID: ContextVar[str | None] = ContextVar("dialist_request_id", default=None)

_json = msgspec.json.Encoder()
_BARE = re.compile(r"[A-Za-z0-9_./:{}@+=,-]+")


_second: list[Any] = [None, ""]  # the last second formatted, and its text


def _timestamp(created: float) -> str:
    seconds = int(created)
    if _second[0] != seconds:
        _second[:] = [seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))]
    return f"{_second[1]}.{int((created - seconds) * 1000):03d}Z"


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = getattr(record, "fields", None) or {}
    if "request_id" not in fields:
        request_id = REQUEST_ID.get()
        if request_id is not None:
            fields = {**fields, "request_id": request_id}
    return fields


def _logfmt(value: object) -> str:
    """A value as logfmt writes it: bare when it is safe, else a JSON string."""
    if value is None:
        return "-"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return text if _BARE.fullmatch(text) else _json.encode(text).decode()


class TextFormatter(logging.Formatter):
    """``2025-12-05T10:30:57.258Z INFO dialist.access request method=GET status=200 …``"""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_timestamp(record.created), record.levelname, record.name, record.getMessage()]
        parts += [f"{key}={_logfmt(value)}" for key, value in _fields(record).items()]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``{"ts","level","logger","message","pid", …fields}``."""

    def __init__(self) -> None:
        super().__init__()
        self.pid = os.getpid()  # made in the process that logs (configure runs in each)

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": self.pid,
            **_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _json.encode(line).decode()


def configure(log_format: Literal["text", "json"], level: str = "INFO") -> None:
    """Send the ``dialist`` loggers' lines to stderr in ``log_format`` (idempotent: a second
    call replaces the first one's handler)."""
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if getattr(h, "dialist", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.dialist = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
