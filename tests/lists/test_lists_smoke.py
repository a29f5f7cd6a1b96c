"""Smoke: create a list, add contacts, page them, over real HTTP."""

from __future__ import annotations

from tests.conftest import Tenant


def test_create_add_page(tenant: Tenant) -> None:
    created = tenant.create_list("Smoke")
    assert created["status"] == "Ready"
    result = tenant.add(created["_id"], [{"phoneNumber": "+14155552671"}])
    assert result["added"] == 1
    page = tenant.request("GET", f"{tenant.v2}/{created['_id']}/getAllContacts").json()
    assert page["data"]["totalResults"] == 1
    assert page["data"]["results"][0]["phoneNumber"] == "+14155552671"
