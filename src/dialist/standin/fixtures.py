"""Fixture files: apps with fixed credentials, and the lists, contacts and DNC entries each
tenant starts with (``docs/ci-standin.md``).

Loading is idempotent: an app is created, or updated to the file's values, or left alone; a
list (contact or DNC) whose name its tenant already has is kept as it is, and nothing of the
fixture's is added to it, so loading the same file at every start never duplicates anything.
To get a tenant back to the file's state, reset it (``service.reset``), which loads its part
of the file again. The whole file is checked before anything is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import msgspec
import msgspec.yaml

from dialist import validation
from dialist.auth import service as auth
from dialist.auth.models import TenantScope
from dialist.contacts import service as contacts
from dialist.db.engine import Database
from dialist.dnc import service as dnc
from dialist.dnc.models import MAX_NAME as MAX_DNC_NAME
from dialist.dnc.models import CreateDncListRequest, DncEntryInput
from dialist.errors import DialistError, ValidationError
from dialist.lists import service as lists
from dialist.lists.models import MAX_NAME as MAX_LIST_NAME
from dialist.lists.models import CreateContactListRequest
from dialist.settings import Settings
from dialist.standin.models import (
    AppOutcome,
    FixtureDncList,
    FixtureFile,
    FixtureList,
    FixtureTenant,
    LoadedApp,
    LoadedList,
    LoadedTenant,
    LoadReport,
)

DNC_BATCH = 10_000  # the most entries one add takes
_AT_PATH = re.compile(r" - at `\$\.?([^`]*)`$")


class FixtureError(ValidationError):
    """The fixture file cannot be read, or breaks a rule; ``field`` is where in the file."""


def read(path: str | Path) -> FixtureFile:
    """The fixture file at ``path``: JSON for ``.json``, else YAML (which reads JSON too)."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise FixtureError(f"cannot read the fixture file {file}: {reason}") from None
    try:
        if file.suffix.lower() == ".json":
            return msgspec.json.decode(raw, type=FixtureFile)
        return msgspec.yaml.decode(raw, type=FixtureFile)
    except msgspec.ValidationError as error:
        text = str(error)
        where = _AT_PATH.search(text)
        field = where.group(1) if where else None
        raise FixtureError(f"{file}: {text}", field=field) from None
    except msgspec.DecodeError as error:
        raise FixtureError(f"{file} is not valid YAML or JSON: {error}") from None


def _problem(where: str, error: DialistError) -> FixtureError:
    """A service's verdict on one part of the file, named by where it is in the file."""
    detail = error.details[0]
    field = f"{where}.{detail.field}" if detail.field else where
    return FixtureError(f"{field}: {detail.msg}", field=field)


def _entries(fixture: FixtureDncList) -> list[DncEntryInput]:
    return [
        DncEntryInput(phoneNumber=entry) if isinstance(entry, str) else entry
        for entry in fixture.entries
    ]


def _batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _check_lists(where: str, tenant: FixtureTenant, settings: Settings) -> None:
    names: set[str] = set()
    for number, fixture in enumerate(tenant.lists):
        at = f"{where}.lists[{number}]"
        try:
            name = validation.text(fixture.name, field="name", max_length=MAX_LIST_NAME, name=True)
        except DialistError as error:
            raise _problem(at, error) from None
        if name.casefold() in names:
            raise FixtureError(f"{at}: a list named {name!r} comes twice", field=f"{at}.name")
        names.add(name.casefold())
        for batch in _batches(fixture.contacts, settings.max_batch_size):
            try:
                contacts.prepare_contacts(batch, settings=settings, field="contacts")
            except DialistError as error:
                raise _problem(at, error) from None
    dnc_names: set[str] = set()
    for number, dnc_fixture in enumerate(tenant.dnc_lists):
        at = f"{where}.dncLists[{number}]"
        name = dnc_fixture.name.strip()
        if not name or len(name) > MAX_DNC_NAME or name.casefold() in dnc_names:
            raise FixtureError(
                f"{at}: name must be 1-{MAX_DNC_NAME} characters and new in the tenant",
                field=f"{at}.name",
            )
        dnc_names.add(name.casefold())
        if (dnc_fixture.scope == "contactList") != (dnc_fixture.contact_list is not None):
            raise FixtureError(
                f"{at}: contactList (a list's name) is required for scope contactList, "
                "and only for it",
                field=f"{at}.contactList",
            )
        if (
            dnc_fixture.contact_list is not None
            and dnc_fixture.contact_list.strip().casefold() not in names
        ):
            raise FixtureError(
                f"{at}: contactList must name one of the tenant's lists in the file",
                field=f"{at}.contactList",
            )
        invalid = dnc.invalid_items(_entries(dnc_fixture), settings)
        if invalid:
            first = invalid[0]
            reason = first.errors[0].msg if isinstance(first.errors, list) else "invalid"
            raise FixtureError(
                f"{at}.entries[{first.index}]: {reason}", field=f"{at}.entries[{first.index}]"
            )


def check(fixtures: FixtureFile, settings: Settings) -> list[dict[str, Any]]:
    """Every rule a load could break before it writes, checked without the database; answers
    the apps' checked columns."""
    apps = []
    for number, app in enumerate(fixtures.apps):
        try:
            apps.append(
                auth.fixed_app(
                    client_id=app.client_id,
                    client_secret=app.client_secret,
                    account_id=app.account_id,
                    stream_ids=app.stream_ids,
                    scopes=app.scopes,
                    name=app.name,
                    enforce_jti=app.enforce_jti,
                )
            )
        except DialistError as error:
            raise _problem(f"apps[{number}]", error) from None
    if len({app["client_id"] for app in apps}) != len(apps):
        raise FixtureError("two apps have the same clientId", field="apps")
    seen = set()
    for number, tenant in enumerate(fixtures.tenants):
        where = f"tenants[{number}]"
        key = (tenant.account_id, tenant.stream_id)
        if key in seen:
            raise FixtureError(f"{where}: this account and stream come twice", field=where)
        seen.add(key)
        _check_lists(where, tenant, settings)
    return apps


def load(database: Database, settings: Settings, fixtures: FixtureFile) -> LoadReport:
    """Check the whole file, then load its apps and every tenant's data."""
    apps = check(fixtures, settings)
    loaded_apps = []
    for app in apps:
        _, outcome = auth.put_app(database, app=app)
        loaded_apps.append(LoadedApp(clientId=app["client_id"], outcome=cast(AppOutcome, outcome)))
    tenants = []
    for number, tenant in enumerate(fixtures.tenants):
        scope = _scope(database, tenant, f"tenants[{number}]")
        tenants.append(load_tenant(database, settings, scope=scope, tenant=tenant))
    return LoadReport(apps=loaded_apps, tenants=tenants)


def tenant_of(fixtures: FixtureFile, *, account_id: str, stream_id: str) -> FixtureTenant | None:
    """The file's data for one account and stream, if it has any."""
    for tenant in fixtures.tenants:
        if (tenant.account_id, tenant.stream_id) == (account_id, stream_id):
            return tenant
    return None


def _scope(database: Database, tenant: FixtureTenant, where: str) -> TenantScope:
    try:
        return auth.admin_scope(database, account_id=tenant.account_id, stream_id=tenant.stream_id)
    except DialistError as error:
        raise _problem(where, error) from None


def load_tenant(
    database: Database, settings: Settings, *, scope: TenantScope, tenant: FixtureTenant
) -> LoadedTenant:
    """One tenant's lists and DNC lists (the file already checked): each created with its
    contacts or entries, or kept as it is when the tenant has a list of that name."""
    existing = {
        row.name.casefold(): row for row in lists.list_lists(database, scope=scope, list_type=None)
    }
    loaded: list[LoadedList] = []
    list_ids: dict[str, str] = {}
    for fixture in tenant.lists:
        row = existing.get(fixture.name.strip().casefold())
        if row is not None:
            list_ids[row.name.casefold()] = lists.public_id(row.id)
            loaded.append(LoadedList("contactList", row.name, lists.public_id(row.id), "kept", 0))
            continue
        loaded.append(_create_list(database, settings, scope, fixture))
        list_ids[fixture.name.strip().casefold()] = loaded[-1].id
    own_dnc = {
        row.name.casefold(): row
        for row in dnc.all_lists(database, scope=scope)
        if row.tenant_id == scope.tenant_id
    }
    for dnc_fixture in tenant.dnc_lists:
        found = own_dnc.get(dnc_fixture.name.strip().casefold())
        if found is not None:
            loaded.append(LoadedList("dncList", found.name, dnc.public_id(found.id), "kept", 0))
            continue
        contact_list = dnc_fixture.contact_list
        list_id = list_ids[contact_list.strip().casefold()] if contact_list else None
        loaded.append(_create_dnc_list(database, settings, scope, dnc_fixture, list_id))
    return LoadedTenant(accountId=scope.account_id, streamId=scope.stream_id, lists=loaded)


def _create_list(
    database: Database, settings: Settings, scope: TenantScope, fixture: FixtureList
) -> LoadedList:
    request = CreateContactListRequest(
        name=fixture.name,
        description=fixture.description,
        source="passiveApi",
        allowDuplicates=fixture.allow_duplicates,
        dedupeBy=fixture.dedupe_by,
    )
    row = lists.create_list(database, settings, scope=scope, request=request, version=2)
    list_id = lists.public_id(row.id)
    added = 0
    for batch in _batches(fixture.contacts, settings.max_batch_size):
        result = contacts.add_to_list(
            database, settings, scope=scope, list_public_id=list_id, items=batch, dnc="off"
        )
        added += result.added
    return LoadedList("contactList", row.name, list_id, "created", added)


def _create_dnc_list(
    database: Database,
    settings: Settings,
    scope: TenantScope,
    fixture: FixtureDncList,
    contact_list_id: str | None,
) -> LoadedList:
    request = CreateDncListRequest(
        name=fixture.name,
        scope=fixture.scope,
        description=fixture.description,
        contactListId=contact_list_id,
    )
    row = dnc.create_list(database, scope=scope, request=request)
    dnc_id = dnc.public_id(row.id)
    added = 0
    for batch in _batches(_entries(fixture), DNC_BATCH):
        result = dnc.add_entries(
            database, settings, scope=scope, dnc_list_public_id=dnc_id, items=batch
        )
        added += result.added
    return LoadedList("dncList", row.name, dnc_id, "created", added)
