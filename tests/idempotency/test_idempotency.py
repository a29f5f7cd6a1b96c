"""Idempotency-Key on writes (contract §4), over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from dialist.db.schema import idempotency_keys
from tests.conftest import Tenant, make_tenant

REPLAYED = "idempotent-replayed"


def _key() -> str:
    return f"k-{uuid.uuid4()}"


def _with_key(tenant: Tenant, method: str, path: str, key: str, **kwargs: Any) -> httpx.Response:
    headers = {"Idempotency-Key": key, **kwargs.pop("headers", {})}
    return tenant.request(method, path, headers=headers, **kwargs)


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "failure" and body["message"]
    assert body["errors"][0]["code"] == code
    return body


def _count(tenant: Tenant, list_id: str) -> int:
    response = tenant.request("GET", f"{tenant.v2}/{list_id}")
    assert response.status_code == 200, response.text
    count: int = response.json()["data"]["totalRecordCount"]
    return count


def _contacts(count: int) -> list[dict[str, Any]]:
    return [{"phoneNumber": f"+1415{n:07d}", "n": n} for n in range(count)]


def _assert_replay(first: httpx.Response, again: httpx.Response) -> None:
    assert REPLAYED not in first.headers
    assert again.headers[REPLAYED] == "true"
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]


def _set_key_row(tenant: Tenant, key: str, **values: Any) -> int:
    """Change the stored row of ``key`` (as a crash or the passing of time would)."""
    database = tenant.server.database()
    try:
        with database.write() as conn:
            changed = conn.execute(
                sa.update(idempotency_keys)
                .where(idempotency_keys.c.idempotency_key == key)
                .values(**values)
            ).rowcount
    finally:
        database.dispose()
    return int(changed)


def _key_rows(tenant: Tenant, key: str) -> int:
    database = tenant.server.database()
    try:
        with database.read() as conn:
            found = conn.execute(
                sa.select(sa.func.count())
                .select_from(idempotency_keys)
                .where(idempotency_keys.c.idempotency_key == key)
            ).scalar_one()
    finally:
        database.dispose()
    return int(found)


def test_batch_add_by_id_is_replayed_not_run_again(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    path, key = f"{tenant.v2}/{list_id}/contacts", _key()
    body = {"contacts": _contacts(3)}
    first = _with_key(tenant, "POST", path, key, json=body)
    assert first.status_code == 200, first.text
    again = _with_key(tenant, "POST", path, key, json=body)
    _assert_replay(first, again)
    assert _count(tenant, list_id) == 3
    # A new key is a new request.
    other = _with_key(tenant, "POST", path, _key(), json=body)
    assert other.status_code == 200 and REPLAYED not in other.headers
    assert _count(tenant, list_id) == 6


def test_kore_create_list_and_delete_are_replayed(tenant: Tenant) -> None:
    name = f"idem {uuid.uuid4().hex[:8]}"
    payload = {"name": name, "description": "d", "source": "passiveApi"}
    create, key = f"{tenant.v2}/createContactList", _key()
    first = _with_key(tenant, "POST", create, key, json=payload)
    assert first.status_code == 200, first.text
    again = _with_key(tenant, "POST", create, key, json=payload)
    _assert_replay(first, again)  # not 409 DUPLICATE_NAME: the list was created once
    list_id = first.json()["data"]["_id"]
    summaries = tenant.request("POST", f"{tenant.v2}/getAllListDetails").json()["data"]
    assert [s["name"] for s in summaries].count(name) == 1

    delete, key = f"{tenant.v2}/{list_id}", _key()
    deleted = _with_key(tenant, "DELETE", delete, key)
    assert deleted.status_code == 200, deleted.text
    again = _with_key(tenant, "DELETE", delete, key)
    _assert_replay(deleted, again)  # not 404: the first answer, kept
    assert tenant.request("GET", delete).status_code == 404


def test_put_and_crm_writes_are_replayed(tenant: Tenant) -> None:
    list_id = tenant.create_list()["_id"]
    key = _key()
    first = _with_key(tenant, "PUT", f"{tenant.v2}/{list_id}", key, json={"description": "x"})
    assert first.status_code == 200, first.text
    _assert_replay(
        first, _with_key(tenant, "PUT", f"{tenant.v2}/{list_id}", key, json={"description": "x"})
    )
    key, ada = _key(), [{"firstName": "Ada"}]
    created = _with_key(tenant, "POST", tenant.crm, key, json=ada)
    assert created.status_code == 200, created.text
    _assert_replay(created, _with_key(tenant, "POST", tenant.crm, key, json=ada))


def test_patch_of_a_contact_is_replayed_with_its_etag(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    contact_id = tenant.add(list_id, _contacts(1))["results"][0]["_id"]
    path, key = f"{tenant.v2}/{list_id}/contacts/{contact_id}", _key()
    first = _with_key(tenant, "PATCH", path, key, json={"tier": "gold"})
    assert first.status_code == 200, first.text
    again = _with_key(tenant, "PATCH", path, key, json={"tier": "gold"})
    _assert_replay(first, again)
    assert again.headers["etag"] == first.headers["etag"]
    # Applied once: the contact's version moved by one.
    assert tenant.request("GET", path).headers["etag"] == first.headers["etag"]


def test_business_errors_are_kept_too(tenant: Tenant) -> None:
    path, key = f"{tenant.v2}/cl-{uuid.uuid4()}/contacts", _key()
    body = {"contacts": _contacts(1)}
    first = _with_key(tenant, "POST", path, key, json=body)
    _error(first, 404, "NOT_FOUND")
    _assert_replay(first, _with_key(tenant, "POST", path, key, json=body))


def test_same_key_for_another_request_is_422(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    other_list = tenant.create_list(allowDuplicates=True)["_id"]
    path, key = f"{tenant.v2}/{list_id}/contacts", _key()
    first = _with_key(tenant, "POST", path, key, json={"contacts": _contacts(2)})
    assert first.status_code == 200, first.text
    for method, where, body in [
        ("POST", path, {"contacts": _contacts(3)}),  # another body
        ("POST", f"{tenant.v2}/{other_list}/contacts", {"contacts": _contacts(2)}),  # path
        ("POST", path + "?include=phone", {"contacts": _contacts(2)}),  # query string
        ("DELETE", f"{tenant.v2}/{list_id}", None),  # method and path
    ]:
        reused = _with_key(tenant, method, where, key, json=body)
        failure = _error(reused, 422, "IDEMPOTENCY_KEY_REUSED")
        assert failure["errors"][0]["field"] == "Idempotency-Key"
    assert (_count(tenant, list_id), _count(tenant, other_list)) == (2, 0)
    # The first request's answer is still there for its own retries.
    _assert_replay(first, _with_key(tenant, "POST", path, key, json={"contacts": _contacts(2)}))


def test_bad_keys_are_400_and_nothing_runs(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    path = f"{tenant.v2}/{list_id}/contacts"
    for bad in [b"", b"two words", b"x" * 256, "clé".encode(), b"tab\there"]:
        response = tenant.request(
            "POST", path, headers={"Idempotency-Key": bad}, json={"contacts": _contacts(1)}
        )
        failure = _error(response, 400, "VALIDATION_ERROR")
        assert failure["errors"][0]["field"] == "Idempotency-Key"
    twice = tenant.http.post(
        path,
        headers=[("Idempotency-Key", "a"), ("Idempotency-Key", "b"), *tenant.headers.items()],
        json={"contacts": _contacts(1)},
    )
    _error(twice, 400, "VALIDATION_ERROR")
    assert _count(tenant, list_id) == 0
    longest = _with_key(tenant, "POST", path, "~" * 255, json={"contacts": _contacts(1)})
    assert longest.status_code == 200, longest.text


def test_credentials_are_checked_first_and_failures_not_kept(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    path, key = f"{tenant.v2}/{list_id}/contacts", _key()
    body = {"contacts": _contacts(1)}
    anonymous = tenant.http.post(path, headers={"Idempotency-Key": key}, json=body)
    _error(anonymous, 401, "UNAUTHORIZED")
    wrong = _with_key(tenant, "POST", path, key, json=body, headers={"auth": "not.a.jwt"})
    _error(wrong, 401, "UNAUTHORIZED")
    stranger = make_tenant(tenant.server)
    forbidden = stranger.request("POST", path, headers={"Idempotency-Key": key}, json=body)
    _error(forbidden, 403, "FORBIDDEN")
    # Even a bad key is not looked at before the credentials.
    _error(tenant.http.post(path, headers={"Idempotency-Key": ""}, json=body), 401, "UNAUTHORIZED")
    assert _key_rows(tenant, key) == 0
    first = _with_key(tenant, "POST", path, key, json=body)
    assert first.status_code == 200 and REPLAYED not in first.headers
    assert _count(tenant, list_id) == 1


def test_one_time_tokens_are_checked_once(tenant: Tenant) -> None:
    """An app that accepts each token once: the middleware's check is the route's check."""
    strict = make_tenant(tenant.server, enforce_jti=True)
    list_id = strict.create_list(allowDuplicates=True)["_id"]
    path, key = f"{strict.v2}/{list_id}/contacts", _key()
    first = _with_key(strict, "POST", path, key, json={"contacts": _contacts(1)})
    assert first.status_code == 200, first.text
    _assert_replay(first, _with_key(strict, "POST", path, key, json={"contacts": _contacts(1)}))


def test_keys_are_per_app(tenant: Tenant) -> None:
    """Another app of the same account and stream uses the same key for its own request."""
    colleague = make_tenant(
        tenant.server, account_id=tenant.account_id, stream_ids=[tenant.stream_id]
    )
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    path, key = f"{tenant.v2}/{list_id}/contacts", _key()
    body = {"contacts": _contacts(2)}
    mine = _with_key(tenant, "POST", path, key, json=body)
    theirs = _with_key(colleague, "POST", path, key, json=body)
    assert mine.status_code == theirs.status_code == 200
    assert REPLAYED not in theirs.headers and theirs.content != mine.content
    assert _count(tenant, list_id) == 4
    # And a different request under that key is theirs to make.
    other = _with_key(colleague, "POST", path, key, json={"contacts": _contacts(1)})
    _error(other, 422, "IDEMPOTENCY_KEY_REUSED")


def test_concurrent_retry_runs_once(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    path, key = f"{tenant.v2}/{list_id}/contacts", _key()
    body = {"contacts": _contacts(10_000)}
    answers: list[httpx.Response] = []
    start = threading.Barrier(2)

    def send() -> None:
        with tenant.server.client() as http:
            start.wait()
            headers = {**tenant.headers, "Idempotency-Key": key}
            answers.append(http.post(path, headers=headers, json=body))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ran = [a for a in answers if a.status_code == 200 and REPLAYED not in a.headers]
    assert len(ran) == 1, [a.text[:200] for a in answers]
    (other,) = [a for a in answers if a is not ran[0]]
    if other.status_code == 409:
        _error(other, 409, "IDEMPOTENCY_KEY_IN_USE")
    else:
        _assert_replay(ran[0], other)
    assert _count(tenant, list_id) == 10_000
    _assert_replay(ran[0], _with_key(tenant, "POST", path, key, json=body))


def test_running_key_is_409_until_its_claim_goes_stale(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    path, key = f"{tenant.v2}/{list_id}/contacts", _key()
    body = {"contacts": _contacts(1)}
    assert _with_key(tenant, "POST", path, key, json=body).status_code == 200
    # As if the first request were still running (its process heart-beating)...
    _set_key_row(tenant, key, state="running", body_hash=None, heartbeat_at=time.time())
    _error(_with_key(tenant, "POST", path, key, json=body), 409, "IDEMPOTENCY_KEY_IN_USE")
    # ... and as if its process had died a while ago: the next request takes the key over.
    _set_key_row(tenant, key, heartbeat_at=time.time() - 120)
    taken = _with_key(tenant, "POST", path, key, json=body)
    assert taken.status_code == 200 and REPLAYED not in taken.headers
    assert _count(tenant, list_id) == 2
    assert _with_key(tenant, "POST", path, key, json=body).headers[REPLAYED] == "true"


def test_expired_keys_run_again_and_are_deleted(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    path, key, old = f"{tenant.v2}/{list_id}/contacts", _key(), _key()
    body = {"contacts": _contacts(1)}
    assert _with_key(tenant, "POST", path, key, json=body).status_code == 200
    assert _with_key(tenant, "POST", path, old, json=body).status_code == 200
    assert _set_key_row(tenant, key, expires_at=time.time() - 1) == 1
    fresh = _with_key(tenant, "POST", path, key, json=body)  # past 24 h: a new request
    assert fresh.status_code == 200 and REPLAYED not in fresh.headers
    assert _count(tenant, list_id) == 3
    # Expired keys are deleted by later claims (of any key).
    _set_key_row(tenant, old, expires_at=time.time() - 1)
    assert _with_key(tenant, "POST", path, _key(), json=body).status_code == 200
    assert _key_rows(tenant, old) == 0


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_streamed_import_upload_is_hashed_and_replayed(tenant: Tenant) -> None:
    list_id = tenant.create_list(allowDuplicates=True)["_id"]
    path, key = f"{tenant.v2}/{list_id}/imports", _key()
    csv = b"phoneNumber,name\n" + b"".join(b"+1415%07d,n%d\n" % (n, n) for n in range(50_000))
    headers = {"content-type": "text/csv"}
    first = _with_key(tenant, "POST", path, key, content=_chunks(csv), headers=headers)
    assert first.status_code == 202, first.text
    again = _with_key(tenant, "POST", path, key, content=_chunks(csv), headers=headers)
    _assert_replay(first, again)
    changed = csv + b"+14159999999,extra\n"
    reused = _with_key(tenant, "POST", path, key, content=_chunks(changed), headers=headers)
    _error(reused, 422, "IDEMPOTENCY_KEY_REUSED")
    jobs = tenant.request("GET", path).json()["data"]
    assert len(jobs["results"]) == 1


@pytest.mark.parametrize("method", ["GET"])
def test_reads_ignore_the_header(tenant: Tenant, method: str) -> None:
    list_id = tenant.create_list()["_id"]
    response = _with_key(tenant, method, f"{tenant.v2}/{list_id}", "")
    assert response.status_code == 200 and REPLAYED not in response.headers
