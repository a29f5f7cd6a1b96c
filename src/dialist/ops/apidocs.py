"""``/docs``: Swagger UI from files shipped in the package, so the page works with no network.

Litestar's Swagger plugin loads Swagger UI from a CDN (a blank page offline: "SwaggerUIBundle
is not defined"); this one serves the vendored copy in ``dialist/static/swagger`` and reads
the OpenAPI document from ``/openapi.json``. The page names no other host.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import OpenAPI
from litestar.static_files import create_static_files_router

ASSETS = "/docs/assets/swagger"
STATIC = Path(__file__).resolve().parent.parent / "static" / "swagger"

_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dialist API</title>
<link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<style>body {{ margin: 0; }}</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
}});
</script>
</body>
</html>
""".encode()


class OfflineSwagger(SwaggerRenderPlugin):
    """Swagger UI at ``/docs`` from the package's own copy."""

    def __init__(self) -> None:
        super().__init__(
            path="/",
            js_url=f"{ASSETS}/swagger-ui-bundle.js",
            css_url=f"{ASSETS}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return _PAGE


class DocumentedJson(JsonRenderPlugin):
    """``/docs/openapi.json``: the same document as ``/openapi.json`` (``documented`` gives it;
    Litestar's own would serve the generator's output without what the app adds to it)."""

    def __init__(self, documented: Callable[[Litestar], OpenAPI]) -> None:
        super().__init__()
        self._documented = documented

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return self.render_json(request, self._documented(request.app).to_schema())


def assets_router() -> Router:
    """The vendored Swagger UI files (cached for a day: they change only with a release)."""
    return create_static_files_router(
        ASSETS,
        directories=[STATIC],
        name="swagger-assets",
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86_400, public=True),
    )
