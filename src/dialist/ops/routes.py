"""HTTP routes of operations: ``/metrics`` (Prometheus) and the API docs' own files."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.openapi import ResponseSpec
from litestar.types import ControllerRouterHandler
from prometheus_client import CONTENT_TYPE_LATEST

from dialist.envelope import Failure
from dialist.ops.apidocs import assets_router
from dialist.ops.service import Operations

OPS_KEY = "ops"  # the app state's Operations


@get(
    "/metrics",
    sync_to_thread=True,
    tags=["operations"],
    summary="Prometheus metrics",
    description="The Prometheus text format: requests and latency by route template and "
    "status, jobs by kind and status, import rows, database pool use (docs/operations.md). "
    "Open unless DIALIST_METRICS_TOKEN is set (then `Authorization: Bearer <token>`); "
    "404 with DIALIST_METRICS=off.",
    responses={
        200: ResponseSpec(
            data_container=str,
            media_type="text/plain",
            description="Metrics in the Prometheus text format",
            generate_examples=False,
        ),
        401: ResponseSpec(
            data_container=Failure,
            description="DIALIST_METRICS_TOKEN is set and the request does not carry it "
            "(UNAUTHORIZED)",
            generate_examples=False,
        ),
        404: ResponseSpec(
            data_container=Failure,
            description="Metrics are turned off: DIALIST_METRICS=off (NOT_FOUND)",
            generate_examples=False,
        ),
    },
)
def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    operations: Operations = request.app.state[OPS_KEY]
    text = operations.scrape(request.headers.get("authorization"))
    return Response(text, media_type=CONTENT_TYPE_LATEST)


ROUTES: list[ControllerRouterHandler] = [metrics, assets_router()]
