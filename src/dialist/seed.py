"""The demo tenant that ``make serve`` creates on a new database, and its curl lines."""

from __future__ import annotations

from dialist.auth import service as auth
from dialist.auth import store as auth_store
from dialist.auth.models import TenantScope
from dialist.contacts import service as contacts
from dialist.db.engine import Database
from dialist.errors import DialistError
from dialist.lists import service as lists
from dialist.lists.models import CreateContactListRequest
from dialist.settings import Settings

DEMO_APP = "demo"
DEMO_ACCOUNT = "67777ce93e25326494e0d3a1"
DEMO_STREAM = "st-0603182c-7ffb-53c3-b307-47ca14b0d3a1"
DEMO_LIST = "Renewal Due - May/June 2025"
DEMO_CONTACTS = [
    {"phoneNumber": "+14155552671", "firstName": "Ada", "lastName": "Lovelace"},
    {"phoneNumber": "+442071838750", "firstName": "Alan", "lastName": "Turing"},
    {"phoneNumber": "+919876543210", "firstName": "Srinivasa", "lastName": "Ramanujan"},
]
TOKEN_LIFETIME = 30 * 24 * 3600


def seed_demo(database: Database, *, base_url: str) -> str:
    """Create the demo app, list and contacts if missing; return how to call the API."""
    with database.read() as conn:
        app = auth_store.app_by_name(conn, name=DEMO_APP)
    if app is None:
        app = auth.create_app(
            database,
            account_id=DEMO_ACCOUNT,
            stream_ids=[DEMO_STREAM],
            name=DEMO_APP,
            max_token_lifetime=TOKEN_LIFETIME,
        )
    stream_id = app.stream_ids[0]
    with database.write() as conn:
        tenant_id = auth_store.ensure_tenant(conn, account_id=app.account_id, stream_id=stream_id)
    scope = TenantScope(
        tenant_id=tenant_id, account_id=app.account_id, stream_id=stream_id, user_id=app.user_id
    )
    settings = Settings()
    existing = [r for r in lists.list_lists(database, scope=scope, list_type=None)]
    demo_list = next((r for r in existing if r.name.lower() == DEMO_LIST.lower()), None)
    if demo_list is None:
        try:
            demo_list = lists.create_list(
                database,
                settings,
                scope=scope,
                request=CreateContactListRequest(
                    name=DEMO_LIST,
                    description="Demo list created by `make serve` on a new database.",
                    source="passiveApi",
                    allowDuplicates=False,
                ),
                version=2,
            )
            contacts.add_to_list(
                database,
                settings,
                scope=scope,
                list_public_id=lists.public_id(demo_list.id),
                items=[dict(c) for c in DEMO_CONTACTS],
            )
        except DialistError:  # e.g. the account is at its list limit: show what exists
            if not existing:
                raise
    # A demo app made before apps had a longest token lifetime has the deployment's.
    lifetime = min(TOKEN_LIFETIME, app.max_token_lifetime or settings.jwt_max_lifetime_seconds)
    token = auth.make_token(
        client_id=app.client_id, client_secret=app.client_secret, expires_in=lifetime
    )
    prefix = f"{base_url}/campaign/api/v2/public/{stream_id}/campaign/contactList"
    shown = demo_list or existing[0]
    list_id = lists.public_id(shown.id)
    headers = (
        f"--header 'iid: {stream_id}' --header 'accountId: {app.account_id}' "
        f"--header 'auth: {token}'"
    )
    return "\n".join(
        [
            "Demo app (account, stream, client id):",
            f"  {app.account_id}  {stream_id}  {app.client_id}",
            "Get Contact List Details (v2):",
            f"  curl '{prefix}/{list_id}?accountId={app.account_id}' {headers}",
            "Get all Contacts of a Contact List (v2):",
            f"  curl '{prefix}/{list_id}/getAllContacts?accountId={app.account_id}' {headers}",
            f"The token is valid for {_duration(lifetime)}; "
            f"`make serve` prints a new one each time.",
            f"Web console: {base_url}/ui  (sign in with the demo app's client id and secret)",
            f"  client id:     {app.client_id}",
            f"  client secret: {app.client_secret}",
        ]
    )


def _duration(seconds: int) -> str:
    """``30 days``, ``1 day``, ``2 hours``: how long a token lives, for a person."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
