"""Can this number be called at this instant? Pure rules (contract §3, §6): no database, no clock.

Every rule is judged on real instants, in each of the contact's IANA zones. A local wall time
``HH:MM`` on a local date becomes the *first instant at which the contact's clock reads that
time or later* (``wall_instant``): a time skipped by a spring-forward gap becomes the instant of
the jump, a time repeated by an autumn overlap its first occurrence. A window of date ``d`` is
the instant range ``[wall_instant(d, start), wall_instant(d, end) - endBufferMinutes)``.

Legality is piecewise constant between "edges" (window opens and closes, local midnights,
attempts entering and leaving a cap's rolling period, DNC expiries), and each stretch is closed
on the left and open on the right; so ``next_eligible_at`` is the first edge (or ``at``) where
nothing blocks, and ``window_closes_at`` the first edge after ``at`` where something does.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dialist.contactability.jurisdictions import rules_for
from dialist.contactability.models import (
    BLOCK,
    DAYS,
    AttemptCap,
    CallingPolicy,
    Decision,
    DncMatch,
    Reason,
    ZoneSource,
    parse_hh_mm,
    parse_iso_date,
)
from dialist.errors import ValidationError

LOOK_AHEAD = timedelta(days=14)
_MIDNIGHT = time(0, 0)
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class _LocalRule:
    """A window per weekday and the weekdays allowed; ``source`` None is the calling policy."""

    source: str | None
    windows: tuple[tuple[time, time], ...]
    days: frozenset[int]


@dataclass(frozen=True)
class _Cap:
    cap: AttemptCap
    source: str | None


@dataclass(frozen=True)
class _Context:
    zones: tuple[str, ...]
    rules: tuple[_LocalRule, ...]
    holidays: frozenset[date]
    buffer: timedelta
    caps: tuple[_Cap, ...]
    attempts: tuple[datetime, ...]  # UTC, sorted
    dnc_matches: tuple[DncMatch, ...]


@lru_cache(maxsize=65536)
def wall_instant(zone: str, day: date, wall: time) -> datetime:
    """The first instant (UTC) at which the clock of ``zone`` reads ``day`` ``wall`` or later.

    A repeated wall time (autumn overlap) is its first occurrence (``fold=0``); a skipped one
    (spring gap) is the instant of the jump, found by bisection between the two readings that
    PEP 495 gives a non-existent time (transitions fall on whole seconds).
    """
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, wall)
    early = naive.replace(tzinfo=tz, fold=0)
    if early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return early.astimezone(UTC)
    low = int(naive.replace(tzinfo=tz, fold=1).timestamp())  # reads before the gap
    high = int(early.timestamp())  # reads after the gap
    if low > high:
        low, high = high, low
    while high - low > 1:
        middle = (low + high) // 2
        reading = datetime.fromtimestamp(middle, tz).replace(tzinfo=None)
        if reading >= naive:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def evaluate(
    *,
    at: datetime,
    policy: CallingPolicy,
    e164: str | None,
    valid: bool,
    zones: list[str],
    zone_source: ZoneSource | None,
    jurisdictions: list[str],
    attempts: list[datetime],
    dnc_matches: list[DncMatch],
) -> Decision:
    """Whether the number may be called at ``at``, every reason it may not, and when that ends.

    ``zones`` are the contact's (``zones.contact_zones``), ``attempts`` the instants of earlier
    attempts to this number, ``dnc_matches`` the DNC entries that match it (expired ones are
    ignored against ``at``). ``policy`` is already merged and validated.
    """
    at = _utc(at, field="at")
    if not zones and policy.unknown_time_zone != BLOCK:
        zones, zone_source = [policy.unknown_time_zone], "policy"
    context = _context(policy, zones, jurisdictions, attempts, dnc_matches)
    reasons: list[Reason] = []
    if not valid or not e164:
        reasons.append(Reason(code="INVALID_NUMBER", message="The phone number is not valid."))
    if not zones:
        reasons.append(
            Reason(
                code="TZ_UNKNOWN",
                message="The contact's time zone is unknown and the policy blocks unknown zones.",
            )
        )
    reasons.extend(_blocks(at, context))
    window_closes_at = next_eligible_at = None
    if not reasons:
        window_closes_at = _stretch_end(at, context)
    elif _may_end(reasons):
        next_eligible_at = _next_eligible(at, context)
    return Decision(
        callable=not reasons,
        reasons=reasons,
        time_zones=list(zones),
        time_zone_source=zone_source if zones else None,
        jurisdictions=list(jurisdictions),
        window_closes_at=window_closes_at,
        next_eligible_at=next_eligible_at,
    )


# ---- building the rules ---------------------------------------------------------------------


def _utc(moment: datetime, *, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(f"{field} must carry a UTC offset or Z", field=field)
    return moment.astimezone(UTC)


def _context(
    policy: CallingPolicy,
    zones: list[str],
    jurisdictions: list[str],
    attempts: list[datetime],
    dnc_matches: list[DncMatch],
) -> _Context:
    start = parse_hh_mm(policy.window.start, field="window.start")
    end = parse_hh_mm(policy.window.end, field="window.end")
    rules = [
        _LocalRule(
            source=None,
            windows=((start, end),) * 7,
            days=frozenset(DAYS.index(day) for day in policy.days),
        )
    ]
    caps = [_Cap(cap=cap, source=None) for cap in policy.attempt_caps]
    if policy.jurisdiction_rules:
        for rule in rules_for(jurisdictions):
            windows = tuple(
                (parse_hh_mm(s, field="windows"), parse_hh_mm(e, field="windows"))
                for s, e in rule.windows
            )
            rules.append(_LocalRule(source=rule.jurisdiction, windows=windows, days=rule.days))
            caps.extend(_Cap(cap=cap, source=rule.jurisdiction) for cap in rule.caps)
    unique_caps: dict[tuple[int, float], _Cap] = {}
    for cap in caps:
        unique_caps.setdefault((cap.cap.max, cap.cap.within_hours), cap)
    return _Context(
        zones=tuple(zones),
        rules=tuple(rules),
        holidays=frozenset(
            parse_iso_date(day, field=f"holidays[{i}]") for i, day in enumerate(policy.holidays)
        ),
        buffer=timedelta(minutes=policy.end_buffer_minutes),
        caps=tuple(unique_caps.values()),
        attempts=tuple(sorted(_utc(a, field="attempts") for a in attempts)),
        dnc_matches=tuple(dnc_matches),
    )


# ---- judging one instant --------------------------------------------------------------------


def _blocks(at: datetime, context: _Context) -> Iterator[Reason]:
    """Every reason, other than the number's validity and a missing zone, that blocks at ``at``."""
    for match in context.dnc_matches:
        if match.expires_at is None or _utc(match.expires_at, field="expiresAt") > at:
            yield dnc_reason(match)
    for zone in context.zones:
        yield from _local_blocks(at, zone, context)
    for cap in context.caps:
        count = _attempts_within(at, cap.cap, context.attempts)
        if count >= cap.cap.max:
            yield Reason(
                code="ATTEMPT_CAP",
                message=(
                    f"{count} attempts in the last {cap.cap.within_hours:g} hours reach the cap "
                    f"of {cap.cap.max}{_by(cap.source)}."
                ),
                jurisdiction=cap.source,
                cap=cap.cap,
            )


def dnc_reason(match: DncMatch) -> Reason:
    """The ``DNC`` reason of one matching entry."""
    until = "" if match.expires_at is None else f" until {_iso(match.expires_at)}"
    return Reason(
        code="DNC",
        message=f"The number is on do-not-call list {match.dnc_list_id}{until}.",
        match=match,
    )


def with_lasting_dnc(decision: Decision, dnc_matches: list[DncMatch]) -> Decision:
    """``decision`` (made with no DNC match and no attempt) for the same number when it also
    matches these DNC entries, none of which expires: exactly what ``evaluate`` answers with
    them. Such a block does not end by itself, so there is no ``nextEligibleAt``."""
    if any(match.expires_at is not None for match in dnc_matches):
        raise ValueError("only entries that never expire")
    if not dnc_matches:
        return decision
    first = [r for r in decision.reasons if r.code in ("INVALID_NUMBER", "TZ_UNKNOWN")]
    rest = decision.reasons[len(first) :]
    return Decision(
        callable=False,
        reasons=[*first, *(dnc_reason(match) for match in dnc_matches), *rest],
        time_zones=decision.time_zones,
        time_zone_source=decision.time_zone_source,
        jurisdictions=decision.jurisdictions,
        window_closes_at=None,
        next_eligible_at=None,
    )


def _local_blocks(at: datetime, zone: str, context: _Context) -> Iterator[Reason]:
    local = at.astimezone(ZoneInfo(zone))
    day = local.date()
    weekday = day.weekday()
    if day in context.holidays:
        yield Reason(
            code="HOLIDAY",
            message=f"{day.isoformat()} in {zone} is a holiday of the calling policy.",
            time_zone=zone,
        )
    for rule in context.rules:
        if weekday not in rule.days:
            yield Reason(
                code="DAY_NOT_ALLOWED",
                message=f"No calls on {_DAY_NAMES[weekday]} in {zone}{_by(rule.source)}.",
                time_zone=zone,
                jurisdiction=rule.source,
            )
    for rule in context.rules:
        start, end = rule.windows[weekday]
        opens = wall_instant(zone, day, start)
        closes = wall_instant(zone, day, end) - context.buffer
        if not opens <= at < closes:
            buffer = context.buffer.total_seconds() // 60
            less = f" less {buffer:g} minutes" if buffer else ""
            yield Reason(
                code="OUTSIDE_WINDOW",
                message=(
                    f"It is {local:%H:%M} on {_DAY_NAMES[weekday]} in {zone}; calls are allowed "
                    f"{start:%H:%M}-{end:%H:%M}{less}{_by(rule.source)}."
                ),
                time_zone=zone,
                jurisdiction=rule.source,
            )


def _attempts_within(at: datetime, cap: AttemptCap, attempts: tuple[datetime, ...]) -> int:
    """Attempts in ``(at - withinHours, at]``."""
    since = at - timedelta(hours=cap.within_hours)
    return bisect.bisect_right(attempts, at) - bisect.bisect_right(attempts, since)


def _by(source: str | None) -> str:
    return " (calling policy)" if source is None else f" ({source} rules)"


def _iso(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# ---- looking ahead --------------------------------------------------------------------------


def _may_end(reasons: list[Reason]) -> bool:
    """False when a block does not end by itself: bad number, unknown zone, DNC for good."""
    for reason in reasons:
        if reason.code in ("INVALID_NUMBER", "TZ_UNKNOWN"):
            return False
        if reason.code == "DNC" and reason.match is not None and reason.match.expires_at is None:
            return False
    return True


# The first look ahead covers this much; only when nothing changes within it are the edges of
# the whole look ahead worked out (most windows close, and most blocks end, within a day).
_FIRST_LOOK = timedelta(days=2)
_WHOLE_LOOK = LOOK_AHEAD + timedelta(days=1)


def _edges(at: datetime, context: _Context, horizon: timedelta) -> list[datetime]:
    """Every instant in ``[at, at + horizon]`` where a rule may change its answer, in order
    (none missing: the zones' days are covered from the day before ``at`` to a day past the
    horizon)."""
    last = at + horizon
    edges = {at}
    for zone in context.zones:
        first_day = at.astimezone(ZoneInfo(zone)).date() - timedelta(days=1)
        for offset in range(horizon.days + 3):
            day = first_day + timedelta(days=offset)
            edges.add(wall_instant(zone, day, _MIDNIGHT))
            for rule in context.rules:
                start, end = rule.windows[day.weekday()]
                edges.add(wall_instant(zone, day, start))
                edges.add(wall_instant(zone, day, end) - context.buffer)
    for attempt in context.attempts:
        edges.add(attempt)
        edges.update(attempt + timedelta(hours=cap.cap.within_hours) for cap in context.caps)
    for match in context.dnc_matches:
        if match.expires_at is not None:
            edges.add(_utc(match.expires_at, field="expiresAt"))
    return sorted(edge for edge in edges if at <= edge <= last)


def _legal(at: datetime, context: _Context) -> bool:
    return next(_blocks(at, context), None) is None


def _next_eligible(at: datetime, context: _Context) -> datetime | None:
    """The first instant in ``[at, at + 14 days]`` where nothing blocks, or None."""
    for horizon in (_FIRST_LOOK, _WHOLE_LOOK):
        for edge in _edges(at, context, horizon):
            if edge > at + LOOK_AHEAD:
                return None
            if _legal(edge, context):
                return edge
    return None


def _stretch_end(at: datetime, context: _Context) -> datetime | None:
    """The first instant after ``at`` (legal) where something blocks: the stretch's end."""
    for horizon in (_FIRST_LOOK, _WHOLE_LOOK):
        for edge in _edges(at, context, horizon):
            if edge > at and not _legal(edge, context):
                return edge
    return None
