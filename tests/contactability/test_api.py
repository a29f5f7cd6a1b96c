"""Calling policies, attempts and the contactability check over real HTTP (both backends)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Tenant

NY = "+12125550199"  # New York: America/New_York, US-NY
WEDNESDAY_NOON_NY = "2026-06-03T16:00:00Z"  # 12:00 EDT
WEDNESDAY_LATE_NY = "2026-06-04T03:00:00Z"  # 23:00 EDT


def _base(tenant: Tenant) -> str:
    return tenant.v2.removesuffix("/contactList")


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _error(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "failure" and body["errors"][0]["field"] == field, body
    return body


def _check(tenant: Tenant, items: list[dict[str, Any]], at: str) -> list[dict[str, Any]]:
    data = _ok(
        tenant.request("POST", f"{_base(tenant)}/contactability", json={"items": items, "at": at})
    )
    results: list[dict[str, Any]] = data["results"]
    return results


def _add_entries(tenant: Tenant, dnc_list_id: str, entries: list[dict[str, Any]]) -> None:
    path = f"{_base(tenant)}/dncList/{dnc_list_id}/entries"
    _ok(tenant.request("POST", path, json={"entries": entries}))


def _three_attempts_before_noon(tenant: Tenant, list_id: str, contact_id: str) -> None:
    """Three attempts on Wednesday 2027-06-02, the last an hour before 16:00 UTC."""
    tried = f"{tenant.v2}/{list_id}/contacts/{contact_id}/attempts"
    for at in ("2027-06-02T13:00:00Z", "2027-06-02T14:00:00Z", "2027-06-02T15:00:00Z"):
        _ok(tenant.request("POST", tried, json={"outcome": "noAnswer", "at": at}))


def test_calling_policy_defaults_replace_and_list_override(tenant: Tenant) -> None:
    base = _base(tenant)
    default = _ok(tenant.request("GET", f"{base}/callingPolicy"))
    assert default["window"] == {"start": "08:00", "end": "21:00"}
    assert default["unknownTimeZone"] == "block" and default["jurisdictionRules"] is True
    saved = _ok(tenant.request("PUT", f"{base}/callingPolicy", json={"window": {"end": "20:00"}}))
    assert saved["window"] == {"start": "08:00", "end": "20:00"} and len(saved["days"]) == 7
    assert _ok(tenant.request("GET", f"{base}/callingPolicy")) == saved
    bad = {"window": {"start": "20:00", "end": "09:00"}}
    _error(tenant.request("PUT", f"{base}/callingPolicy", json=bad), 400, "window.end")
    _error(
        tenant.request("PUT", f"{base}/callingPolicy", json={"unknownTimeZone": "Mars/Base"}),
        400,
        "unknownTimeZone",
    )
    assert _ok(tenant.request("GET", f"{base}/callingPolicy")) == saved  # nothing half-written

    created = tenant.create_list()
    path = f"{tenant.v2}/{created['_id']}/callingPolicy"
    assert _ok(tenant.request("GET", path)) == {"override": None, "effective": saved}
    changed = _ok(tenant.request("PUT", path, json={"window": {"end": "19:00"}}))
    assert changed["override"]["window"] == {"end": "19:00"}
    assert changed["effective"]["window"] == {"start": "08:00", "end": "19:00"}
    removed = _ok(
        tenant.request("PUT", path, content=b"null", headers={"content-type": "application/json"})
    )
    assert removed["override"] is None
    tenant.request("PUT", f"{base}/callingPolicy", json={})  # back to the defaults


def test_a_number_inside_and_outside_its_window(tenant: Tenant) -> None:
    inside, outside, unknown = _check(
        tenant,
        [{"phoneNumber": NY}, {"phoneNumber": "(212) 555-0199"}, {"phoneNumber": "12"}],
        WEDNESDAY_NOON_NY,
    )
    assert inside["callable"] is True and inside["e164"] == NY
    assert inside["timeZones"] == ["America/New_York"] and "US" in inside["jurisdictions"]
    assert inside["windowClosesAt"].startswith("2026-06-04T01:00:00")  # 21:00 EDT
    assert outside["callable"] is True  # the same number written nationally
    assert unknown["callable"] is False
    assert "INVALID_NUMBER" in [r["code"] for r in unknown["reasons"]]
    assert unknown["nextEligibleAt"] is None
    (late,) = _check(tenant, [{"phoneNumber": NY}], WEDNESDAY_LATE_NY)
    assert late["callable"] is False
    # Once for the calling policy's window and once for the US rule's (both closed).
    assert {r["code"] for r in late["reasons"]} == {"OUTSIDE_WINDOW"}
    assert late["nextEligibleAt"].startswith("2026-06-04T12:00:00")  # 08:00 EDT


def test_dnc_entry_and_opt_out_block_everywhere(tenant: Tenant) -> None:
    first, second = tenant.create_list(allowDuplicates=True), tenant.create_list()
    number = "+13055550142"  # Florida
    one = tenant.add(first["_id"], [{"phoneNumber": number}])["results"][0]["_id"]
    two = tenant.add(second["_id"], [{"phoneNumber": number}])["results"][0]["_id"]
    at = "2026-06-03T16:00:00Z"
    item = {"contactListId": second["_id"], "contactId": two}
    (before,) = _check(tenant, [item], at)
    assert before["callable"] is True and "US-FL" in before["jurisdictions"]

    attempts = f"{tenant.v2}/{first['_id']}/contacts/{one}/attempts"
    recorded = _ok(tenant.request("POST", attempts, json={"outcome": "optOut", "at": at}))
    assert recorded["e164"] == number and recorded["outcome"] == "optOut"
    assert _ok(tenant.request("GET", attempts))[0]["_id"] == recorded["_id"]
    (after,) = _check(tenant, [item], at)
    assert after["callable"] is False and after["nextEligibleAt"] is None
    (dnc,) = [r for r in after["reasons"] if r["code"] == "DNC"]
    assert dnc["match"]["source"] == "optOut"
    lists = _ok(tenant.request("GET", f"{_base(tenant)}/dncList"))
    assert [d["name"] for d in lists if d["name"] == "Opt-outs"] == ["Opt-outs"]


def test_attempt_cap_of_a_florida_number(tenant: Tenant) -> None:
    created = tenant.create_list()
    number = "+13055550177"
    contact = tenant.add(created["_id"], [{"phoneNumber": number}])["results"][0]["_id"]
    path = f"{tenant.v2}/{created['_id']}/contacts/{contact}/attempts"
    for at in ("2026-06-03T13:00:00Z", "2026-06-03T14:00:00Z", "2026-06-03T15:00:00Z"):
        _ok(tenant.request("POST", path, json={"outcome": "noAnswer", "at": at}))
    item = {"contactListId": created["_id"], "contactId": contact}
    (capped,) = _check(tenant, [item], "2026-06-03T16:00:00Z")
    assert {r["code"] for r in capped["reasons"]} == {"ATTEMPT_CAP"}  # Florida: 3 a day
    assert capped["nextEligibleAt"].startswith("2026-06-04T13:00:00")  # first attempt + 24 h


def test_bad_input_is_400_or_404(tenant: Tenant) -> None:
    base = _base(tenant)
    check = f"{base}/contactability"
    _error(tenant.request("POST", check, json={"items": []}), 400, "items")
    _error(tenant.request("POST", check, json={"items": [{}]}), 400, "items[0].phoneNumber")
    _error(
        tenant.request("POST", check, json={"items": [{"phoneNumber": NY}], "at": "soon"}),
        400,
        "at",
    )
    missing = {"contactListId": "cl-00000000-0000-8000-8000-000000000000", "contactId": "cc-x"}
    assert tenant.request("POST", check, json={"items": [missing]}).status_code == 404
    created = tenant.create_list()
    contact = tenant.add(created["_id"], [{"phoneNumber": NY}])["results"][0]["_id"]
    path = f"{tenant.v2}/{created['_id']}/contacts/{contact}/attempts"
    _error(tenant.request("POST", path, json={"outcome": "maybe"}), 400, "outcome")
    _error(tenant.request("POST", path, json={"outcome": "busy", "at": "x"}), 400, "at")
    assert (
        tenant.request("GET", f"{tenant.v2}/{created['_id']}/contacts/cc-nope/attempts").status_code
        == 404
    )


def test_callable_pages_the_contacts_callable_now(tenant: Tenant) -> None:
    created = tenant.create_list(allowDuplicates=True)
    numbers = ["+12125550101", "+12125550102", "12", "+12125550103", "+12125550104"]
    added = tenant.add(created["_id"], [{"phoneNumber": n} for n in numbers])["results"]
    ids = [r["_id"] for r in added]
    base = _base(tenant)
    dnc = _ok(tenant.request("POST", f"{base}/dncList", json={"name": "c1", "scope": "stream"}))
    _ok(
        tenant.request(
            "POST",
            f"{base}/dncList/{dnc['_id']}/entries",
            json={"entries": [{"phoneNumber": "+12125550103"}]},
        )
    )
    path = f"{tenant.v2}/{created['_id']}/callable"
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"at": WEDNESDAY_NOON_NY, "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = _ok(tenant.request("GET", path, params=params))
        for contact in page["contacts"]:
            assert contact["_contactability"]["timeZones"] == ["America/New_York"]
            assert contact["_contactability"]["windowClosesAt"].startswith("2026-06-04T01:00")
        seen += [c["_id"] for c in page["contacts"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [ids[0], ids[1], ids[4]]  # not the invalid number, not the DNC one
    late = _ok(tenant.request("GET", path, params={"at": WEDNESDAY_LATE_NY}))
    assert late == {"contacts": [], "nextCursor": None}
    _error(tenant.request("GET", path, params={"cursor": "nope"}), 400, "cursor")
    other = tenant.create_list()
    foreign = _ok(tenant.request("GET", path, params={"limit": 1, "at": WEDNESDAY_NOON_NY}))
    bad = tenant.request(
        "GET", f"{tenant.v2}/{other['_id']}/callable", params={"cursor": foreign["nextCursor"]}
    )
    _error(bad, 400, "cursor")


def test_callable_leaves_out_exactly_the_contacts_the_check_blocks(tenant: Tenant) -> None:
    """The page judges callability alone (no reasons made for a DNC-blocked contact) and is
    answered in front of the framework: it must agree with the check on every kind of DNC
    match (a prefix, a contact-list-scope list, an entry expiring before and after ``at``),
    an attempt cap, and a contact's own time zone."""
    created = tenant.create_list(allowDuplicates=True)
    contacts = [
        {"phoneNumber": "+12125550111"},  # callable
        {"phoneNumber": "+12125550222"},  # a prefix entry of the stream
        {"phoneNumber": "+12125550133"},  # the list's own DNC list
        {"phoneNumber": "+12125550144"},  # an entry that expired before at: callable
        {"phoneNumber": "+12125550155"},  # an entry that expires after at
        {"phoneNumber": "+13055550166"},  # Florida, three attempts today: capped
        {"phoneNumber": "+12125550177", "timeZone": "Asia/Tokyo"},  # 01:00 in Tokyo
    ]
    added = tenant.add(created["_id"], contacts)["results"]
    ids = [r["_id"] for r in added]
    base = _base(tenant)
    stream = _ok(tenant.request("POST", f"{base}/dncList", json={"name": "s", "scope": "stream"}))
    mine = _ok(
        tenant.request(
            "POST",
            f"{base}/dncList",
            json={"name": "l", "scope": "contactList", "contactListId": created["_id"]},
        )
    )
    entries = [
        {"prefix": "+121255502"},
        {"phoneNumber": "+12125550144", "expiresAt": "2027-06-02T15:00:00Z"},
        {"phoneNumber": "+12125550155", "expiresAt": "2027-06-02T17:00:00Z"},
    ]
    for dnc_list, listed in ((stream, entries), (mine, [{"phoneNumber": "+12125550133"}])):
        _add_entries(tenant, dnc_list["_id"], listed)
    _three_attempts_before_noon(tenant, created["_id"], ids[5])
    noon = "2027-06-02T16:00:00Z"  # a Wednesday, 12:00 in New York (entries may not be past)
    items = [{"contactListId": created["_id"], "contactId": i} for i in ids]
    checked = _check(tenant, items, noon)
    page = _ok(tenant.request("GET", f"{tenant.v2}/{created['_id']}/callable", params={"at": noon}))
    assert [c["_id"] for c in page["contacts"]] == [
        i for i, result in zip(ids, checked, strict=True) if result["callable"]
    ]
    assert [c["_id"] for c in page["contacts"]] == [ids[0], ids[3]]
    for contact, result in zip(page["contacts"], [checked[0], checked[3]], strict=True):
        assert contact["_contactability"] == {
            "windowClosesAt": result["windowClosesAt"],
            "timeZones": result["timeZones"],
        }
    repeated = tenant.request(
        "GET", f"{tenant.v2}/{created['_id']}/callable", params=[("limit", "1"), ("limit", "2")]
    )
    _error(repeated, 400, "limit")


@pytest.mark.parametrize(
    "at", ["0001-01-01T00:00:00+01:02", "9999-12-31T23:59:59-01:00", "0001-06-01T00:00:00Z"]
)
def test_an_instant_outside_the_years_2_to_9998_is_a_400(tenant: Tenant, at: str) -> None:
    """Such an instant would leave what a UTC datetime holds once its offset (or the 14-day
    look ahead) is applied: a 400 naming the field, never a 500."""
    base = tenant.v2.removesuffix("/contactList")
    checked = tenant.request(
        "POST",
        f"{base}/contactability",
        json={"at": at, "items": [{"phoneNumber": "+12125550123"}]},
    )
    assert checked.status_code == 400, checked.text
    assert checked.json()["errors"][0]["field"] == "at"
    dnc = tenant.request("POST", f"{base}/dnc/check", json={"at": at, "phoneNumbers": ["+1"]})
    assert dnc.status_code == 400 and dnc.json()["errors"][0]["field"] == "at", dnc.text
    listed = tenant.create_list("Instants")
    query = tenant.request(
        "GET", f"{tenant.v2}/{listed['_id']}/contacts", params={"createdAfter": at}
    )
    assert query.status_code == 400 and query.json()["errors"][0]["field"] == "createdAfter"


def test_a_number_is_judged_alike_however_it_is_written(tenant: Tenant) -> None:
    """Numbers written as "+" and digits alone take the check's fast road (facts remembered by
    their deciding digits, DNC reasons written into a shared decision); the same numbers with
    a space, or named as stored contacts, take the long one. Both answer the same, for every
    kind of decision, in the order asked, however the items are mixed."""
    created = tenant.create_list(allowDuplicates=True)
    numbers = [
        "+12125550311",  # callable
        "+12125550322",  # two DNC entries without expiry (a number and a prefix)
        "+12125550333",  # an entry that expires after at
        "+13055550344",  # Florida, three attempts today: capped
        "+18005550355",  # toll-free
        "+1212555036",  # too short: not valid
        "+14165550377",  # Toronto
        "+12125550311",  # the first again
    ]
    added = tenant.add(created["_id"], [{"phoneNumber": n} for n in numbers])["results"]
    base = _base(tenant)
    dnc_list = _ok(tenant.request("POST", f"{base}/dncList", json={"name": "s", "scope": "stream"}))
    entries = [
        {"phoneNumber": "+12125550322", "reason": "asked"},
        {"prefix": "+1212555032"},
        {"phoneNumber": "+12125550333", "expiresAt": "2027-06-02T17:00:00Z"},
    ]
    _add_entries(tenant, dnc_list["_id"], entries)
    _three_attempts_before_noon(tenant, created["_id"], added[3]["_id"])
    noon = "2027-06-02T16:00:00Z"
    fast = [{"phoneNumber": n} for n in numbers]
    spaced = [{"phoneNumber": n[:2] + " " + n[2:]} for n in numbers]
    alone = _check(tenant, fast, noon)
    mixed = _check(tenant, [x for pair in zip(spaced, fast, strict=True) for x in pair], noon)

    def without_index(result: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in result.items() if k != "index"}

    assert [r["index"] for r in mixed] == list(range(2 * len(numbers)))
    for i, result in enumerate(alone):
        assert without_index(mixed[2 * i]) == without_index(result), numbers[i]
        assert without_index(mixed[2 * i + 1]) == without_index(result), numbers[i]
    codes = [sorted({r["code"] for r in result["reasons"]}) for result in alone]
    assert codes[:4] == [[], ["DNC"], ["DNC"], ["ATTEMPT_CAP"]]
    assert codes[4:] == [["TZ_UNKNOWN"], ["INVALID_NUMBER", "TZ_UNKNOWN"], [], []]
    blocked = alone[1]
    assert [r["match"]["value"] for r in blocked["reasons"]] == ["+12125550322", "+1212555032"]
    assert blocked["nextEligibleAt"] is None and blocked["timeZones"] == ["America/New_York"]
    assert alone[2]["nextEligibleAt"].startswith("2027-06-02T17:00:00")
    assert alone[6]["jurisdictions"] == ["CA", "CA-ON"]
    # The stored contacts: the same decisions (attempts and entries are the stream's).
    items = [{"contactListId": created["_id"], "contactId": r["_id"]} for r in added]
    assert [without_index(r) for r in _check(tenant, items, noon)] == [
        without_index(r) for r in alone
    ]
