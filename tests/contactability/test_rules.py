"""The rules at exact instants: DST, several zones, jurisdictions, holidays, caps, DNC."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from dialist.contactability.models import AttemptCap, CallingPolicy, DncMatch, Window
from dialist.contactability.rules import wall_instant
from dialist.errors import ValidationError
from tests.contactability.helpers import codes, decide, utc

NY = "+12125550123"
NY_TZ = {"timeZone": "America/New_York"}
NO_RULES = {"jurisdiction_rules": False}


def window(start: str, end: str, **more: object) -> CallingPolicy:
    return CallingPolicy(window=Window(start=start, end=end), **more)  # type: ignore[arg-type]


# ---- DST in America/New_York ----------------------------------------------------------------


def test_a_wall_time_in_the_spring_gap_is_the_instant_of_the_jump() -> None:
    # 2026-03-08: 02:00 EST (07:00Z) jumps to 03:00 EDT; 02:30 never shows on the clock.
    assert wall_instant("America/New_York", date(2026, 3, 8), time(2, 30)) == utc(
        "2026-03-08T07:00:00Z"
    )
    assert wall_instant("America/New_York", date(2026, 3, 8), time(3, 0)) == utc(
        "2026-03-08T07:00:00Z"
    )
    assert wall_instant("America/New_York", date(2026, 3, 8), time(8, 0)) == utc(
        "2026-03-08T12:00:00Z"
    )


def test_a_window_opening_in_the_spring_gap_opens_at_the_jump() -> None:
    policy = window("02:30", "21:00", **NO_RULES)
    before = decide("2026-03-08T06:59:59Z", NY, NY_TZ, policy=policy)
    assert codes(before) == {"OUTSIDE_WINDOW"}
    assert before.next_eligible_at == utc("2026-03-08T07:00:00Z")
    assert decide("2026-03-08T07:00:00Z", NY, NY_TZ, policy=policy).callable


def test_a_window_closing_in_the_spring_gap_closes_at_the_jump() -> None:
    policy = window("00:00", "02:30", **NO_RULES)
    during = decide("2026-03-08T06:30:00Z", NY, NY_TZ, policy=policy)
    assert during.callable
    assert during.window_closes_at == utc("2026-03-08T07:00:00Z")
    assert not decide("2026-03-08T07:00:00Z", NY, NY_TZ, policy=policy).callable


def test_eight_o_clock_on_the_day_clocks_go_forward() -> None:
    before = decide("2026-03-08T11:59:59Z", NY, NY_TZ)
    assert codes(before) == {"OUTSIDE_WINDOW"}
    assert before.next_eligible_at == utc("2026-03-08T12:00:00Z")  # 08:00 EDT
    assert decide("2026-03-08T12:00:00Z", NY, NY_TZ).window_closes_at == utc(
        "2026-03-09T01:00:00Z"  # 21:00 EDT
    )


def test_a_repeated_wall_time_is_its_first_occurrence() -> None:
    # 2026-11-01: 02:00 EDT (06:00Z) falls back to 01:00 EST; 01:30 shows twice.
    assert wall_instant("America/New_York", date(2026, 11, 1), time(1, 30)) == utc(
        "2026-11-01T05:30:00Z"
    )


def test_a_window_opening_in_the_autumn_overlap_stays_open_through_the_repeat() -> None:
    policy = window("01:30", "21:00", **NO_RULES)
    assert not decide("2026-11-01T05:29:59Z", NY, NY_TZ, policy=policy).callable
    assert decide("2026-11-01T05:30:00Z", NY, NY_TZ, policy=policy).callable
    # 01:10 EST, the second time the clock reads 01:xx: the window opened at 01:30 EDT.
    repeat = decide("2026-11-01T06:10:00Z", NY, NY_TZ, policy=policy)
    assert repeat.callable
    assert repeat.window_closes_at == utc("2026-11-02T02:00:00Z")  # 21:00 EST


def test_a_window_closing_in_the_autumn_overlap_closes_at_the_first_occurrence() -> None:
    policy = window("00:00", "01:30", **NO_RULES)
    first = decide("2026-11-01T05:00:00Z", NY, NY_TZ, policy=policy)
    assert first.callable
    assert first.window_closes_at == utc("2026-11-01T05:30:00Z")
    repeat = decide("2026-11-01T06:10:00Z", NY, NY_TZ, policy=policy)  # 01:10 EST
    assert codes(repeat) == {"OUTSIDE_WINDOW"}
    assert repeat.next_eligible_at == utc("2026-11-02T05:00:00Z")  # 00:00 EST on the 2nd


def test_eight_o_clock_on_the_day_clocks_go_back() -> None:
    before = decide("2026-11-01T12:59:59Z", NY, NY_TZ)
    assert before.next_eligible_at == utc("2026-11-01T13:00:00Z")  # 08:00 EST


# ---- several zones, odd offsets -------------------------------------------------------------


def test_arizona_keeps_standard_time_beside_denver() -> None:
    # July: Denver is on MDT (-6), Phoenix stays on MST (-7).
    denver = decide("2026-07-01T14:30:00Z", "+13035550123")
    phoenix = decide("2026-07-01T14:30:00Z", "+16025550123")
    assert denver.time_zones == ["America/Denver"]
    assert phoenix.time_zones == ["America/Phoenix"]
    assert denver.callable
    assert denver.window_closes_at == utc("2026-07-02T03:00:00Z")
    assert codes(phoenix) == {"OUTSIDE_WINDOW"}
    assert phoenix.next_eligible_at == utc("2026-07-01T15:00:00Z")
    # January: both on -7.
    assert not decide("2026-01-15T14:30:00Z", "+13035550123").callable
    assert not decide("2026-01-15T14:30:00Z", "+16025550123").callable


def test_newfoundland_is_half_an_hour_off() -> None:
    fields = {"timeZone": "America/St_Johns"}
    before = decide("2026-01-12T12:29:59Z", "+17095550123", fields)  # Mon 08:59:59 NST
    assert codes(before) == {"OUTSIDE_WINDOW"}
    assert before.jurisdictions == ["CA", "CA-NL"]
    assert before.next_eligible_at == utc("2026-01-12T12:30:00Z")  # 09:00 NST (CA rule)
    open_ = decide("2026-01-12T12:30:00Z", "+17095550123", fields)
    assert open_.callable
    assert open_.window_closes_at == utc("2026-01-13T00:30:00Z")  # 21:00 NST (the policy)
    late_policy = window("08:00", "22:00")
    open_ = decide("2026-01-12T12:30:00Z", "+17095550123", fields, policy=late_policy)
    assert open_.window_closes_at == utc("2026-01-13T01:00:00Z")  # 21:30 NST (CA rule)


def test_an_area_code_with_two_zones_is_legal_only_when_legal_in_both() -> None:
    # 709: Halifax (ADT -3) and St John's (NDT -2:30), a Monday in summer.
    at = decide("2026-07-13T11:45:00Z", "+17095550123")
    assert at.time_zones == ["America/Halifax", "America/St_Johns"]
    assert [(r.code, r.time_zone) for r in at.reasons] == [("OUTSIDE_WINDOW", "America/Halifax")]
    assert at.next_eligible_at == utc("2026-07-13T12:00:00Z")  # 09:00 in Halifax
    legal = decide("2026-07-13T12:00:00Z", "+17095550123")
    assert legal.callable
    assert legal.window_closes_at == utc("2026-07-13T23:30:00Z")  # 21:00 in St John's


def test_canada_has_a_shorter_weekend_window() -> None:
    saturday = decide("2026-07-11T22:30:00Z", "+14165550123")  # 18:30 EDT
    assert codes(saturday) == {"OUTSIDE_WINDOW"}
    assert saturday.next_eligible_at == utc("2026-07-12T14:00:00Z")  # Sun 10:00 EDT
    weekday = decide("2026-07-13T22:30:00Z", "+14165550123", policy=window("08:00", "23:00"))
    assert weekday.window_closes_at == utc("2026-07-14T01:30:00Z")  # 21:30 EDT


def test_hawaii() -> None:
    before = decide("2026-07-01T17:59:59Z", "+18085550123")  # 07:59:59 HST
    assert before.time_zones == ["Pacific/Honolulu"]
    assert before.next_eligible_at == utc("2026-07-01T18:00:00Z")
    open_ = decide("2026-07-01T18:00:00Z", "+18085550123")
    assert open_.callable
    assert open_.window_closes_at == utc("2026-07-02T07:00:00Z")


# ---- jurisdictions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("e164", "fields"),
    [("+13055550123", {"zip": "10001"}), ("+12125550123", {"postalCode": "33101"})],
)
def test_florida_and_new_york_together_take_florida_s_rules(
    e164: str, fields: dict[str, str]
) -> None:
    open_ = decide("2026-07-01T23:00:00Z", e164, fields)  # 19:00 EDT
    assert open_.callable
    assert open_.window_closes_at == utc("2026-07-02T00:00:00Z")  # 20:00 EDT (FL)
    late = decide("2026-07-02T00:30:00Z", e164, fields)
    assert [(r.code, r.jurisdiction) for r in late.reasons] == [("OUTSIDE_WINDOW", "US-FL")]
    attempts = [utc("2026-07-01T16:00:00Z") + timedelta(hours=h) for h in range(3)]
    capped = decide("2026-07-01T20:00:00Z", e164, fields, attempts=attempts)
    assert [(r.code, r.jurisdiction) for r in capped.reasons] == [("ATTEMPT_CAP", "US-FL")]
    assert capped.next_eligible_at == utc("2026-07-02T16:00:00Z")


def test_new_york_alone_has_the_federal_window() -> None:
    assert decide("2026-07-02T00:30:00Z", NY).callable
    assert decide("2026-07-02T00:30:00Z", NY).window_closes_at == utc("2026-07-02T01:00:00Z")


def test_mississippi_on_a_sunday() -> None:
    sunday = decide("2026-03-15T16:00:00Z", "+16015550123")  # Sun 11:00 CDT
    assert [(r.code, r.jurisdiction) for r in sunday.reasons] == [("DAY_NOT_ALLOWED", "US-MS")]
    assert sunday.next_eligible_at == utc("2026-03-16T13:00:00Z")  # Mon 08:00 CDT
    saturday = decide("2026-03-14T16:00:00Z", "+16015550123")
    assert saturday.callable


def test_jurisdiction_rules_off_keeps_only_the_policy() -> None:
    policy = CallingPolicy(jurisdiction_rules=False)
    assert decide("2026-03-15T16:00:00Z", "+16015550123", policy=policy).callable


def test_washington_state_closes_at_eight() -> None:
    late = decide("2026-07-02T03:30:00Z", "+12065550123")  # 20:30 PDT
    assert [(r.code, r.jurisdiction) for r in late.reasons] == [("OUTSIDE_WINDOW", "US-WA")]


# ---- holidays, days, buffer -----------------------------------------------------------------


def test_a_holiday_is_judged_on_the_contact_s_local_date() -> None:
    policy = CallingPolicy(holidays=["2026-12-25"])
    hawaii = {"timeZone": "Pacific/Honolulu"}
    # 05:00Z on the 26th is 19:00 on the 25th in Honolulu.
    evening = decide("2026-12-26T05:00:00Z", "+18085550123", hawaii, policy=policy)
    assert codes(evening) == {"HOLIDAY"}
    assert evening.next_eligible_at == utc("2026-12-26T18:00:00Z")  # 08:00 HST on the 26th
    # 20:00Z on the 24th is 10:00 on the 24th there, although the UTC date is not the holiday.
    assert decide("2026-12-24T20:00:00Z", "+18085550123", hawaii, policy=policy).callable


def test_days_of_the_policy() -> None:
    policy = CallingPolicy(days=["mon", "tue", "wed", "thu", "fri"])
    saturday = decide("2026-07-11T16:00:00Z", NY, policy=policy)
    assert [(r.code, r.jurisdiction) for r in saturday.reasons] == [("DAY_NOT_ALLOWED", None)]
    assert saturday.next_eligible_at == utc("2026-07-13T12:00:00Z")


def test_the_end_buffer_comes_off_the_strictest_window() -> None:
    policy = CallingPolicy(end_buffer_minutes=15)
    at = decide("2026-07-01T23:00:00Z", "+13055550123", policy=policy)
    assert at.window_closes_at == utc("2026-07-01T23:45:00Z")  # 20:00 EDT - 15 min
    assert not decide("2026-07-01T23:45:00Z", "+13055550123", policy=policy).callable


def test_every_blocking_reason_is_listed() -> None:
    policy = CallingPolicy(
        holidays=["2026-03-15"], days=["mon"], attempt_caps=[AttemptCap(max=1, within_hours=1)]
    )
    dnc = DncMatch(dnc_list_id="dn-1", entry_id="de-1", value="+16015550123")
    decision = decide(
        "2026-03-15T03:00:00Z",  # Sat 22:00 CDT... Sunday in UTC
        "+16015550123",
        policy=policy,
        attempts=[utc("2026-03-15T02:30:00Z")],
        dnc=[dnc],
    )
    assert codes(decision) == {"DNC", "OUTSIDE_WINDOW", "DAY_NOT_ALLOWED", "ATTEMPT_CAP"}
    assert all(reason.message for reason in decision.reasons)
    assert decision.next_eligible_at is None  # the DNC entry does not expire
    sunday = decide("2026-03-15T16:00:00Z", "+16015550123", policy=policy, valid=False)
    assert codes(sunday) == {"INVALID_NUMBER", "HOLIDAY", "DAY_NOT_ALLOWED"}


# ---- caps, DNC, invalid and unknown ---------------------------------------------------------


def test_a_cap_at_exactly_its_period() -> None:
    at = utc("2026-07-01T16:00:00Z")  # 12:00 EDT
    attempts = [at - timedelta(hours=24), at - timedelta(hours=23), at - timedelta(hours=22)]
    policy = CallingPolicy(attempt_caps=[AttemptCap(max=3, within_hours=24)])
    early = decide(at - timedelta(seconds=1), NY, policy=policy, attempts=attempts)
    assert codes(early) == {"ATTEMPT_CAP"}
    assert early.next_eligible_at == at
    assert decide(at, NY, policy=policy, attempts=attempts).callable
    assert decide(at + timedelta(seconds=1), NY, policy=policy, attempts=attempts).callable


def test_a_later_attempt_ends_the_stretch() -> None:
    at = utc("2026-07-01T16:00:00Z")
    attempts = [at - timedelta(hours=2), at + timedelta(hours=1)]
    policy = CallingPolicy(attempt_caps=[AttemptCap(max=2, within_hours=24)])
    decision = decide(at, NY, policy=policy, attempts=attempts)
    assert decision.callable
    assert decision.window_closes_at == at + timedelta(hours=1)


def test_a_dnc_entry_expiring_exactly_at_the_instant_no_longer_blocks() -> None:
    at = utc("2026-07-01T16:00:00Z")
    expired = DncMatch(dnc_list_id="dn-1", entry_id="de-1", expires_at=at)
    assert decide(at, NY, dnc=[expired]).callable
    later = DncMatch(dnc_list_id="dn-1", entry_id="de-1", expires_at=at + timedelta(seconds=1))
    blocked = decide(at, NY, dnc=[later])
    assert codes(blocked) == {"DNC"}
    assert blocked.reasons[0].match == later
    assert blocked.next_eligible_at == at + timedelta(seconds=1)


def test_a_dnc_entry_expiring_at_night_waits_for_the_window() -> None:
    at = utc("2026-07-01T16:00:00Z")
    match = DncMatch(dnc_list_id="dn-1", entry_id="de-1", expires_at=utc("2026-07-02T03:00:00Z"))
    assert decide(at, NY, dnc=[match]).next_eligible_at == utc("2026-07-02T12:00:00Z")


def test_a_permanent_dnc_entry_has_no_next_instant() -> None:
    match = DncMatch(dnc_list_id="dn-1", entry_id="de-1")
    decision = decide("2026-07-01T16:00:00Z", NY, dnc=[match])
    assert codes(decision) == {"DNC"}
    assert decision.next_eligible_at is None


def test_an_invalid_number() -> None:
    decision = decide("2026-07-01T16:00:00Z", "+1212555", NY_TZ, valid=False)
    assert codes(decision) == {"INVALID_NUMBER"}
    assert decision.next_eligible_at is None
    assert decision.window_closes_at is None


def test_a_toll_free_number_has_no_zone() -> None:
    blocked = decide("2026-07-01T16:00:00Z", "+18005550123")
    assert codes(blocked) == {"TZ_UNKNOWN"}
    assert (blocked.time_zones, blocked.time_zone_source) == ([], None)
    assert blocked.next_eligible_at is None
    policy = CallingPolicy(unknown_time_zone="America/Chicago")
    assumed = decide("2026-07-01T16:00:00Z", "+18005550123", policy=policy)
    assert assumed.callable
    assert (assumed.time_zones, assumed.time_zone_source) == (["America/Chicago"], "policy")


def test_a_toll_free_number_with_a_zip_uses_the_zip() -> None:
    decision = decide("2026-07-01T16:00:00Z", "+18005550123", {"zip": "96813"})
    assert (decision.time_zones, decision.time_zone_source) == (["Pacific/Honolulu"], "postalCode")


def test_nothing_within_fourteen_days() -> None:
    policy = CallingPolicy(holidays=[f"2026-07-{day:02d}" for day in range(1, 17)])
    decision = decide("2026-07-01T16:00:00Z", NY, policy=policy)
    assert codes(decision) == {"HOLIDAY"}
    assert decision.next_eligible_at is None


def test_the_last_instant_of_the_fourteen_days_counts() -> None:
    policy = CallingPolicy(holidays=[f"2026-07-{day:02d}" for day in range(1, 15)])
    decision = decide("2026-07-01T12:00:00Z", NY, policy=policy)
    assert decision.next_eligible_at == utc("2026-07-15T12:00:00Z")


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValidationError):
        decide(utc("2026-07-01T16:00:00Z").replace(tzinfo=None), NY)
