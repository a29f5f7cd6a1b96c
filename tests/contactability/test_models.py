"""Calling policy: defaults, validation (naming the field) and the list override's merge."""

from __future__ import annotations

import msgspec
import pytest

from dialist.contactability.models import (
    AttemptCap,
    CallingPolicy,
    PolicyOverride,
    Window,
    WindowOverride,
    merge_policy,
    override_from_json,
    policy_from_json,
    validate_policy,
)
from dialist.errors import ValidationError


def test_defaults_are_the_contract_s() -> None:
    policy = policy_from_json({})
    assert policy == CallingPolicy()
    assert policy.window == Window(start="08:00", end="21:00")
    assert policy.days == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert policy.holidays == []
    assert policy.jurisdiction_rules is True
    assert policy.end_buffer_minutes == 0
    assert policy.unknown_time_zone == "block"
    assert policy.attempt_caps == []


def test_camel_case_keys_are_read() -> None:
    policy = policy_from_json(
        {
            "window": {"start": "09:00", "end": "17:30"},
            "endBufferMinutes": 15,
            "unknownTimeZone": "America/Chicago",
            "attemptCaps": [{"max": 2, "withinHours": 12}],
            "jurisdictionRules": False,
        }
    )
    assert policy.window == Window(start="09:00", end="17:30")
    assert policy.end_buffer_minutes == 15
    assert policy.unknown_time_zone == "America/Chicago"
    assert policy.attempt_caps == [AttemptCap(max=2, within_hours=12)]
    assert policy.jurisdiction_rules is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"unknownTimeZone": "Mars/Olympus"}, "unknownTimeZone"),
        ({"window": {"start": "09:00", "end": "09:00"}}, "window.end"),
        ({"window": {"start": "10:00", "end": "09:00"}}, "window.end"),
        ({"window": {"start": "8:00", "end": "21:00"}}, "window.start"),
        ({"window": {"start": "08:00", "end": "24:00"}}, "window.end"),
        ({"window": {"start": "08:60", "end": "21:00"}}, "window.start"),
        ({"days": ["mon", "funday"]}, "days[1]"),
        ({"holidays": ["2026-02-30"]}, "holidays[0]"),
        ({"holidays": ["2026-12-25", "20261225"]}, "holidays[1]"),
        ({"endBufferMinutes": -1}, "endBufferMinutes"),
        ({"attemptCaps": [{"max": 0, "withinHours": 24}]}, "attemptCaps[0].max"),
        ({"attemptCaps": [{"max": 1, "withinHours": 0}]}, "attemptCaps[0].withinHours"),
        ({"attemptCaps": [{"max": 1, "withinHours": -2}]}, "attemptCaps[0].withinHours"),
        ({"endBufferMinutes": "ten"}, "endBufferMinutes"),
    ],
)
def test_bad_values_name_their_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        policy_from_json(data)
    assert raised.value.details[0].field == field


def test_override_replaces_only_the_keys_it_sets() -> None:
    stream = CallingPolicy(
        window=Window(start="09:00", end="20:00"),
        holidays=["2026-12-25"],
        attempt_caps=[AttemptCap(max=5, within_hours=24)],
    )
    override = override_from_json({"window": {"end": "18:00"}, "days": ["mon", "tue"]})
    merged = merge_policy(stream, override)
    assert merged.window == Window(start="09:00", end="18:00")
    assert merged.days == ["mon", "tue"]
    assert merged.holidays == ["2026-12-25"]
    assert merged.attempt_caps == [AttemptCap(max=5, within_hours=24)]


def test_no_override_is_the_stream_policy() -> None:
    assert override_from_json(None) is None
    stream = CallingPolicy(end_buffer_minutes=10)
    assert merge_policy(stream, None) == stream


def test_a_merge_that_makes_a_bad_policy_is_refused() -> None:
    stream = CallingPolicy(window=Window(start="09:00", end="12:00"))
    with pytest.raises(ValidationError) as raised:
        merge_policy(stream, PolicyOverride(window=WindowOverride(start="13:00")))
    assert raised.value.details[0].field == "window.end"


def test_validate_returns_a_good_policy() -> None:
    policy = CallingPolicy(unknown_time_zone="Pacific/Honolulu")
    assert validate_policy(policy) is policy


def test_the_policy_is_written_in_the_contract_s_spelling() -> None:
    written = msgspec.to_builtins(CallingPolicy(attempt_caps=[AttemptCap(max=3, within_hours=24)]))
    assert written == {
        "window": {"start": "08:00", "end": "21:00"},
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "holidays": [],
        "jurisdictionRules": True,
        "endBufferMinutes": 0,
        "unknownTimeZone": "block",
        "attemptCaps": [{"max": 3, "withinHours": 24}],
    }
