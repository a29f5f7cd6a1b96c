"""Console sessions: a signed, expiring cookie and a CSRF token per session.

Nothing is stored on the server, so any node verifies any session: the cookie holds the app's
client id, the chosen stream and a random nonce, signed (with a timestamp) by the app's own
client secret. A new secret or a deleted app ends its sessions; the CSRF token is derived from
the same secret and the session's nonce, so it cannot be guessed from the cookie alone (which
scripts cannot read anyway: HttpOnly).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from dialist.auth.models import App

COOKIE = "dialist_console"
SIGN_IN_COOKIE = "dialist_console_signin"  # the sign-in form's own CSRF token (no session yet)
PATH = "/ui"
LIFETIME_SECONDS = 8 * 3600
_SALT = "dialist.ui.session"
_SEPARATOR = "~"


@dataclass(frozen=True)
class Session:
    """A signed-in app on one of its streams."""

    client_id: str
    stream_id: str
    nonce: str


def _serializer(app: App) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.client_secret, salt=_SALT)


def new_session(app: App, stream_id: str) -> Session:
    """A session of ``app`` on ``stream_id`` with a fresh nonce."""
    return Session(client_id=app.client_id, stream_id=stream_id, nonce=secrets.token_urlsafe(16))


def cookie_value(app: App, session: Session) -> str:
    """The cookie's text: the client id, then the signed session."""
    signed = _serializer(app).dumps({"s": session.stream_id, "n": session.nonce})
    return f"{session.client_id}{_SEPARATOR}{signed}"


def client_id_of(value: str) -> str | None:
    """The client id a cookie claims (not yet verified)."""
    client_id, separator, _signed = value.partition(_SEPARATOR)
    return client_id if separator and client_id else None


def verify(app: App, value: str) -> Session | None:
    """The session in the cookie when ``app``'s secret signed it less than
    ``LIFETIME_SECONDS`` ago; None otherwise."""
    _client_id, _separator, signed = value.partition(_SEPARATOR)
    try:
        payload = _serializer(app).loads(signed, max_age=LIFETIME_SECONDS)
    except BadSignature:  # also expired (SignatureExpired is a BadSignature)
        return None
    if not isinstance(payload, dict):
        return None
    stream_id, nonce = payload.get("s"), payload.get("n")
    if not isinstance(stream_id, str) or not isinstance(nonce, str):
        return None
    return Session(client_id=app.client_id, stream_id=stream_id, nonce=nonce)


def csrf_token(app: App, session: Session) -> str:
    """The session's CSRF token, sent with every form and upload."""
    message = f"csrf:{session.nonce}".encode()
    return hmac.new(app.client_secret.encode(), message, hashlib.sha256).hexdigest()


def csrf_matches(expected: str, given: str | None) -> bool:
    """Compare in constant time."""
    return given is not None and hmac.compare_digest(
        expected.encode(), given.encode(errors="surrogatepass")
    )


def secret_matches(app: App, given: str) -> bool:
    """The client secret typed at sign-in, compared in constant time."""
    return hmac.compare_digest(app.client_secret.encode(), given.encode(errors="surrogatepass"))


def new_sign_in_token() -> str:
    """The random token of the sign-in form (double-submitted: cookie and field)."""
    return secrets.token_urlsafe(24)
