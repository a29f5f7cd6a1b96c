"""Evaluate a contact the way the service will: zones and jurisdictions, then the rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from dialist.contactability.jurisdictions import contact_jurisdictions
from dialist.contactability.models import CallingPolicy, Decision, DncMatch
from dialist.contactability.rules import evaluate
from dialist.contactability.zones import contact_zones


def utc(text: str) -> datetime:
    """``2026-03-08T07:00:00Z`` as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def decide(
    at: datetime | str,
    e164: str | None,
    fields: Mapping[str, object] | None = None,
    *,
    policy: CallingPolicy | None = None,
    valid: bool = True,
    attempts: list[datetime] | None = None,
    dnc: list[DncMatch] | None = None,
) -> Decision:
    fields = fields or {}
    found = contact_zones(e164=e164, fields=fields)
    return evaluate(
        at=utc(at) if isinstance(at, str) else at,
        policy=policy or CallingPolicy(),
        e164=e164,
        valid=valid,
        zones=found.zones,
        zone_source=found.source,
        jurisdictions=contact_jurisdictions(e164=e164, fields=fields),
        attempts=attempts or [],
        dnc_matches=dnc or [],
    )


def codes(decision: Decision) -> set[str]:
    return {reason.code for reason in decision.reasons}
