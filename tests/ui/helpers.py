"""A person at the console, over HTTP: signs in with a client id and secret like the sign-in
form does, and posts forms with the page's CSRF token."""

from __future__ import annotations

import re
from typing import Any

import httpx

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF.search(page)
    assert found, page[:2000]
    return found.group(1)


class ConsoleUser:
    """An httpx client with the console's cookies."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
        self.csrf = ""

    def sign_in(self, client_id: str, client_secret: str) -> httpx.Response:
        """Fill in and send the sign-in form; the answer of the POST."""
        form = self.http.get("/ui/sign-in")
        assert form.status_code == 200, form.text
        answer = self.http.post(
            "/ui/sign-in",
            data={"csrf": csrf_of(form.text), "clientId": client_id, "clientSecret": client_secret},
        )
        if answer.status_code == 303:
            self.csrf = csrf_of(self.get("/ui/lists").text)
        return answer

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """A form, with the session's CSRF token unless ``data`` names one."""
        return self.http.post(path, data={"csrf": self.csrf, **(data or {})}, **kwargs)

    def close(self) -> None:
        self.http.close()
