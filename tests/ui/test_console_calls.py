"""The console's calling-policy override of a list, recording an attempt on a contact's page, and
error pages for addresses under /ui that no page takes, over HTTP on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Server, Tenant, make_tenant
from tests.ui.helpers import ConsoleUser

NUMBER = "+14155550123"
STREAM_FORM = {
    "windowStart": "09:00",
    "windowEnd": "18:00",
    "endBufferMinutes": "10",
    "days": ["mon", "tue"],
    "holidays": "2026-12-25",
    "jurisdictionRules": "on",
    "unknownTimeZone": "block",
    "attemptCaps": "3/24",
}


@pytest.fixture
def user(server: Server, tenant: Tenant) -> Iterator[ConsoleUser]:
    signed_in = ConsoleUser(server.url)
    assert signed_in.sign_in(tenant.client_id, tenant.client_secret).status_code == 303
    yield signed_in
    signed_in.close()


def _api(tenant: Tenant, path: str) -> Any:
    base = f"/campaign/api/v2/public/{tenant.stream_id}/campaign"
    answer = tenant.request("GET", base + path)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def _is_page(answer: httpx.Response, status: int) -> None:
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    assert answer.text.startswith("<!doctype html>") and '"status":"failure"' not in answer.text


def test_a_lists_override_is_shown_saved_and_cleared(user: ConsoleUser, tenant: Tenant) -> None:
    list_id = tenant.create_list("Renewals")["_id"]
    policy_path = f"/contactList/{list_id}/callingPolicy"
    assert user.post("/ui/policy", STREAM_FORM).status_code == 303
    assert f'href="/ui/lists/{list_id}/policy"' in user.get(f"/ui/lists/{list_id}").text

    page = user.get(f"/ui/lists/{list_id}/policy")
    _is_page(page, 200)
    assert "No override" in page.text and 'value="09:00"' in page.text
    assert 'name="override" value="window"' in page.text and " checked> Override" not in page.text

    # Only the ticked parts become the override; the others keep following the stream.
    form = {**STREAM_FORM, "override": ["window", "attemptCaps"], "windowStart": "10:00"}
    saved = user.post(f"/ui/lists/{list_id}/policy", {**form, "attemptCaps": "2/48"})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/ui/lists/{list_id}/policy?done=list-policy-saved"
    answer = _api(tenant, policy_path)
    assert answer["override"] == {
        "window": {"start": "10:00", "end": "18:00"},
        "attemptCaps": [{"max": 2, "withinHours": 48.0}],
    }
    assert answer["effective"]["days"] == ["mon", "tue"]
    shown = user.get(saved.headers["location"]).text
    assert "override saved" in shown and 'value="window" checked> Override' in shown
    assert 'value="days" checked' not in shown and "Remove the override" in shown

    # An unreadable value of a ticked part is a 400 page naming it, and nothing changes;
    # a bad value of a part not ticked is not read.
    refused = user.post(f"/ui/lists/{list_id}/policy", {**form, "windowStart": "25:00"})
    _is_page(refused, 400)
    assert "window.start" in refused.text
    bad_caps = user.post(f"/ui/lists/{list_id}/policy", {**form, "attemptCaps": "3 a day"})
    _is_page(bad_caps, 400)
    assert "attemptCaps" in bad_caps.text
    assert _api(tenant, policy_path)["override"] == answer["override"]
    ignored = {**STREAM_FORM, "override": "days", "days": "sat", "endBufferMinutes": "soon"}
    assert user.post(f"/ui/lists/{list_id}/policy", ignored).status_code == 303
    assert _api(tenant, policy_path)["override"] == {"days": ["sat"]}

    cleared = user.post(f"/ui/lists/{list_id}/policy/clear")
    assert cleared.headers["location"].endswith("done=list-policy-cleared")
    assert _api(tenant, policy_path)["override"] is None
    assert "No override" in user.get(f"/ui/lists/{list_id}/policy").text
    # Saving with nothing ticked removes the override too.
    user.post(f"/ui/lists/{list_id}/policy", {**STREAM_FORM, "override": "days"})
    assert user.post(f"/ui/lists/{list_id}/policy", STREAM_FORM).status_code == 303
    assert _api(tenant, policy_path)["override"] is None


def test_list_policy_forms_need_the_token_and_the_tenants_list(
    server: Server, user: ConsoleUser, tenant: Tenant
) -> None:
    list_id = tenant.create_list("Mine")["_id"]
    path = f"/ui/lists/{list_id}/policy"
    for forged in (path, path + "/clear"):
        data = {**STREAM_FORM, "override": "days", "csrf": "0" * 64}
        refused = user.http.post(forged, data=data)
        assert refused.status_code == 403 and "security token" in refused.text
    assert _api(tenant, f"/contactList/{list_id}/callingPolicy")["override"] is None
    owner = make_tenant(server)
    theirs = owner.create_list("Theirs")["_id"]
    _is_page(user.get(f"/ui/lists/{theirs}/policy"), 404)
    _is_page(user.post(f"/ui/lists/{theirs}/policy", {**STREAM_FORM, "override": "days"}), 404)
    _is_page(user.post(f"/ui/lists/{theirs}/policy/clear"), 404)
    _is_page(user.post(f"/ui/lists/{list_id}/policy", {"override": "galaxy"}), 400)


def test_a_contact_page_records_attempts_and_explains_opt_out(
    user: ConsoleUser, tenant: Tenant
) -> None:
    list_id = tenant.create_list("Calls")["_id"]
    added = tenant.add(list_id, [{"phoneNumber": NUMBER}, {"phoneNumber": "919876553885"}])
    contact_id, international = (item["_id"] for item in added["results"])
    assumed = user.get(f"/ui/lists/{list_id}/contacts/{international}").text
    assert "<dt>assumed</dt><dd>international</dd>" in assumed
    page_path = f"/ui/lists/{list_id}/contacts/{contact_id}"
    page = user.get(page_path).text
    assert f'action="{page_path}/attempts"' in page and "Opt-outs" in page
    assert "No attempts recorded." in page

    note = "<script>alert(1)</script>"
    recorded = user.post(page_path + "/attempts", {"outcome": "busy", "note": note})
    assert recorded.status_code == 303
    assert recorded.headers["location"] == f"{page_path}?done=attempt-recorded"
    shown = user.get(recorded.headers["location"]).text
    assert "Attempt recorded." in shown and note not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown

    opted = user.post(page_path + "/attempts", {"outcome": "optOut", "note": ""})
    assert opted.headers["location"].endswith("done=attempt-opted-out")
    after = user.get(opted.headers["location"]).text
    assert "Cannot be called now" in after and "Opt-outs" in after
    attempts = _api(tenant, f"/contactList/{list_id}/contacts/{contact_id}/attempts")
    assert [(a["outcome"], a["note"]) for a in attempts] == [("optOut", None), ("busy", note)]
    assert [(d["name"], d["entryCount"]) for d in _api(tenant, "/dncList")] == [("Opt-outs", 1)]

    for bad, field in (({"outcome": "maybe"}, "outcome"), ({"outcome": ""}, "outcome")):
        refused = user.post(page_path + "/attempts", bad)
        _is_page(refused, 400)
        assert field in refused.text
    too_long = user.post(page_path + "/attempts", {"outcome": "busy", "note": "n" * 1001})
    _is_page(too_long, 400)
    assert "note" in too_long.text and 'value="busy" selected' in too_long.text
    forged = user.http.post(page_path + "/attempts", data={"outcome": "busy"})
    assert forged.status_code == 403
    _is_page(user.post(f"/ui/lists/{list_id}/contacts/cc-nope/attempts", {"outcome": "busy"}), 404)
    assert len(_api(tenant, f"/contactList/{list_id}/contacts/{contact_id}/attempts")) == 2


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/ui/no/such/page", 404),
        ("PUT", "/ui/no-such-page", 404),
        ("DELETE", "/ui/no-such-page", 404),
        ("GET", "/ui/lists/{list}/no-such-page", 404),
        ("PATCH", "/ui/lists/{list}/no-such-page", 404),
        ("GET", "/ui/static/no-such-file.css", 404),
        ("PUT", "/ui/lists", 405),
        ("DELETE", "/ui/lists/{list}", 405),
        ("PATCH", "/ui/policy", 405),
        ("POST", "/ui", 405),
        ("POST", "/ui/static/console.css", 405),
    ],
)
def test_unknown_addresses_and_methods_answer_pages(
    user: ConsoleUser, tenant: Tenant, method: str, path: str, status: int
) -> None:
    list_id = tenant.create_list()["_id"]
    url = path.replace("{list}", list_id)
    headers = {"x-csrf-token": user.csrf}
    answer = user.http.request(method, url, headers=headers)
    _is_page(answer, status)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}[status]
    assert f"{status} {code}" in answer.text
    if status == 405:
        assert "does not accept that method" in answer.text
        assert "GET" in answer.headers["allow"]
    else:
        assert "no such page" in answer.text
    # The API's own addresses still answer the JSON envelope.
    api = tenant.request(method, f"/campaign/api/v2/public/{tenant.stream_id}/campaign/nope")
    assert api.status_code in (404, 405) and api.json()["status"] == "failure"
