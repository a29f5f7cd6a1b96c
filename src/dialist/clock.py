"""Timestamps as the Kore.ai API writes them: UTC, ISO 8601, milliseconds, ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime

from dialist.errors import ValidationError


def now_iso() -> str:
    """The current time as ``2025-12-05T10:30:57.258Z``."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


# Instants a request may name: with any UTC offset, one of these years stays a year a datetime
# holds in UTC (year 1 at +01:00 would be year 0), with room for the 14-day look ahead.
FIRST_YEAR = 2
LAST_YEAR = 9998


def parse_instant(value: str, *, field: str, naive_is_utc: bool = False) -> datetime:
    """An ISO 8601 / RFC 3339 instant sent by a client, as an aware UTC datetime; 400 naming
    ``field`` when it is not one, has no offset (unless ``naive_is_utc``), or falls outside
    the years FIRST_YEAR to LAST_YEAR."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            f"{field} must be an ISO 8601 instant with an offset or Z, e.g. 2026-01-02T03:04:05Z",
            field=field,
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        if not naive_is_utc:
            raise ValidationError(f"{field} must have an offset or Z", field=field)
        parsed = parsed.replace(tzinfo=UTC)
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ValidationError(
            f"{field} must be an instant of the years {FIRST_YEAR:04d} to {LAST_YEAR}",
            field=field,
        )
    return parsed.astimezone(UTC)


def iso(moment: datetime) -> str:
    """An instant as dialist writes them: UTC, milliseconds, ``Z`` (four-digit years)."""
    utc = moment.astimezone(UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
    )
