"""A contact's zones (contract §4 order) and jurisdictions (§3), from maintained data."""

from __future__ import annotations

import pytest

from dialist.contactability.jurisdictions import RULES, RULES_VERSION, contact_jurisdictions
from dialist.contactability.zones import contact_zones


def test_the_contact_s_own_zone_comes_first() -> None:
    found = contact_zones(
        e164="+13055550123", fields={"timeZone": "America/Denver", "zip": "10001"}
    )
    assert (found.zones, found.source) == (["America/Denver"], "contact")


def test_a_zone_that_is_not_iana_is_passed_over() -> None:
    found = contact_zones(e164="+13035550123", fields={"timeZone": "Mountain"})
    assert (found.zones, found.source) == (["America/Denver"], "phoneNumber")


@pytest.mark.parametrize("name", ["postalCode", "zip", "zipCode"])
def test_a_us_zip_comes_before_the_number(name: str) -> None:
    found = contact_zones(e164="+12125550123", fields={name: "85004-1234"})
    assert (found.zones, found.source) == (["America/Phoenix"], "postalCode")


def test_a_zip_that_is_not_real_is_passed_over() -> None:
    found = contact_zones(e164="+18085550123", fields={"zip": "00000"})
    assert (found.zones, found.source) == (["Pacific/Honolulu"], "phoneNumber")


def test_an_area_code_with_two_zones_gives_both() -> None:
    found = contact_zones(e164="+17095550123", fields={})
    assert found.zones == ["America/Halifax", "America/St_Johns"]
    assert found.source == "phoneNumber"


def test_toll_free_and_invalid_numbers_have_no_zone() -> None:
    for e164 in ("+18005550123", "+18885550123", None, "+1212555", "not a number"):
        found = contact_zones(e164=e164, fields={})
        assert (found.zones, found.source) == ([], None)


@pytest.mark.parametrize(
    ("e164", "fields", "expected"),
    [
        ("+13055550123", {}, ["US", "US-FL"]),
        ("+12125550123", {}, ["US", "US-NY"]),
        ("+12065550123", {}, ["US", "US-WA"]),
        ("+12025550123", {}, ["US", "US-DC"]),
        ("+16015550123", {}, ["US", "US-MS"]),
        ("+14055550123", {}, ["US", "US-OK"]),
        ("+14105550123", {}, ["US", "US-MD"]),
        ("+14165550123", {}, ["CA", "CA-ON"]),
        ("+16045550123", {}, ["CA", "CA-BC"]),
        ("+19025550123", {}, ["CA", "CA-NS", "CA-PE"]),
        ("+13055550123", {"zip": "10001"}, ["US", "US-FL", "US-NY"]),
        ("+12125550123", {"postalCode": "33101"}, ["US", "US-NY", "US-FL"]),
        ("+12125550123", {"state": "wa"}, ["US", "US-NY", "US-WA"]),
        ("+14165550123", {"zipCode": "39201"}, ["CA", "CA-ON", "US", "US-MS"]),
        ("+18005550123", {}, ["US"]),
        ("+442071838750", {}, ["GB"]),
        (None, {"state": "QC"}, ["CA", "CA-QC"]),
        (None, {"state": "ZZ"}, []),
    ],
)
def test_jurisdictions(e164: str | None, fields: dict[str, object], expected: list[str]) -> None:
    assert contact_jurisdictions(e164=e164, fields=fields) == expected


def test_the_rules_table_is_versioned_and_has_the_contract_rows() -> None:
    assert RULES_VERSION
    assert set(RULES) == {"US", "US-FL", "US-OK", "US-MD", "US-WA", "US-MS", "CA"}
    assert RULES["US-MS"].days == frozenset(range(6))
    assert RULES["CA"].windows[0] == ("09:00", "21:30")
    assert RULES["CA"].windows[6] == ("10:00", "18:00")
    assert [(c.max, c.within_hours) for c in RULES["US-FL"].caps] == [(3, 24)]
