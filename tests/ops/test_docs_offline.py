"""``/docs`` works with no network: every file it loads is served by dialist itself, and the
Kore.ai reference pages' samples are in the OpenAPI document."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from dialist.ops.examples import ALL_CONTACTS, CONTACT_LIST_DETAILS
from tests.conftest import ROOT, Server

REFERENCE = ROOT.parent / "shared" / "reference"
V2 = "/campaign/api/v2/public/{streamId}/campaign/contactList"
PIP_WHEEL = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
V1 = "/agentassist/api/v1/public/{streamId}/campaign/contactList"


class _References(HTMLParser):
    """Every URL the page loads: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, url in attrs:
            if name in ("src", "href") and url:
                self.urls.append((tag, url))


def test_docs_page_loads_only_local_files(server: Server) -> None:
    with server.client() as client:
        page = client.get("/docs")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        html = page.text
        # No other host anywhere in the page: not in a tag, not in its script.
        assert not re.search(r"https?:|//[a-z]", html, re.IGNORECASE), html
        found = _References()
        found.feed(html)
        kinds = {}
        for _tag, url in found.urls:
            assert url.startswith("/docs/assets/swagger/"), url
            asset = client.get(url)
            assert asset.status_code == 200, url
            kinds[url.rsplit(".", 1)[1]] = asset
        assert set(kinds) == {"js", "css", "png"}
        assert "javascript" in kinds["js"].headers["content-type"]
        assert "SwaggerUIBundle" in kinds["js"].text
        assert kinds["css"].headers["content-type"].startswith("text/css")
        assert ".swagger-ui" in kinds["css"].text
        # The page reads the document from this server.
        assert 'url: "/openapi.json"' in html and client.get("/openapi.json").status_code == 200
        assert client.get("/docs/assets/swagger/no-such-file.js").status_code == 404
        # No way out of the folder (the package's Python files stay unread).
        escape = client.get("/docs/assets/swagger/..%2F..%2Fops%2Fapidocs.py")
        assert escape.status_code in (400, 404) and "SwaggerUIBundle" not in escape.text


def _sample_response(name: str) -> Any:
    text = (REFERENCE / name).read_text()
    start = text.index("Sample Response")
    body = text[text.index("{", start) : text.index("Response Parameters", start)]
    return json.loads(body)


def test_kore_samples_are_the_reference_pages(server: Server) -> None:
    with server.client() as client:
        spec = client.get("/openapi.json").json()
    for prefix in (V2, V1):
        for path, sample in (
            (prefix + "/{contactListId}", CONTACT_LIST_DETAILS),
            (prefix + "/{contactListId}/getAllContacts", ALL_CONTACTS),
        ):
            operation = spec["paths"][path]["get"]
            media = operation["responses"]["200"]["content"]["application/json"]
            assert media["examples"]["kore"]["value"] == sample
            examples = {(p["in"], p["name"]): p.get("example") for p in operation["parameters"]}
            assert examples[("path", "streamId")] == "st-0603182c-7ffb-53c3-b307-47ca14bxxxxx"
            assert examples[("header", "accountId")] == "67777ce93e25326494exxxxx"
            assert (
                "curl --location 'https://{{host}}" + prefix.split("{")[0]
                in operation["description"]
            )
    if not REFERENCE.is_dir():
        pytest.skip("the Kore.ai reference pages are not beside the repository")
    assert _sample_response("get-contact-list-details-v2.txt") == CONTACT_LIST_DETAILS
    assert _sample_response("get-all-contacts-of-a-contact-list-v2.txt") == ALL_CONTACTS


def test_the_wheel_ships_the_swagger_files(tmp_path: Path) -> None:
    """What ``pip install .`` installs: the built wheel holds Swagger UI's files."""
    subprocess.run(
        [*PIP_WHEEL, "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("dialist-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE"):
        assert f"dialist/static/swagger/{name}" in names, name
