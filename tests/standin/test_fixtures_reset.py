"""Fixture files and the tenant reset, against real servers on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from dialist.db import schema
from dialist.settings import Settings
from dialist.standin import fixtures
from tests.conftest import Server, Tenant, make_tenant

ACCOUNT = "67777ce93e25326494e0aaaa"
STREAM = "st-0603182c-7ffb-53c3-b307-47ca14b0aaaa"
CLIENT_ID = "cs-ci-app"
SECRET = "ci-secret-0123456789abcdef0123456789abcdef"
FINISHED = ("succeeded", "failed", "cancelled")
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "ci-fixtures.yaml"


def _fixture_tenant(server: Server) -> Tenant:
    """The fixture file's app, as a test tenant (its credentials are the file's)."""
    return Tenant(server, CLIENT_ID, SECRET, ACCOUNT, STREAM, server.client())


@pytest.fixture(scope="module")
def standin(server_factory: Callable[..., Server]) -> Server:
    env = {"DIALIST_FIXTURES": str(EXAMPLE), "DIALIST_ALLOW_RESET": "1"}
    return server_factory(env=env)


def _lists(tenant: Tenant) -> dict[str, dict[str, Any]]:
    response = tenant.request("GET", f"{tenant.v2}/getAllListDetails")
    assert response.status_code == 200, response.text
    return {item["name"]: item for item in response.json()["data"]}


def _tenant_rows(server: Server, account_id: str, stream_id: str) -> dict[str, int]:
    """Rows of every table with tenant data (every table with a tenant_id column, and the
    job files through their job) for one tenant."""
    database = server.database()
    try:
        with database.read() as conn:
            tenant_id = conn.execute(
                sa.select(schema.tenants.c.id).where(
                    schema.tenants.c.account_id == account_id,
                    schema.tenants.c.stream_id == stream_id,
                )
            ).scalar_one()
            counts = {
                table.name: conn.execute(
                    sa.select(sa.func.count()).where(table.c.tenant_id == tenant_id)
                ).scalar_one()
                for table in schema.metadata.sorted_tables
                if "tenant_id" in table.c
            }
            job_ids = sa.select(schema.jobs.c.id).where(schema.jobs.c.tenant_id == tenant_id)
            for table in (schema.job_uploads, schema.job_results):
                counts[table.name] = conn.execute(
                    sa.select(sa.func.count()).where(table.c.job_id.in_(job_ids))
                ).scalar_one()
    finally:
        database.dispose()
    return counts


def test_fixtures_are_loaded_with_their_credentials(standin: Server) -> None:
    tenant = _fixture_tenant(standin)
    found = _lists(tenant)
    assert set(found) == {"Renewals", "Empty list"}
    page = tenant.request("GET", f"{tenant.v2}/{found['Renewals']['_id']}/getAllContacts")
    names = [c["first name"] for c in page.json()["data"]["results"]]
    assert names == ["Ada", "Grace"]
    dnc = tenant.request("GET", f"/campaign/api/v2/public/{STREAM}/campaign/dncList").json()
    (opt_outs,) = [d for d in dnc["data"] if d["name"] == "Opt-outs"]
    assert opt_outs["entryCount"] == 3
    check = tenant.request(
        "POST",
        f"/campaign/api/v2/public/{STREAM}/campaign/dnc/check",
        json={"phoneNumbers": ["+19005550000", "+14155552671"]},
    ).json()["data"]["results"]
    assert [r["blocked"] for r in check] == [True, False]


def test_loading_the_same_file_again_duplicates_nothing(standin: Server) -> None:
    before = _tenant_rows(standin, ACCOUNT, STREAM)
    database = standin.database()
    try:
        report = fixtures.load(database, Settings(), fixtures.read(EXAMPLE))
    finally:
        database.dispose()
    assert [a.outcome for a in report.apps] == ["unchanged"]
    assert {item.outcome for item in report.tenants[0].lists} == {"kept"}
    assert _tenant_rows(standin, ACCOUNT, STREAM) == before


def test_a_changed_secret_in_the_file_updates_the_app(standin: Server, tmp_path: Path) -> None:
    other = make_tenant(standin)  # an app whose secret a fixture file will now fix
    path = tmp_path / "f.json"
    secret = "another-secret-of-at-least-32-characters!"
    path.write_text(
        json.dumps(
            {
                "apps": [
                    {
                        "clientId": other.client_id,
                        "clientSecret": secret,
                        "accountId": other.account_id,
                        "streamIds": [other.stream_id],
                    }
                ]
            }
        )
    )
    database = standin.database()
    try:
        report = fixtures.load(database, Settings(), fixtures.read(path))
    finally:
        database.dispose()
    assert report.apps[0].outcome == "updated"
    database = standin.database()
    try:
        with database.read() as conn:
            stored = conn.execute(
                sa.select(schema.apps.c.client_secret, schema.apps.c.name).where(
                    schema.apps.c.client_id == other.client_id
                )
            ).one()
    finally:
        database.dispose()
    assert tuple(stored) == (secret, "fixture")


def _dirty(tenant: Tenant) -> None:
    """Data in every table a reset must empty: lists, contacts, changes, an import job with
    its file and results, campaign links, DNC, calling policies, attempts, idempotency keys
    and CRM contacts."""
    created = tenant.create_list("Scratch")
    added = tenant.add(created["_id"], [{"phoneNumber": "+14155550142"}])
    contact_id = added["results"][0]["_id"]
    imported = tenant.request(
        "POST",
        f"{tenant.v2}/{created['_id']}/imports?format=csv",
        content=b"phoneNumber\n+14155550143\n",
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 202, imported.text
    job_path = f"{tenant.v2}/{created['_id']}/imports/{imported.json()['data']['_id']}"
    deadline = time.monotonic() + 60
    while tenant.request("GET", job_path).json()["data"]["status"] not in FINISHED:
        assert time.monotonic() < deadline, "the import job did not finish"
        time.sleep(0.1)
    campaign = {"id": "cd-ci", "name": "CI"}
    linked = tenant.request("POST", f"{tenant.v2}/{created['_id']}/campaigns", json=campaign)
    assert linked.status_code == 200, linked.text
    campaign_path = f"/campaign/api/v2/public/{tenant.stream_id}/campaign"
    assert (
        tenant.request(
            "POST", f"{campaign_path}/dncList", json={"name": "Extra", "scope": "stream"}
        ).status_code
        == 200
    )
    assert (
        tenant.request(
            "PUT", f"{campaign_path}/callingPolicy", json={"window": {"end": "20:00"}}
        ).status_code
        == 200
    )
    attempt = tenant.request(
        "POST",
        f"{tenant.v2}/{created['_id']}/contacts/{contact_id}/attempts",
        json={"outcome": "busy"},
    )
    assert attempt.status_code == 200, attempt.text
    keyed = tenant.request(
        "POST",
        f"{tenant.v2}/createContactList",
        json={"name": "Keyed", "description": "k", "source": "passiveApi"},
        headers={"Idempotency-Key": "ci-key-1"},
    )
    assert keyed.status_code == 200, keyed.text
    assert tenant.request("POST", tenant.crm, json=[{"firstName": "Ada"}]).status_code == 200


def test_reset_empties_every_table_of_the_tenant_and_loads_its_fixtures_again(
    standin: Server,
) -> None:
    tenant = _fixture_tenant(standin)
    bystander = make_tenant(standin)
    bystander.add(bystander.create_list("Theirs")["_id"], [{"phoneNumber": "+14155550199"}])
    theirs = _tenant_rows(standin, bystander.account_id, bystander.stream_id)
    fixture_state = _tenant_rows(standin, ACCOUNT, STREAM)
    _dirty(tenant)
    dirty = _tenant_rows(standin, ACCOUNT, STREAM)
    empty_in_fixtures = [name for name, count in fixture_state.items() if count == 0]
    unfilled = [n for n in empty_in_fixtures if dirty[n] == 0 and n != "deleted_lists"]
    assert not unfilled, (unfilled, dirty)

    response = tenant.request("POST", f"/campaign/api/v2/public/{STREAM}/campaign/reset")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["removed"]["contactLists"] == 4  # the two fixtures', Scratch and Keyed
    assert [item["outcome"] for item in data["fixtures"]["lists"]] == ["created"] * 3

    after = _tenant_rows(standin, ACCOUNT, STREAM)
    assert after == {**fixture_state, "deleted_lists": 0}
    assert set(_lists(tenant)) == {"Renewals", "Empty list"}
    assert _tenant_rows(standin, bystander.account_id, bystander.stream_id) == theirs
    # The same Idempotency-Key now runs again: the key was forgotten with the data.
    again = tenant.request(
        "POST",
        f"{tenant.v2}/createContactList",
        json={"name": "Keyed", "description": "k", "source": "passiveApi"},
        headers={"Idempotency-Key": "ci-key-1"},
    )
    assert again.status_code == 200 and "idempotent-replayed" not in again.headers


def test_reset_needs_good_credentials(standin: Server) -> None:
    path = f"/campaign/api/v2/public/{STREAM}/campaign/reset"
    assert standin.client().post(path).status_code == 401
    intruder = make_tenant(standin)
    response = intruder.request("POST", path)
    assert response.status_code == 403, response.text
    assert response.json()["errors"][0]["code"] == "FORBIDDEN"


def test_no_reset_route_unless_allowed(server: Server, tenant: Tenant) -> None:
    path = f"/campaign/api/v2/public/{tenant.stream_id}/campaign/reset"
    response = tenant.request("POST", path)
    assert response.status_code in (404, 405), response.text
    assert response.json()["status"] == "failure"
    spec = httpx.get(server.url + "/openapi.json").json()
    assert not any(p.endswith("/campaign/reset") for p in spec["paths"])
    assert tenant.create_list("still here")


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ({"apps": [{"clientId": "cs-x", "clientSecret": "short", "accountId": "a",
                    "streamIds": ["st-1"]}]}, "apps[0].clientSecret"),
        ({"apps": [{"clientId": "cs-x", "clientSecret": "s" * 40, "accountId": "a",
                    "streamIds": ["st-1"], "scope": ["x"]}]}, None),
        ({"tenants": [{"accountId": "a", "streamId": "st-1",
                       "lists": [{"name": "L", "contacts": [{"first": "no phone"}]}]}]},
         "tenants[0].lists[0].contacts[0].phoneNumber"),
        ({"tenants": [{"accountId": "a", "streamId": "st-1",
                       "lists": [{"name": "L"}, {"name": "l"}]}]}, "tenants[0].lists[1].name"),
        ({"tenants": [{"accountId": "a", "streamId": "st-1",
                       "dncLists": [{"name": "D", "entries": ["not a number"]}]}]},
         "tenants[0].dncLists[0].entries[0]"),
        ({"tenants": [{"accountId": "a", "streamId": "st-1",
                       "dncLists": [{"name": "D", "scope": "contactList"}]}]},
         "tenants[0].dncLists[0].contactList"),
        ({"tenants": [{"accountId": "a", "streamId": 7}]}, "tenants[0].streamId"),
    ],
)  # fmt: skip
def test_a_bad_fixture_file_writes_nothing_and_names_the_field(
    tmp_path: Path, content: dict[str, Any], field: str | None
) -> None:
    from dialist.db.engine import Database
    from dialist.db.migrate import upgrade

    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content))
    database = Database(f"sqlite:///{tmp_path / 'd.db'}", pool_size=1)
    try:
        upgrade(database)
        with pytest.raises(fixtures.FixtureError) as raised:
            fixtures.load(database, Settings(), fixtures.read(path))
        with database.read() as conn:
            for table in (schema.apps, schema.contact_lists, schema.dnc_lists, schema.tenants):
                assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
    finally:
        database.dispose()
    error = raised.value
    assert error.status_code == 400 and error.message
    if field is not None:
        assert error.details[0].field == field, error.message


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("apps: [unclosed\n")
    with pytest.raises(fixtures.FixtureError, match="not valid YAML"):
        fixtures.read(path)
    with pytest.raises(fixtures.FixtureError, match="cannot read"):
        fixtures.read(tmp_path / "missing.yaml")
