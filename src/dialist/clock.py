"""Timestamps as the Kore.ai API writes them: UTC, ISO 8601, milliseconds, ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def now_iso() -> str:
    """The current time as ``2025-12-05T10:30:57.258Z``."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
