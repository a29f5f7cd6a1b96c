"""The SDK against the live test server: a :class:`Client` speaking for a fresh tenant."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dialist.client import Client
from tests.conftest import Tenant


class CountingTransport(httpx.HTTPTransport):
    """A real transport that remembers each request's method, path and query (paging tests)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[httpx.URL] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url)
        return super().handle_request(request)


def client_for(
    tenant: Tenant, transport: httpx.BaseTransport | None = None, **overrides: str
) -> Client:
    """A client for the tenant; ``overrides`` replace its url, client_secret, account_id, …"""
    given = {
        "url": tenant.server.url,
        "client_id": tenant.client_id,
        "client_secret": tenant.client_secret,
        "account_id": tenant.account_id,
        "stream_id": tenant.stream_id,
        **overrides,
    }
    return Client(**given, transport=transport)


@pytest.fixture
def sdk(tenant: Tenant) -> Iterator[Client]:
    with client_for(tenant) as client:
        yield client
