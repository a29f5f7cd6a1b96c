"""One dialist server and one Chromium (Debian's, driven by Playwright) per test module.

Every request the pages make is watched: one that would leave the machine (any host but the
test server's) is aborted and recorded, and each test ends by checking there was none.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright import sync_api as playwright_api

from tests.conftest import Server, Tenant, make_tenant, start_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = os.environ.get("DIALIST_SCREENSHOTS")  # a folder: keep the screenshots there


@dataclass
class Traffic:
    """What the browser asked for, and what it asked of another machine."""

    origin: str
    seen: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("browser"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[playwright_api.Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run `make test` (it installs Debian's package)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def person(console_server: Server) -> Tenant:
    """A tenant of its own for each test."""
    return make_tenant(console_server)


@pytest.fixture
def traffic(console_server: Server) -> Traffic:
    return Traffic(origin=console_server.url)


def _watch(context: playwright_api.BrowserContext, traffic: Traffic) -> None:
    def route(route: playwright_api.Route) -> None:
        url = route.request.url
        traffic.seen.append(url)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != traffic.origin:
            traffic.outside.append(url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)


class Tabs:
    """Opens browser tabs (each with its own cookies) whose every request is watched."""

    def __init__(self, browser: playwright_api.Browser, traffic: Traffic) -> None:
        self.browser = browser
        self.traffic = traffic
        self.contexts: list[playwright_api.BrowserContext] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def open(self, width: int = 1280, height: int = 900) -> playwright_api.Page:
        context = self.browser.new_context(viewport={"width": width, "height": height})
        self.contexts.append(context)
        _watch(context, self.traffic)
        opened = context.new_page()
        opened.on("pageerror", lambda error: self.errors.append(str(error)))
        opened.on("dialog", self._answer)
        return opened

    def _answer(self, dialog: playwright_api.Dialog) -> None:
        """Say yes to the console's confirm() (deletes, undo); remember every dialog."""
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()


@pytest.fixture
def tabs(browser: playwright_api.Browser, traffic: Traffic) -> Iterator[Tabs]:
    """Tabs for one test; it fails if a request went to another machine or a script failed."""
    opened = Tabs(browser, traffic)
    yield opened
    for context in opened.contexts:
        context.close()
    assert traffic.seen, "the browser made no request at all"
    assert traffic.outside == [], f"requests left the machine: {traffic.outside}"
    assert opened.errors == [], f"script errors: {opened.errors}"


@pytest.fixture
def page(tabs: Tabs) -> playwright_api.Page:
    """A tab 1280 pixels wide."""
    return tabs.open()


def sign_in(page: playwright_api.Page, server: Server, tenant: Tenant) -> None:
    page.goto(server.url + "/ui/lists")  # not signed in: the sign-in form
    page.fill("input[name=clientId]", tenant.client_id)
    page.fill("input[name=clientSecret]", tenant.client_secret)
    page.click("form[action='/ui/sign-in'] button[type=submit]")
    page.wait_for_url("**/ui/lists")


def screenshot(page: playwright_api.Page, name: str, tmp_path: Path) -> Path:
    """A full-page screenshot (kept in DIALIST_SCREENSHOTS when set, for docs/screenshots)."""
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path
