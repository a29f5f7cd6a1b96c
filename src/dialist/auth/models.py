"""Row and value types of the auth domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

SCOPE_CAMPAIGN_MANAGEMENT = "campaign_management"
SCOPE_CONFIGURATION = "configuration"
ALL_SCOPES = (SCOPE_CAMPAIGN_MANAGEMENT, SCOPE_CONFIGURATION)
ALGORITHMS = ("HS256", "HS512")
# The date claims of a token (RFC 7519 NumericDate: seconds since 1970 as a JSON number).
DATE_CLAIMS = ("exp", "nbf", "iat")
# The largest date a claim may hold: 9999-12-31T23:59:59Z.
LATEST_DATE = 253_402_300_799
# Bounds of an app's longest token lifetime (seconds): a minute to a year.
TOKEN_LIFETIME_RANGE = (60, 31_536_000)

_ORG_NAMESPACE = uuid.UUID("6f0f3c1e-5d1a-4c1b-9a59-3f1e2d7c8b90")


def org_id_for(account_id: str) -> str:
    """Every account has one org id (``o-<uuid>``), the same on every node."""
    return f"o-{uuid.uuid5(_ORG_NAMESPACE, account_id)}"


@dataclass(frozen=True)
class App:
    """A JWT client app: what a token signed with its secret may do."""

    id: int
    client_id: str
    client_secret: str
    name: str
    account_id: str
    stream_ids: tuple[str, ...]
    scopes: tuple[str, ...]
    enforce_jti: bool
    user_id: str
    created_at: str
    # Requests a minute (None: the deployment's DIALIST_RATE_LIMIT_PER_MINUTE; 0: no limit).
    rate_limit_per_minute: int | None = None
    # The longest lifetime in seconds a token may claim, exp - iat (None: the deployment's
    # DIALIST_JWT_MAX_LIFETIME_SECONDS).
    max_token_lifetime: int | None = None


@dataclass(frozen=True)
class TenantScope:
    """Who is asking and for which (account, stream): every store function requires one."""

    tenant_id: int
    account_id: str
    stream_id: str
    user_id: str
    # The client app (``cs-…``) whose token authenticated the request, when there was one:
    # named in the request log, never used to scope data.
    client_id: str | None = None

    @property
    def org_id(self) -> str:
        return org_id_for(self.account_id)
