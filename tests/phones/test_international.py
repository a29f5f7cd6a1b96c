"""Numbers written the way Kore's own samples write them (issue 15, item 4): digits without "+"
that are no number of the default region are read as "+" and the same digits, ``00`` as the
international prefix, and the assumption is said in ``_phone.assumed``, read from a stored
column on every road (add, one contact, getAllContacts' fast lane)."""

from __future__ import annotations

from typing import Any

import pytest

from dialist.phones import service
from tests.conftest import Server, Tenant, make_tenant

KORE_SAMPLES = {
    "919876553885": "+919876553885",
    "0044 20 7946 0018": "+442079460018",
}


@pytest.mark.parametrize(("raw", "e164"), sorted(KORE_SAMPLES.items()))
def test_kore_samples_are_read_as_international_numbers(raw: str, e164: str) -> None:
    for normalise in (service.normalise, service.reference_normalise):
        details = normalise(raw, default_region="US")
        assert (details.valid, details.e164, details.raw) == (True, e164, raw)
        assert details.assumed == "international"


def test_the_regions_own_exit_code_is_no_assumption() -> None:
    """011 is the NANP's international prefix (phonenumbers' metadata): read as such, with
    nothing assumed; in Britain (exit code 00) 011 is no prefix, and 00 is no assumption."""
    us = service.normalise("011 49 30 1234567", default_region="US")
    assert (us.valid, us.e164, us.assumed) == (True, "+49301234567", None)
    gb = service.normalise("011 49 30 1234567", default_region="GB")
    assert gb.e164 != "+49301234567"
    assert service.normalise("0049 30 1234567", default_region="GB").assumed is None
    assert service.normalise("0049 30 1234567", default_region="GB").e164 == "+49301234567"


def test_valid_national_numbers_and_plus_numbers_are_untouched() -> None:
    national = service.normalise("(415) 555-2671", default_region="US")
    assert (national.e164, national.assumed) == ("+14155552671", None)
    plus = service.normalise("+1 999 555 2671", default_region="US")
    assert not plus.valid and plus.assumed is None  # never re-read: the "+" says it all


def test_a_failed_national_number_says_the_region_and_how_to_change_it() -> None:
    details = service.normalise("555 12", default_region="US")
    assert not details.valid and details.assumed is None
    message = service.invalid_message(details, region="US", how_to_change="set X")
    assert "US" in message and "set X" in message and '"+"' in message
    plus = service.normalise("+1 555 12", default_region="US")
    assert "US" not in service.invalid_message(plus, region="US", how_to_change="set X")


def _phone_of(tenant: Tenant, list_id: str, contact_id: str) -> dict[str, Any]:
    one = tenant.request("GET", f"{tenant.v2}/{list_id}/contacts/{contact_id}")
    assert one.status_code == 200, one.text
    phone: dict[str, Any] = one.json()["data"]["_phone"]
    return phone


def test_assumed_renders_in_phone_on_every_road(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    added = tenant.request(
        "POST",
        f"{tenant.v2}/{list_id}/contacts?include=phone",
        json={"contacts": [{"phoneNumber": "919876553885"}, {"phoneNumber": "+14155552671"}]},
    )
    assert added.status_code == 200, added.text
    items = added.json()["data"]["results"]
    assert items[0]["phone"]["assumed"] == "international"
    assert items[0]["phone"]["e164"] == "+919876553885" and items[0]["phoneValid"] is True
    assert "assumed" not in items[1]["phone"]
    first, second = items[0]["_id"], items[1]["_id"]
    assert _phone_of(tenant, list_id, first)["assumed"] == "international"
    assert "assumed" not in _phone_of(tenant, list_id, second)
    page = tenant.request("GET", f"{tenant.v2}/{list_id}/getAllContacts?include=phone")
    assert page.status_code == 200, page.text
    by_id = {c["_id"]: c["_phone"] for c in page.json()["data"]["results"]}
    assert by_id[first]["assumed"] == "international"
    assert by_id[first]["e164"] == "+919876553885"
    assert "assumed" not in by_id[second]


def test_rejected_national_number_names_the_region(server_factory: Any) -> None:
    strict: Server = server_factory({"DIALIST_PHONE_POLICY": "reject"})
    tenant = make_tenant(strict)
    list_id = tenant.create_list()["_id"]
    answer = tenant.request(
        "POST", f"{tenant.v2}/{list_id}/contacts", json={"contacts": [{"phoneNumber": "555 12"}]}
    )
    assert answer.status_code == 400, answer.text
    message = answer.json()["errors"][0]["msg"]
    assert "US" in message and "DIALIST_DEFAULT_REGION" in message
