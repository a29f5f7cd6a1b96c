"""Row and value types of the auth domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

SCOPE_CAMPAIGN_MANAGEMENT = "campaign_management"
SCOPE_CONFIGURATION = "configuration"
ALL_SCOPES = (SCOPE_CAMPAIGN_MANAGEMENT, SCOPE_CONFIGURATION)
ALGORITHMS = ("HS256", "HS512")

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


@dataclass(frozen=True)
class TenantScope:
    """Who is asking and for which (account, stream): every store function requires one."""

    tenant_id: int
    account_id: str
    stream_id: str
    user_id: str

    @property
    def org_id(self) -> str:
        return org_id_for(self.account_id)
