"""The console over HTTP on both backends: sessions, CSRF, escaping, tenant isolation, errors
as pages with the right status, and the forms doing what the API does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer

from dialist.ui import session
from tests.conftest import Server, Tenant, make_tenant, start_server
from tests.imports.helpers import wait
from tests.ui.helpers import ConsoleUser, csrf_of

CSV = b"phoneNumber,firstName\n+14155550101,Ada\n+14155550102,Alan\nnot a number,Eve\n"


@pytest.fixture
def user(server: Server, tenant: Tenant) -> Iterator[ConsoleUser]:
    signed_in = ConsoleUser(server.url)
    answer = signed_in.sign_in(tenant.client_id, tenant.client_secret)
    assert answer.status_code == 303, answer.text
    yield signed_in
    signed_in.close()


def _list_id(answer: httpx.Response) -> str:
    found = re.match(r"/ui/lists/(cl-[^/?]+)", answer.headers["location"])
    assert found, answer.headers.get("location")
    return found.group(1)


def _upload(user: ConsoleUser, list_id: str, body: bytes = CSV, **params: str) -> httpx.Response:
    return user.http.post(
        f"/ui/lists/{list_id}/imports",
        params={"fileName": "people.csv", **params},
        content=body,
        headers={"x-csrf-token": user.csrf, "accept": "application/json"},
    )


def test_pages_need_a_session_and_carry_the_security_headers(server: Server) -> None:
    anonymous = ConsoleUser(server.url)
    for path in ("/ui/lists", "/ui/dnc", "/ui/policy", "/ui/lists/cl-x/contacts/cc-y"):
        answer = anonymous.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/ui/sign-in", path
    for path in ("/ui/sign-in", "/ui/static/console.css", "/ui/static/console.js", "/ui/lists"):
        headers = anonymous.get(path).headers
        assert headers["content-security-policy"].startswith("default-src 'self'"), path
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
    anonymous_post = anonymous.http.post("/ui/lists", data={"name": "x", "description": "y"})
    assert anonymous_post.status_code == 303
    script = anonymous.get("/ui/static/console.js")
    assert script.status_code == 200 and "XMLHttpRequest" in script.text


def test_sign_in_sets_a_strict_http_only_expiring_cookie(server: Server, tenant: Tenant) -> None:
    user = ConsoleUser(server.url)
    answer = user.sign_in(tenant.client_id, tenant.client_secret)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/lists"
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("dialist_console=")
    )
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {
        "httponly",
        "path=/ui",
        "samesite=strict",
        f"max-age={session.LIFETIME_SECONDS}",
    } <= attributes
    assert tenant.client_secret not in cookie
    page = user.get("/ui/lists")
    assert page.status_code == 200 and tenant.stream_id in page.text


@pytest.mark.parametrize(
    ("client_id", "secret", "status", "words"),
    [
        ("", "x", 400, "client id is required"),
        ("known", "", 400, "client secret is required"),
        ("known", "wrong secret", 401, "does not match"),
        ("cs-unknown", "whatever", 401, "unknown client id"),
    ],
)
def test_sign_in_refusals(
    server: Server, tenant: Tenant, client_id: str, secret: str, status: int, words: str
) -> None:
    user = ConsoleUser(server.url)
    answer = user.sign_in(tenant.client_id if client_id == "known" else client_id, secret)
    assert answer.status_code == status and words in answer.text
    assert not any(c.startswith("dialist_console=") for c in answer.headers.get_list("set-cookie"))
    assert user.get("/ui/lists").status_code == 303


def test_sign_in_form_needs_its_token_and_the_app_its_scope(server: Server) -> None:
    tenant = make_tenant(server)
    forged = httpx.post(
        server.url + "/ui/sign-in",
        data={"csrf": "forged", "clientId": tenant.client_id, "clientSecret": tenant.client_secret},
    )
    assert forged.status_code == 403 and "dialist_console=" not in forged.headers.get(
        "set-cookie", ""
    )
    crm_only = make_tenant(server, scopes=["configuration"])
    answer = ConsoleUser(server.url).sign_in(crm_only.client_id, crm_only.client_secret)
    assert answer.status_code == 403 and "campaign_management" in answer.text


def test_tampered_and_expired_sessions_are_signed_out(server: Server, tenant: Tenant) -> None:
    user = ConsoleUser(server.url)
    user.sign_in(tenant.client_id, tenant.client_secret)
    value = user.http.cookies["dialist_console"]
    user.http.cookies.set("dialist_console", value[:-2] + "xx", path="/ui")
    assert user.get("/ui/lists").status_code == 303
    # Signed by the right secret, but nine hours ago.
    signer = URLSafeTimedSerializer(tenant.client_secret, salt="dialist.ui.session")
    signer.signer = type(
        "NineHoursAgo",
        (signer.signer,),
        {"get_timestamp": lambda self: int(time.time()) - 9 * 3600},
    )
    old = signer.dumps({"s": tenant.stream_id, "n": "n"})
    user.http.cookies.set("dialist_console", f"{tenant.client_id}~{old}", path="/ui")
    assert user.get("/ui/lists").status_code == 303
    fresh = URLSafeTimedSerializer(tenant.client_secret, salt="dialist.ui.session")
    user.http.cookies.set(
        "dialist_console",
        f"{tenant.client_id}~{fresh.dumps({'s': tenant.stream_id, 'n': 'n'})}",
        path="/ui",
    )
    assert user.get("/ui/lists").status_code == 200  # the same cookie, made now, is good


def test_every_form_needs_the_csrf_token(user: ConsoleUser, tenant: Tenant) -> None:
    for token in (None, "0" * 64):
        data = {"name": "Forged", "description": "x"}
        if token is not None:
            data["csrf"] = token
        answer = user.http.post("/ui/lists", data=data)
        assert answer.status_code == 403 and "security token" in answer.text
    created = user.post("/ui/lists", {"name": "Real", "description": "x"})
    list_id = _list_id(created)
    refused = user.http.post(
        f"/ui/lists/{list_id}/imports", content=CSV, headers={"accept": "application/json"}
    )
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "CSRF_FAILED"
    assert user.http.post(f"/ui/lists/{list_id}/delete").status_code == 403
    lists_page = user.get("/ui/lists").text
    assert "Forged" not in lists_page and "Real" in lists_page
    jobs = tenant.request("GET", f"{tenant.v2}/{list_id}/imports").json()["data"]["results"]
    assert jobs == []


def test_what_a_user_typed_is_shown_as_text(user: ConsoleUser) -> None:
    name = "<script>alert(1)</script>"
    list_id = _list_id(user.post("/ui/lists", {"name": name, "description": "<b>bold</b>"}))
    for page in (user.get("/ui/lists").text, user.get(f"/ui/lists/{list_id}").text):
        assert name not in page and "<b>bold</b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    searched = user.get(f"/ui/lists/{list_id}", params={"fieldName": '"><img src=x>'})
    assert '"><img src=x>' not in searched.text


def test_another_tenants_ids_are_not_found(server: Server, user: ConsoleUser) -> None:
    owner = make_tenant(server)
    owned = owner.create_list("Private")
    contact = owner.add(owned["_id"], [{"phoneNumber": "+14155550100"}])["results"][0]["_id"]
    for path in (
        f"/ui/lists/{owned['_id']}",
        f"/ui/lists/{owned['_id']}/contacts/{contact}",
        f"/ui/lists/{owned['_id']}/callable",
        f"/ui/lists/{owned['_id']}/export",
    ):
        assert user.get(path).status_code == 404, path
    assert user.post(f"/ui/lists/{owned['_id']}/delete").status_code == 404
    assert _upload(user, owned["_id"]).status_code == 404
    assert owner.request("GET", f"{owner.v2}/{owned['_id']}").status_code == 200


def test_deleting_a_list_in_use_is_refused_and_explained(user: ConsoleUser, tenant: Tenant) -> None:
    created = tenant.create_list("Used")
    tenant.request(
        "POST", f"{tenant.v2}/{created['_id']}/campaigns", json={"id": "cd-1", "name": "Spring"}
    )
    answer = user.post(f"/ui/lists/{created['_id']}/delete")
    assert answer.status_code == 409
    assert "Spring" in answer.text and "unlink the list from the campaign first" in answer.text
    assert tenant.request("GET", f"{tenant.v2}/{created['_id']}").status_code == 200
    tenant.request("DELETE", f"{tenant.v2}/{created['_id']}/campaigns/cd-1")
    deleted = user.post(f"/ui/lists/{created['_id']}/delete")
    assert (
        deleted.status_code == 303 and deleted.headers["location"] == "/ui/lists?done=list-deleted"
    )
    assert tenant.request("GET", f"{tenant.v2}/{created['_id']}").status_code == 404


def test_rename_and_refusals(user: ConsoleUser, tenant: Tenant) -> None:
    first = _list_id(user.post("/ui/lists", {"name": "First", "description": "x"}))
    user.post("/ui/lists", {"name": "Second", "description": "x"})
    taken = user.post(f"/ui/lists/{first}/edit", {"name": "second", "description": "x"})
    assert taken.status_code == 409 and "DUPLICATE_NAME" in taken.text
    assert user.post("/ui/lists", {"name": "", "description": "x"}).status_code == 400
    renamed = user.post(f"/ui/lists/{first}/edit", {"name": "Renamed", "description": "new"})
    assert renamed.status_code == 303
    assert tenant.request("GET", f"{tenant.v2}/{first}").json()["data"]["name"] == "Renamed"


def test_upload_progress_report_undo(user: ConsoleUser, tenant: Tenant) -> None:
    list_id = tenant.create_list("Imports")["_id"]
    answer = _upload(user, list_id)
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["jobId"]
    assert answer.json()["url"] == f"/ui/lists/{list_id}/imports/{job_id}"
    wait(tenant, list_id, job_id)
    progress = user.get(f"/ui/lists/{list_id}/imports/{job_id}/progress").json()
    assert progress["finished"] and (progress["added"], progress["invalid"]) == (2, 1)
    invalid = user.get(f"/ui/lists/{list_id}/imports/{job_id}", params={"status": "invalid"})
    assert invalid.text.count('class="status status-invalid"') == 1
    assert user.post(f"/ui/lists/{list_id}/imports/{job_id}/cancel").status_code == 409
    undone = user.post(f"/ui/lists/{list_id}/imports/{job_id}/undo")
    assert undone.status_code == 303 and undone.headers["location"].endswith("done=import-undone")
    assert user.post(f"/ui/lists/{list_id}/imports/{job_id}/undo").status_code == 409
    assert tenant.request("GET", f"{tenant.v2}/{list_id}").json()["data"]["totalRecordCount"] == 0


def test_contact_page_says_why_it_cannot_be_called(user: ConsoleUser, tenant: Tenant) -> None:
    list_id = tenant.create_list("Calls")["_id"]
    contact = tenant.add(list_id, [{"phoneNumber": "+14155550111", "firstName": "Ada"}])
    contact_id = contact["results"][0]["_id"]
    dnc_id = user.post("/ui/dnc", {"name": "Opt-outs", "scope": "stream"}).headers["location"]
    dnc_id = dnc_id.split("/")[3].split("?")[0]
    added = user.post(f"/ui/dnc/{dnc_id}/entries", {"numbers": "+14155550111", "reason": "asked"})
    assert added.status_code == 303
    page = user.get(f"/ui/lists/{list_id}/contacts/{contact_id}")
    assert page.status_code == 200 and "Cannot be called now" in page.text and "DNC" in page.text
    assert "+14155550111" in page.text and "America/Los_Angeles" in page.text
    checked = user.get("/ui/dnc", params={"check": "(415) 555-0111"})
    assert "is on a do-not-call list" in checked.text
    entries = user.get(f"/ui/dnc/{dnc_id}").text
    entry_id = re.search(r'name="entryId" value="([^"]+)"', entries)
    assert entry_id
    assert user.post(f"/ui/dnc/{dnc_id}/remove", {"entryId": entry_id.group(1)}).status_code == 303
    assert (
        "is not on any do-not-call list"
        in user.get("/ui/dnc", params={"check": "+14155550111"}).text
    )


@pytest.mark.parametrize(
    ("method", "path", "data", "status"),
    [
        ("get", "/ui/lists/{list}?phoneValid=maybe", None, 400),
        ("get", "/ui/lists/{list}?sort=field.x", None, 400),
        ("get", "/ui/lists/{list}?updatedAfter=yesterday", None, 400),
        ("get", "/ui/lists/{list}?cursor=%00", None, 400),
        ("get", "/ui/lists/{list}?fieldValue=x", None, 400),
        ("get", "/ui/lists/{list}/callable?cursor=nope", None, 400),
        ("get", "/ui/lists/{list}/export?format=xml", None, 400),
        ("get", "/ui/lists/cl-nope", None, 404),
        ("get", "/ui/lists/{list}/contacts/cc-nope", None, 404),
        ("get", "/ui/dnc/dn-nope", None, 404),
        ("get", "/ui/dnc?check=%00", None, 200),
        ("get", "/ui/no-such-page", None, 404),
        ("post", "/ui/policy", {"windowStart": "25:00", "windowEnd": "21:00"}, 400),
        (
            "post",
            "/ui/policy",
            {"windowStart": "08:00", "windowEnd": "21:00", "attemptCaps": "3 a day"},
            400,
        ),
        (
            "post",
            "/ui/policy",
            {"windowStart": "08:00", "windowEnd": "21:00", "endBufferMinutes": "-1"},
            400,
        ),
        (
            "post",
            "/ui/policy",
            {"windowStart": "08:00", "windowEnd": "21:00", "days": "someday"},
            400,
        ),
        ("post", "/ui/dnc", {"name": "x", "scope": "galaxy"}, 400),
        ("post", "/ui/dnc", {"name": "x", "scope": "contactList"}, 400),
        ("post", "/ui/dnc", {"name": "", "scope": "stream"}, 400),
        ("post", "/ui/stream", {"streamId": "st-not-mine"}, 403),
        ("post", "/ui/lists/{list}/imports/ij-nope/undo", {}, 404),
        ("post", "/ui/no-such-form", {}, 404),
    ],
)
def test_bad_input_is_a_page_with_the_right_status(
    user: ConsoleUser,
    tenant: Tenant,
    method: str,
    path: str,
    data: dict[str, str] | None,
    status: int,
) -> None:
    list_id = tenant.create_list(f"L {uuid.uuid4().hex[:6]}")["_id"]
    url = path.replace("{list}", list_id)
    answer = user.post(url, data) if method == "post" else user.http.request(method.upper(), url)
    assert answer.status_code == status, answer.text[:500]
    assert "text/html" in answer.headers["content-type"]
    if status >= 400:
        assert 'class="error"' in answer.text or "error" in answer.text


def test_stream_switch_and_sign_out(server: Server) -> None:
    streams = [f"st-{uuid.uuid4()}", f"st-{uuid.uuid4()}"]
    tenant = make_tenant(server, stream_ids=streams)
    user = ConsoleUser(server.url)
    user.sign_in(tenant.client_id, tenant.client_secret)
    user.post("/ui/lists", {"name": "On the first stream", "description": "x"})
    switched = user.post("/ui/stream", {"streamId": streams[1]})
    assert switched.status_code == 303
    page = user.get("/ui/lists").text
    assert "On the first stream" not in page and f'value="{streams[1]}" selected' in page
    user.csrf = csrf_of(page)
    out = user.post("/ui/sign-out")
    assert out.status_code == 303 and out.headers["location"] == "/ui/sign-in?done=signed-out"
    assert user.get("/ui/lists").status_code == 303


def test_demo_prints_the_console_and_credentials_that_sign_in(tmp_path: Path) -> None:
    """What `make serve` prints: the console's URL and the demo app's id and secret."""
    printed = subprocess.run(
        [sys.executable, "-m", "dialist", "demo", "--port", "8123"],
        env={**os.environ, "DIALIST_DATABASE_URL": f"sqlite:///{tmp_path / 'dialist.db'}"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Web console: http://127.0.0.1:8123/ui" in printed
    client_id = re.search(r"client id:\s+(cs-\S+)", printed)
    secret = re.search(r"client secret:\s+(\S+)", printed)
    assert client_id and secret
    running = start_server(tmp_path)
    try:
        user = ConsoleUser(running.url)
        assert user.sign_in(client_id.group(1), secret.group(1)).status_code == 303
        assert "Renewal Due" in user.get("/ui/lists").text
    finally:
        running.stop()
