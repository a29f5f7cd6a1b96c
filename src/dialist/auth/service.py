"""The rules of apps and tokens: creating apps, signing tokens, turning a request into a scope.

Kore.ai's scheme (contract §1.2-1.3): a JWT in the ``auth`` header, HMAC-signed (HS256, or HS512)
with the app's client secret, whose ``appId`` claim is the client id. The app is bound to one
account, a set of streams and a set of scopes.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from dialist.auth import store
from dialist.auth.models import (
    ALGORITHMS,
    ALL_SCOPES,
    DATE_CLAIMS,
    LATEST_DATE,
    TOKEN_LIFETIME_RANGE,
    App,
    TenantScope,
)
from dialist.clock import now_iso
from dialist.db.engine import Database
from dialist.errors import ForbiddenError, NotFoundError, UnauthorizedError, ValidationError
from dialist.ratelimits import service as ratelimits
from dialist.settings import Settings

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
_MAX_TOKEN_LENGTH = 8192
_TOKEN_CACHE_SIZE = 10_000


def _check_identifier(value: str, what: str) -> str:
    if not _ID_PATTERN.match(value):
        raise ValidationError(
            f"{what} must be 1-128 letters, digits or '_.:-' characters", field=what
        )
    return value


def create_app(
    database: Database,
    *,
    account_id: str,
    stream_ids: list[str],
    scopes: list[str] | None = None,
    name: str = "app",
    enforce_jti: bool = False,
    rate_limit_per_minute: int | None = None,
    max_token_lifetime: int | None = None,
) -> App:
    """Create a client app bound to ``account_id`` and ``stream_ids`` (``rate_limit_per_minute``
    and ``max_token_lifetime`` None: the deployment's defaults)."""
    ratelimits.check_per_minute(rate_limit_per_minute)
    check_token_lifetime(max_token_lifetime)
    _check_identifier(account_id, "accountId")
    if not stream_ids:
        raise ValidationError("at least one stream id is required", field="streamId")
    for stream_id in stream_ids:
        _check_identifier(stream_id, "streamId")
    chosen = list(scopes or ALL_SCOPES)
    unknown = [s for s in chosen if s not in ALL_SCOPES]
    if unknown:
        raise ValidationError(
            f"unknown scope {unknown[0]!r}; known scopes: {', '.join(ALL_SCOPES)}", field="scope"
        )
    if not name.strip() or len(name) > 128:
        raise ValidationError("name must be 1-128 characters", field="name")
    with database.write() as conn:
        for stream_id in stream_ids:
            store.ensure_tenant(conn, account_id=account_id, stream_id=stream_id)
        return store.insert_app(
            conn,
            values={
                "client_id": f"cs-{uuid.uuid4()}",
                "client_secret": secrets.token_urlsafe(48),  # 64 characters: long enough for HS512
                "name": name.strip(),
                "account_id": account_id,
                "stream_ids": list(dict.fromkeys(stream_ids)),
                "scopes": list(dict.fromkeys(chosen)),
                "enforce_jti": enforce_jti,
                "user_id": f"u-{uuid.uuid4()}",
                "created_at": now_iso(),
                "rate_limit_per_minute": rate_limit_per_minute,
                "max_token_lifetime": max_token_lifetime,
            },
        )


def check_token_lifetime(seconds: int | None) -> None:
    """400 unless ``seconds`` (an app's longest token lifetime) is None or in range."""
    low, high = TOKEN_LIFETIME_RANGE
    if seconds is not None and not low <= seconds <= high:
        raise ValidationError(
            f"maxTokenLifetime must be {low}-{high} seconds (a minute to a year)",
            field="maxTokenLifetime",
        )


def _check_dates(claims: dict[str, Any]) -> None:
    """401 unless every date claim is a NumericDate: a JSON number (not a string, not a
    boolean), finite, between 1970 and the year 9999."""
    for name in DATE_CLAIMS:
        if name not in claims:
            continue
        value = claims[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UnauthorizedError(
                f"the token's {name} claim must be a number of seconds since 1970, not "
                f"{type(value).__name__ if value is not None else 'null'}"
            )
        if not 0 <= value <= LATEST_DATE:  # False for NaN too
            raise UnauthorizedError(
                f"the token's {name} claim must be a date between 1970 and 9999 "
                "(seconds since 1970)"
            )


def make_token(
    *,
    client_id: str,
    client_secret: str,
    algorithm: str = "HS256",
    expires_in: int | None = 3600,
    subject: str = "dialist",
) -> str:
    """A JWT as a Kore.ai client would build it: ``appId`` + ``sub``, plus iat/exp/jti."""
    if algorithm not in ALGORITHMS:
        raise ValidationError(f"algorithm must be one of {', '.join(ALGORITHMS)}", field="alg")
    now = int(time.time())
    claims: dict[str, Any] = {"appId": client_id, "sub": subject, "iat": now}
    claims["jti"] = uuid.uuid4().hex
    if expires_in:
        claims["exp"] = now + expires_in
    return jwt.encode(claims, client_secret, algorithm=algorithm)


@dataclass(frozen=True)
class RequestCredentials:
    """What a request says about who it is and where it goes."""

    token: str | None
    stream_id: str
    iid: str | None
    account_id_header: str | None
    account_id_query: str | None


class Authenticator:
    """Turns request credentials into a :class:`TenantScope`, or raises 400/401/403.

    Verified tokens and app records are cached for ``auth_cache_seconds`` (a revoked app stops
    working within that time); tenants never change, so they are cached for good. Each request
    it lets through is counted against its app's rate limit (429 past it).
    """

    def __init__(self, database: Database, settings: Settings) -> None:
        self._database = database
        self._rate_limiter = ratelimits.RateLimiter(
            database, default_per_minute=settings.rate_limit_per_minute
        )
        self._leeway = settings.jwt_leeway_seconds
        self._max_lifetime = settings.jwt_max_lifetime_seconds
        self._ttl = settings.auth_cache_seconds
        self._lock = threading.Lock()
        self._apps: dict[str, tuple[float, App | None]] = {}
        self._tokens: dict[str, tuple[float, str, float | None]] = {}
        self._tenants: dict[tuple[str, str], int] = {}

    def authenticate(self, credentials: RequestCredentials, *, scope: str) -> TenantScope:
        """Check token, account, stream and scope; return the tenant scope of the request."""
        app = self._verified_app(credentials.token)
        account_id = self._account_id(credentials)
        if account_id != app.account_id:
            raise ForbiddenError("this app is not allowed to access that account")
        if credentials.iid is not None and credentials.iid != credentials.stream_id:
            raise ForbiddenError("the iid header does not match the streamId of the path")
        if credentials.stream_id not in app.stream_ids:
            raise ForbiddenError("this app is not mapped to that stream")
        if scope not in app.scopes:
            raise ForbiddenError(f"this app lacks the API scope {scope!r}")
        self._rate_limiter.spend(app_id=app.id, app_limit=app.rate_limit_per_minute)
        return TenantScope(
            tenant_id=self._tenant_id(account_id, credentials.stream_id),
            account_id=account_id,
            stream_id=credentials.stream_id,
            user_id=app.user_id,
            client_id=app.client_id,
        )

    def app(self, client_id: str) -> App | None:
        """The app with this client id (cached like a token's app), for callers that hold a
        client id and its secret instead of a token: the console's sign-in and sessions."""
        if len(client_id) > 64 or not client_id.isprintable():
            return None
        return self._app(client_id, time.monotonic())

    def tenant_for(self, app: App, stream_id: str, *, scope: str) -> TenantScope:
        """The tenant scope of ``app`` on one of its streams (403 for another stream or a
        scope the app lacks), as ``authenticate`` gives it for a token."""
        if stream_id not in app.stream_ids:
            raise ForbiddenError("this app is not mapped to that stream")
        if scope not in app.scopes:
            raise ForbiddenError(f"this app lacks the API scope {scope!r}")
        return TenantScope(
            tenant_id=self._tenant_id(app.account_id, stream_id),
            account_id=app.account_id,
            stream_id=stream_id,
            user_id=app.user_id,
        )

    @staticmethod
    def _account_id(credentials: RequestCredentials) -> str:
        header, query = credentials.account_id_header, credentials.account_id_query
        if header is not None and query is not None and header != query:
            raise ValidationError(
                "accountId differs between the header and the query string", field="accountId"
            )
        account_id = header if header is not None else query
        if not account_id:
            raise ValidationError(
                "accountId is required, as a header or a query parameter", field="accountId"
            )
        return account_id

    def _verified_app(self, token: str | None) -> App:
        if not token:
            raise UnauthorizedError("the auth header with a JWT is required")
        now = time.monotonic()
        cached = self._tokens.get(token)
        if cached is not None and now - cached[0] < self._ttl:
            _, client_id, expires = cached
            if expires is None or time.time() < expires + self._leeway:
                app = self._app(client_id, now)
                if app is not None and not app.enforce_jti:
                    return app
        return self._verify(token, now)

    def _verify(self, token: str, now: float) -> App:
        if len(token) > _MAX_TOKEN_LENGTH:
            raise UnauthorizedError("the token is too long")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise UnauthorizedError(f"the token is not a valid JWT: {error}") from None
        if header.get("alg") not in ALGORITHMS:
            raise UnauthorizedError("the token must be signed with HS256 or HS512")
        if not isinstance(claims, dict):  # pragma: no cover - PyJWT decodes objects only
            raise UnauthorizedError("the token's payload must be a JSON object")
        _check_dates(claims)
        client_id = claims.get("appId")
        if not isinstance(client_id, str) or not client_id:
            raise UnauthorizedError("the token has no appId claim")
        if len(client_id) > 64 or not client_id.isprintable():
            raise UnauthorizedError("the token's appId is not a known client app")
        app = self._app(client_id, now)
        if app is None:
            raise UnauthorizedError("the token's appId is not a known client app")
        try:
            verified = jwt.decode(
                token,
                app.client_secret,
                algorithms=list(ALGORITHMS),
                leeway=self._leeway,
                options={"verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise UnauthorizedError("the token has expired") from None
        except jwt.PyJWTError as error:
            raise UnauthorizedError(f"the token was rejected: {error}") from None
        expires = verified.get("exp")
        self._check_lifetime(app, verified)
        if app.enforce_jti:
            self._consume_jti(app, verified.get("jti"))
        else:
            with self._lock:
                if len(self._tokens) >= _TOKEN_CACHE_SIZE:
                    self._tokens.clear()
                self._tokens[token] = (
                    now,
                    client_id,
                    float(expires) if isinstance(expires, int | float) else None,
                )
        return app

    def _check_lifetime(self, app: App, claims: dict[str, Any]) -> None:
        """401 when the token claims to live longer than the app allows: ``exp`` minus ``iat``
        (minus now, without ``iat``). A token without ``exp`` claims no lifetime (contract
        §1.3: ``exp`` is optional)."""
        expires = claims.get("exp")
        if expires is None:
            return
        issued = claims.get("iat")
        start = issued if issued is not None else time.time()
        most = app.max_token_lifetime or self._max_lifetime
        if expires - start > most + self._leeway:
            raise UnauthorizedError(
                f"the token claims to live {int(expires - start)} seconds; this app allows "
                f"at most {most} (exp - iat; the app's maxTokenLifetime)"
            )

    def _consume_jti(self, app: App, jti: object) -> None:
        if not isinstance(jti, str) or not jti or len(jti) > 256 or "\x00" in jti:
            raise UnauthorizedError("this app requires a jti claim in every token")
        with self._database.write() as conn:
            if not store.remember_jti(conn, app_id=app.id, jti=jti, used_at=now_iso()):
                raise UnauthorizedError("this token was already used (jti replay)")

    def _app(self, client_id: str, now: float) -> App | None:
        cached = self._apps.get(client_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        with self._database.read() as conn:
            app = store.app_by_client_id(conn, client_id=client_id)
        with self._lock:
            if len(self._apps) >= _TOKEN_CACHE_SIZE:
                self._apps.clear()
            self._apps[client_id] = (now, app)
        return app

    def _tenant_id(self, account_id: str, stream_id: str) -> int:
        key = (account_id, stream_id)
        found = self._tenants.get(key)
        if found is not None:
            return found
        with self._database.write() as conn:
            found = store.ensure_tenant(conn, account_id=account_id, stream_id=stream_id)
        with self._lock:
            if len(self._tenants) >= _TOKEN_CACHE_SIZE:  # bounded like the other caches
                self._tenants.clear()
            self._tenants[key] = found
        return found


_CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
MIN_SECRET_LENGTH = 32  # HS256 wants a key of at least 256 bits


def fixed_app(
    *,
    client_id: str,
    client_secret: str,
    account_id: str,
    stream_ids: list[str],
    scopes: list[str] | None = None,
    name: str = "app",
    enforce_jti: bool = False,
) -> dict[str, Any]:
    """The checked columns of an app whose client id and secret are chosen by the caller (a
    fixture file: a test suite hard-codes them), for :func:`put_app`; 400 naming the field
    that breaks a rule. No database access: a fixture file is checked whole first."""
    if not _CLIENT_ID.match(client_id):
        raise ValidationError(
            "clientId must be 1-64 letters, digits or '_.:-' characters", field="clientId"
        )
    if len(client_secret) < MIN_SECRET_LENGTH or not client_secret.isprintable():
        raise ValidationError(
            f"clientSecret must be at least {MIN_SECRET_LENGTH} printable characters",
            field="clientSecret",
        )
    if len(client_secret) > 256:
        raise ValidationError("clientSecret must be at most 256 characters", field="clientSecret")
    _check_identifier(account_id, "accountId")
    if not stream_ids:
        raise ValidationError("at least one stream id is required", field="streamId")
    for stream_id in stream_ids:
        _check_identifier(stream_id, "streamId")
    chosen = list(dict.fromkeys(scopes or ALL_SCOPES))
    if any(s not in ALL_SCOPES for s in chosen):
        raise ValidationError(f"scopes must be among {', '.join(ALL_SCOPES)}", field="scope")
    if not name.strip() or len(name) > 128:
        raise ValidationError("name must be 1-128 characters", field="name")
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        "name": name.strip(),
        "account_id": account_id,
        "stream_ids": list(dict.fromkeys(stream_ids)),
        "scopes": chosen,
        "enforce_jti": enforce_jti,
    }


def put_app(database: Database, *, app: dict[str, Any]) -> tuple[App, str]:
    """Store an app checked by :func:`fixed_app`: created, updated to these values, or left
    as it is. Answers the app and ``created``, ``updated`` or ``unchanged``."""
    wanted = {key: value for key, value in app.items() if key != "client_id"}
    with database.write() as conn:
        for stream_id in wanted["stream_ids"]:
            store.ensure_tenant(conn, account_id=wanted["account_id"], stream_id=stream_id)
        existing = store.app_by_client_id(conn, client_id=app["client_id"])
        if existing is None:
            values = {
                **app,
                "user_id": f"u-{uuid.uuid4()}",
                "created_at": now_iso(),
            }
            return store.insert_app(conn, values=values), "created"
        current = {key: getattr(existing, key) for key in wanted}
        current["stream_ids"] = list(existing.stream_ids)
        current["scopes"] = list(existing.scopes)
        if wanted == current:
            return existing, "unchanged"
        return store.update_app(conn, app_id=existing.id, values=wanted), "updated"


def admin_scope(database: Database, *, account_id: str, stream_id: str) -> TenantScope:
    """The scope of the account's administrator in a stream (commands and fixtures run beside
    the database as them): the tenant is created if new; the user id is the same on every
    run (``u-<uuid>``)."""
    _check_identifier(account_id, "accountId")
    _check_identifier(stream_id, "streamId")
    with database.write() as conn:
        tenant_id = store.ensure_tenant(conn, account_id=account_id, stream_id=stream_id)
    admin = uuid.uuid5(uuid.NAMESPACE_URL, f"dialist:admin:{account_id}")
    return TenantScope(
        tenant_id=tenant_id, account_id=account_id, stream_id=stream_id, user_id=f"u-{admin}"
    )


def set_rate_limit(database: Database, *, client_id: str, per_minute: int | None) -> App:
    """Set an app's requests a minute (``None``: the deployment's default; 0: no limit); 404
    for an unknown client id. Servers apply it within ``auth_cache_seconds``."""
    ratelimits.check_per_minute(per_minute)
    with database.write() as conn:
        found = store.app_by_client_id(conn, client_id=client_id)
        if found is None:
            raise NotFoundError(f"no app has the client id {client_id!r}")
        return store.update_app(conn, app_id=found.id, values={"rate_limit_per_minute": per_minute})
