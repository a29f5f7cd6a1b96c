"""Look-alike names (issue 15, item 2): contact and DNC list names are stored in NFC, refused
with a 400 when they hold bidi controls, zero-width or tag characters or noncharacters, and
compared (uniqueness, lookup by name) by a case-folded NFKC key."""

from __future__ import annotations

import unicodedata
from typing import Any

import httpx
import pytest

from dialist import validation
from tests.conftest import Tenant

NFC = unicodedata.normalize("NFC", "Café Été")
NFD = unicodedata.normalize("NFD", "Café Été")
SAME_NAMES = [
    (NFC, NFD),
    ("Straße", "STRASSE"),
    ("\ufb01les", "FILES"),
    ("\uff2d\uff41\uff59", "may"),
]
REFUSED = {
    "right-to-left override": "invoice\u202etxt.exe",
    "left-to-right mark": "May\u200e",
    "zero-width space": "Ma\u200by",
    "zero-width joiner": "Ma\u200dy",
    "word joiner": "Ma\u2060y",
    "byte order mark": "\ufeffMay",
    "tag character": "May\U000e0041",
    "noncharacter": "May\ufdd0",
    "noncharacter FFFF": "May\uffff",
}


def _create(tenant: Tenant, name: str) -> httpx.Response:
    body = {"name": name, "description": "d", "source": "passiveApi"}
    return tenant.request("POST", tenant.v2 + "/createContactList", json=body)


def _dnc_path(tenant: Tenant) -> str:
    return f"/campaign/api/v2/public/{tenant.stream_id}/campaign/dncList"


def _create_dnc(tenant: Tenant, name: str) -> httpx.Response:
    return tenant.request("POST", _dnc_path(tenant), json={"name": name, "scope": "stream"})


def _assert_400_on_name(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "failure"
    assert body["errors"][0]["field"] == "name"
    assert body["errors"][0]["code"] == "VALIDATION_ERROR"


def test_key_is_case_folded_nfkc() -> None:
    for first, second in SAME_NAMES:
        assert validation.name_key(first) == validation.name_key(second), (first, second)
    assert validation.name_key("May") != validation.name_key("Mai")


@pytest.mark.parametrize(("first", "second"), SAME_NAMES)
def test_contact_list_names_that_look_alike_are_one_name(
    tenant: Tenant, first: str, second: str
) -> None:
    created = _create(tenant, first)
    assert created.status_code == 200, created.text
    assert created.json()["data"]["name"] == unicodedata.normalize("NFC", first)
    again = _create(tenant, second)
    assert again.status_code == 409, again.text
    assert again.json()["errors"][0]["code"] == "DUPLICATE_NAME"


def test_names_are_stored_in_nfc_and_found_by_any_form(tenant: Tenant) -> None:
    created = _create(tenant, NFD).json()["data"]
    assert created["name"] == NFC
    read = tenant.request("GET", f"{tenant.v2}/{created['_id']}").json()["data"]
    assert read["name"] == NFC
    # addContacts picks its list by name: any look-alike of the name finds it.
    for name in (NFC, NFD, NFC.upper()):
        added = tenant.request(
            "POST",
            tenant.add_contacts_path,
            json={"contact_list_name": name, "data": [{"phoneNumber": "+14155552671"}]},
        )
        assert added.status_code == 200, (name, added.text)


def test_rename_to_a_look_alike_of_another_list_is_409(tenant: Tenant) -> None:
    _create(tenant, "Straße")
    other = _create(tenant, "Avenue").json()["data"]["_id"]
    renamed = tenant.request("PUT", f"{tenant.v2}/{other}", json={"name": "STRASSE"})
    assert renamed.status_code == 409, renamed.text
    # A list may take a look-alike of its own name (a change of case or form).
    self_rename = tenant.request("PUT", f"{tenant.v2}/{other}", json={"name": "AVENUE"})
    assert self_rename.status_code == 200, self_rename.text


@pytest.mark.parametrize("what", sorted(REFUSED))
def test_invisible_and_look_alike_characters_are_refused(tenant: Tenant, what: str) -> None:
    name = REFUSED[what]
    _assert_400_on_name(_create(tenant, name))
    existing = _create(tenant, f"ok {what}").json()["data"]["_id"]
    _assert_400_on_name(tenant.request("PUT", f"{tenant.v2}/{existing}", json={"name": name}))
    _assert_400_on_name(_create_dnc(tenant, name))
    names = [
        x["name"] for x in tenant.request("GET", tenant.v2 + "/getAllListDetails").json()["data"]
    ]
    assert name not in names


@pytest.mark.parametrize(("first", "second"), SAME_NAMES)
def test_dnc_list_names_that_look_alike_are_one_name(
    tenant: Tenant, first: str, second: str
) -> None:
    created = _create_dnc(tenant, first)
    assert created.status_code in (200, 201), created.text
    data: dict[str, Any] = created.json()["data"]
    assert data["name"] == unicodedata.normalize("NFC", first)
    again = _create_dnc(tenant, second)
    assert again.status_code == 409, again.text
    assert again.json()["errors"][0]["code"] == "DUPLICATE_NAME"


def test_a_name_whose_key_would_be_too_long_is_refused(tenant: Tenant) -> None:
    """U+FDFA spells out to 18 characters: 48 of them would not fit the stored key."""
    _assert_400_on_name(_create(tenant, "\ufdfa" * 20))
