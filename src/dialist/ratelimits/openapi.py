"""The 429 answer in the generated OpenAPI document: on every operation of the API."""

from __future__ import annotations

from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)

API_PREFIXES = ("/campaign/", "/agentassist/", "/api/")

_ANSWER = (
    "The app made its requests of this minute (RATE_LIMITED): try again after Retry-After "
    "seconds; see docs/operations-limits.md"
)


def _response() -> OpenAPIResponse:
    return OpenAPIResponse(
        description=_ANSWER,
        headers={
            "Retry-After": OpenAPIHeader(
                description="Seconds until the next minute, when the app's budget is renewed",
                required=True,
                schema=Schema(type=OpenAPIType.INTEGER, minimum=1, maximum=60),
            )
        },
        content={
            "application/json": OpenAPIMediaType(
                schema=Reference(ref="#/components/schemas/Failure")
            )
        },
    )


def document_rate_limits(schema: OpenAPI) -> None:
    """Every operation of the API (each is counted against its app's limit) may answer 429."""
    for path, item in (schema.paths or {}).items():
        if not path.startswith(API_PREFIXES):
            continue
        for operation in (item.get, item.post, item.put, item.patch, item.delete):
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            responses["429"] = _response()
            operation.responses = responses
