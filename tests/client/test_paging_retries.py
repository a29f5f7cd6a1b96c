"""The SDK pages for you and retries 429/503, synchronous and asynchronous, against a real
server whose Dialist-Fault header (DIALIST_FAULTS=1) makes the answers to retry."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Callable

import httpx
import pytest

from dialist.client import (
    APIError,
    AsyncClient,
    Client,
    RateLimited,
    RetryPolicy,
    ServiceUnavailable,
    ValidationFailed,
)
from dialist.client.retry import retry_after, wait_before_retry
from tests.conftest import Server, Tenant, make_tenant

NUMBERS = [f"+1415555{n:04d}" for n in range(100, 105)]


@pytest.fixture(scope="module")
def faulty(server_factory: Callable[..., Server]) -> Server:
    return server_factory(env={"DIALIST_FAULTS": "1"})


@pytest.fixture
def owner(faulty: Server) -> Tenant:
    return make_tenant(faulty)


class FaultFirst(httpx.HTTPTransport):
    """A real transport that sends ``Dialist-Fault: <fault>`` on the first ``times``
    requests, and remembers every request's path."""

    def __init__(self, fault: str, times: int) -> None:
        super().__init__()
        self.fault, self.left, self.paths = fault, times, []  # type: ignore[var-annotated]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.left:
            request.headers["Dialist-Fault"] = self.fault
            self.left -= 1
        self.paths.append(request.url.path)
        return super().handle_request(request)


class AsyncFaultFirst(httpx.AsyncHTTPTransport):
    def __init__(self, fault: str, times: int) -> None:
        super().__init__()
        self.fault, self.left, self.paths = fault, times, []  # type: ignore[var-annotated]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.left:
            request.headers["Dialist-Fault"] = self.fault
            self.left -= 1
        self.paths.append(request.url.path)
        return await super().handle_async_request(request)


def _client(tenant: Tenant, **options: object) -> Client:
    return Client(
        tenant.server.url,
        tenant.client_id,
        tenant.client_secret,
        tenant.account_id,
        tenant.stream_id,
        **options,  # type: ignore[arg-type]
    )


def _async_client(tenant: Tenant, **options: object) -> AsyncClient:
    return AsyncClient(
        tenant.server.url,
        tenant.client_id,
        tenant.client_secret,
        tenant.account_id,
        tenant.stream_id,
        **options,  # type: ignore[arg-type]
    )


def test_iter_contacts_query_and_lists_page_for_you(owner: Tenant) -> None:
    transport = FaultFirst("", 0)
    with _client(owner, transport=transport) as client:
        created = client.create_list("Paged", description="sdk")
        client.add_contacts(
            created["_id"],
            [{"phoneNumber": n, "state": "FL" if i % 2 else "CA"} for i, n in enumerate(NUMBERS)],
        )
        transport.paths.clear()
        got = [c["phoneNumber"] for c in client.iter_contacts(created["_id"], page_size=2)]
        assert got == NUMBERS
        assert sum(p.endswith("/getAllContacts") for p in transport.paths) == 3
        florida = client.query_contacts(created["_id"], fields={"state": "FL"}, page_size=1)
        assert [c["phoneNumber"] for c in florida] == NUMBERS[1::2]
        assert [c["name"] for c in client.iter_lists()] == ["Paged"]
        assert client.delete_list(created["_id"])["_id"] == created["_id"]
        assert list(client.iter_lists()) == []


def test_the_change_feed_keeps_its_cursor(owner: Tenant) -> None:
    with _client(owner) as client:
        list_id = client.create_list("Fed", description="feed")["_id"]
        client.add_contacts(list_id, [{"phoneNumber": n} for n in NUMBERS])
        feed = client.iter_changes(list_id, page_size=2)
        assert [c["op"] for c in feed] == ["added"] * 5
        assert feed.cursor is not None
        client.add_contacts(list_id, [{"phoneNumber": "+14155550999"}])
        later = client.iter_changes(list_id, after=feed.cursor)
        assert [c["contact"]["phoneNumber"] for c in later if c["contact"]] == ["+14155550999"]
        assert later.cursor == client.latest_change_cursor(list_id)


def test_503_and_429_are_retried_then_answered(owner: Tenant) -> None:
    transport = FaultFirst("status=503; retry-after=0", 2)
    with _client(owner, transport=transport) as client:
        assert client.lists() == []
    assert len(transport.paths) == 3
    transport = FaultFirst("status=429; retry-after=0", 1)
    with _client(owner, transport=transport) as client:
        assert client.create_list("After a 429")["name"] == "After a 429"
    assert len(transport.paths) == 2


def test_retries_are_bounded(owner: Tenant) -> None:
    transport = FaultFirst("status=503; retry-after=0", 5)
    client = _client(owner, transport=transport, retry=RetryPolicy(retries=1))
    with client, pytest.raises(ServiceUnavailable) as raised:
        client.lists()
    assert len(transport.paths) == 2
    assert raised.value.status_code == 503 and raised.value.retry_after == 0
    assert raised.value.code == "SERVICE_UNAVAILABLE"


def test_a_retry_after_longer_than_allowed_is_not_waited_for(owner: Tenant) -> None:
    transport = FaultFirst("status=429; retry-after=120", 1)
    client = _client(owner, transport=transport, retry=RetryPolicy(max_wait=1))
    with client, pytest.raises(RateLimited) as raised:
        client.lists()
    assert len(transport.paths) == 1
    assert raised.value.retry_after == 120


def test_a_500_is_not_retried(owner: Tenant) -> None:
    transport = FaultFirst("status=500", 1)
    client = _client(owner, transport=transport)
    with client, pytest.raises(APIError) as raised:
        client.lists()
    assert len(transport.paths) == 1
    assert raised.value.status_code == 500 and raised.value.code == "INTERNAL_ERROR"


def test_the_async_client_pages_and_retries(owner: Tenant) -> None:
    async def run() -> None:
        transport = AsyncFaultFirst("status=503; retry-after=0", 1)
        async with _async_client(owner, transport=transport) as client:
            created = await client.create_list("Async", description="a")
            assert len(transport.paths) == 2  # the 503, then the create
            await client.add_contacts(created["_id"], [{"phoneNumber": n} for n in NUMBERS])
            got = [
                c["phoneNumber"] async for c in client.iter_contacts(created["_id"], page_size=2)
            ]
            assert got == NUMBERS
            query = client.query_contacts(created["_id"], phone_number=NUMBERS[3], page_size=1)
            assert [c["phoneNumber"] async for c in query] == [NUMBERS[3]]
            feed = client.iter_changes(created["_id"], page_size=3)
            assert len([c async for c in feed]) == 5
            assert feed.cursor == await client.latest_change_cursor(created["_id"])
            assert (await client.find_list("ASYNC"))["_id"] == created["_id"]
            with pytest.raises(ValidationFailed):
                await client.create_list("")

    asyncio.run(run())


def test_retry_after_is_read_as_seconds_or_a_date() -> None:
    def answer(value: str) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": value})

    assert retry_after(answer("7")) == 7
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    assert 3500 < (retry_after(answer(later)) or 0) <= 3600
    assert retry_after(answer("soon")) is None
    policy = RetryPolicy(retries=2, max_wait=10, backoff=0.5)
    assert wait_before_retry(httpx.Response(503), 1, policy) == 0.5
    assert wait_before_retry(httpx.Response(503), 2, policy) == 1.0
    assert wait_before_retry(httpx.Response(503), 3, policy) is None
    assert wait_before_retry(httpx.Response(500), 1, policy) is None
    assert wait_before_retry(answer(later), 1, policy) is None
    with pytest.raises(ValueError):
        RetryPolicy(retries=-1)
