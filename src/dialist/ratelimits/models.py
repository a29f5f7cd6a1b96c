"""Value and error types of the rate limits."""

from __future__ import annotations

from typing import ClassVar

from dialist.errors import DialistError

# The most requests a minute an app may be given (a sanity bound on the setting, not a goal).
MAX_PER_MINUTE = 1_000_000_000


class RateLimitedError(DialistError):
    """The app has made its requests of this minute; ``retry_after`` seconds until the next."""

    status_code: ClassVar[int] = 429
    code: ClassVar[str] = "RATE_LIMITED"

    def __init__(self, *, per_minute: int, retry_after: int) -> None:
        super().__init__(
            f"rate limit exceeded: this app may make {per_minute} requests a minute; "
            f"try again in {retry_after} s"
        )
        self.retry_after = retry_after
        # Rendered by the app's error handler and the getAllContacts fast lane.
        self.headers = {"retry-after": str(retry_after)}
