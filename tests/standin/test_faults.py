"""Fault injection (DIALIST_FAULTS=1): the Dialist-Fault header, on the framework's routes
and on the getAllContacts fast lane; ignored when off."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Server, Tenant, make_tenant


@pytest.fixture(scope="module")
def faulty(server_factory: Callable[..., Server]) -> Server:
    return server_factory(env={"DIALIST_FAULTS": "1", "DIALIST_FAULTS_MAX_DELAY_SECONDS": "2"})


@pytest.fixture
def owner(faulty: Server) -> Tenant:
    return make_tenant(faulty)


def _paths(tenant: Tenant) -> list[str]:
    list_id = tenant.create_list()["_id"]
    return [f"{tenant.v2}/getAllListDetails", f"{tenant.v2}/{list_id}/getAllContacts"]


@pytest.mark.parametrize(
    ("fault", "status", "code", "retry_after"),
    [
        ("status=429; retry-after=7", 429, "RATE_LIMITED", "7"),
        ("status=429", 429, "RATE_LIMITED", "1"),
        ("status=503", 503, "SERVICE_UNAVAILABLE", "1"),
        ("delay=0.05, status=500", 500, "INTERNAL_ERROR", None),
        ("status=502", 502, "BAD_GATEWAY", None),
    ],
)
def test_a_request_gets_the_status_it_asks_for(
    owner: Tenant, fault: str, status: int, code: str, retry_after: str | None
) -> None:
    for path in _paths(owner):  # a Litestar route, then the fast lane
        response = owner.request("GET", path, headers={"Dialist-Fault": fault})
        assert response.status_code == status, (path, response.text)
        body = response.json()
        assert body["status"] == "failure" and body["errors"][0]["code"] == code
        assert "Dialist-Fault" in body["message"]
        assert response.headers.get("retry-after") == retry_after


def test_a_delay_alone_answers_as_usual(owner: Tenant) -> None:
    for path in _paths(owner):
        response = owner.request("GET", path, headers={"Dialist-Fault": "delay=0.01"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "success"


@pytest.mark.parametrize(
    "fault",
    [
        "bogus",
        "status=404",
        "status=abc",
        "delay=-1",
        "delay=3",  # over DIALIST_FAULTS_MAX_DELAY_SECONDS
        "delay=nan",
        "status=500; retry-after=2",
        "status=429; retry-after=99999",
        "colour=red",
        "status=503; status=500",
        "",
    ],
)
def test_a_bad_header_is_a_400_naming_it(owner: Tenant, fault: str) -> None:
    for path in _paths(owner):
        response = owner.request("GET", path, headers={"Dialist-Fault": fault})
        assert response.status_code == 400, (fault, response.text)
        error = response.json()["errors"][0]
        assert error["code"] == "VALIDATION_ERROR" and error["field"] == "Dialist-Fault"


def test_the_header_is_ignored_when_faults_are_off(tenant: Tenant) -> None:
    for path in _paths(tenant):
        response = tenant.request("GET", path, headers={"Dialist-Fault": "status=500"})
        assert response.status_code == 200, response.text
