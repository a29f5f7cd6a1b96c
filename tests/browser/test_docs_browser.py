"""``/docs`` in a real browser with no network: Swagger UI comes from the package and shows
every operation of the generated OpenAPI document."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import Server

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def test_docs_render_every_endpoint_offline(page: Page, console_server: Server) -> None:
    spec = httpx.get(console_server.url + "/openapi.json", timeout=30).json()
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }
    assert len(operations) > 20
    page.goto(console_server.url + "/docs")
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(len(operations), timeout=30_000)
    shown = page.evaluate(
        """() => [...document.querySelectorAll(".opblock")].map((block) => [
            block.querySelector(".opblock-summary-method").textContent.trim(),
            block.querySelector(".opblock-summary-path").getAttribute("data-path"),
        ])"""
    )
    assert {(method, path) for method, path in shown} == operations
