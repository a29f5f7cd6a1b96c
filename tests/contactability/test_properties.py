"""Properties of the look-ahead: ``nextEligibleAt`` is the first callable instant, and
``windowClosesAt`` the first that is not, for random contacts, policies, attempts and instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dialist.contactability.models import AttemptCap, CallingPolicy, DncMatch, Window
from tests.contactability.helpers import decide

CONTACTS = [
    ("+12125550123", {}),  # New York
    ("+12125550123", {"timeZone": "America/New_York"}),
    ("+13055550123", {"zip": "10001"}),  # Florida number, New York ZIP
    ("+16015550123", {}),  # Mississippi
    ("+16025550123", {}),  # Arizona
    ("+13035550123", {}),  # Denver
    ("+17095550123", {}),  # Halifax + St John's
    ("+18085550123", {}),  # Hawaii
    ("+14165550123", {}),  # Toronto
    ("+19075550123", {}),  # Anchorage + Adak
    ("+12065550123", {"timeZone": "Europe/London"}),
    ("+12125550123", {"timeZone": "Australia/Lord_Howe"}),  # 30-minute DST
]
# Around the 2026 DST changes of New York (03-08, 11-01) and the year at large.
START = datetime(2026, 1, 1, tzinfo=UTC)
DST_DAYS = [datetime(2026, 3, 8, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)]

hh_mm = st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45])
)


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    base = draw(st.sampled_from([*DST_DAYS, START]))
    span = 365 * 86400 if base is START else 2 * 86400
    return base + timedelta(seconds=draw(st.integers(0, span)))


@st.composite
def policies(draw: st.DrawFn) -> CallingPolicy:
    start, end = sorted(draw(st.lists(hh_mm, min_size=2, max_size=2, unique=True)))
    return CallingPolicy(
        window=Window(start=start, end=end),
        days=draw(st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]))),
        jurisdiction_rules=draw(st.booleans()),
        end_buffer_minutes=draw(st.sampled_from([0, 0, 15, 60])),
        attempt_caps=draw(
            st.lists(
                st.builds(AttemptCap, max=st.integers(1, 3), within_hours=st.sampled_from([1, 24])),
                max_size=2,
            )
        ),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    contact=st.sampled_from(CONTACTS),
    policy=policies(),
    at=instants(),
    attempt_offsets=st.lists(st.integers(-30 * 3600, 3 * 3600), max_size=4),
    dnc_expiry=st.none() | st.integers(1, 5 * 86400),
    holiday_offsets=st.lists(st.integers(-1, 6), max_size=3),
    samples=st.lists(st.floats(0, 1), min_size=10, max_size=10),
)
def test_next_eligible_is_the_first_callable_instant(
    contact: tuple[str, dict[str, str]],
    policy: CallingPolicy,
    at: datetime,
    attempt_offsets: list[int],
    dnc_expiry: int | None,
    holiday_offsets: list[int],
    samples: list[float],
) -> None:
    e164, fields = contact
    holidays = [(at + timedelta(days=d)).date().isoformat() for d in holiday_offsets]
    policy = CallingPolicy(**{**_fields(policy), "holidays": holidays})
    attempts = [at + timedelta(seconds=s) for s in attempt_offsets]
    dnc = (
        []
        if dnc_expiry is None
        else [
            DncMatch(
                dnc_list_id="dn-1", entry_id="de-1", expires_at=at + timedelta(seconds=dnc_expiry)
            )
        ]
    )

    def check(moment: datetime) -> bool:
        return decide(moment, e164, fields, policy=policy, attempts=attempts, dnc=dnc).callable

    decision = decide(at, e164, fields, policy=policy, attempts=attempts, dnc=dnc)
    if decision.callable:
        assert decision.next_eligible_at is None
        closes = decision.window_closes_at
        assert closes is not None and closes > at
        assert not check(closes)
        assert check(closes - timedelta(seconds=1))
        for fraction in samples:
            moment = at + (closes - at) * fraction
            if moment < closes:
                assert check(moment)
    elif decision.next_eligible_at is not None:
        following = decision.next_eligible_at
        assert at <= following <= at + timedelta(days=14)
        assert check(following)
        if following > at:
            assert not check(following - timedelta(seconds=1))
        for fraction in samples:
            moment = at + (following - at) * fraction
            if moment < following:
                assert not check(moment)


def _fields(policy: CallingPolicy) -> dict[str, object]:
    return {name: getattr(policy, name) for name in policy.__struct_fields__}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    contact=st.sampled_from(CONTACTS),
    policy=policies(),
    at=instants(),
    share=st.floats(0, 1, exclude_max=True),
)
def test_a_callable_answer_holds_unchanged_until_its_window_closes(
    contact: tuple[str, dict[str, str]], policy: CallingPolicy, at: datetime, share: float
) -> None:
    """What the judge's remembered stretches rely on: a callable decision made at ``at``
    (no attempts, no DNC) is, byte for byte, the decision at any later instant before its
    ``windowClosesAt``."""
    e164, fields = contact
    first = decide(at, e164, fields, policy=policy)
    if not first.callable and first.next_eligible_at is not None:
        at = first.next_eligible_at  # callable there (the property above)
        first = decide(at, e164, fields, policy=policy)
    assume(first.callable and first.window_closes_at is not None)
    assert first.window_closes_at is not None
    later = at + (first.window_closes_at - at) * share
    later = later.replace(microsecond=later.microsecond // 1000 * 1000)
    later = min(max(later, at), first.window_closes_at - timedelta(milliseconds=1))
    assert decide(later, e164, fields, policy=policy) == first
