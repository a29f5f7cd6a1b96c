"""The credentials of the API in the generated OpenAPI document: ``auth`` and the ``accountId``
header are required parameters of every operation behind the token guard.

Litestar reads them as optional parameters on purpose: the guard (``web.authenticated``) reads
them from the request first, answers 401/403 itself, and also takes ``Authorization: Bearer``
for ``auth`` and the ``accountId`` query parameter for the header (contract §1.2). The document
states the Kore.ai way (both headers sent), which the server always accepts.
"""

from __future__ import annotations

from litestar.openapi.spec import OpenAPI, Parameter

REQUIRED_HEADERS = frozenset({"auth", "accountId"})


def _guarded(security: list[dict[str, list[str]]] | None) -> bool:
    return any("jwt" in requirement for requirement in security or [])


def document_credentials(schema: OpenAPI) -> None:
    """Mark the credential headers required on every operation that names the ``jwt`` scheme."""
    for item in (schema.paths or {}).values():
        for operation in (item.get, item.post, item.put, item.patch, item.delete):
            if operation is None or not _guarded(operation.security):
                continue
            for parameter in operation.parameters or []:
                if (
                    isinstance(parameter, Parameter)
                    and parameter.param_in == "header"
                    and parameter.name in REQUIRED_HEADERS
                ):
                    parameter.required = True
