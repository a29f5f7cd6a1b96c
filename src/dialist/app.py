"""Build the ASGI app from settings: routes, error handlers, OpenAPI, lifespan."""

from __future__ import annotations

import gc
import re
import threading
from typing import Any

from litestar import Litestar, MediaType, Request, Response, Router, get
from litestar.datastructures import State
from litestar.enums import ParamType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Parameter,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.types import ASGIApp
from litestar.types.internal_types import PathParameterDefinition

from dialist import __version__, web
from dialist.auth.models import SCOPE_CAMPAIGN_MANAGEMENT, SCOPE_CONFIGURATION
from dialist.auth.openapi import document_credentials
from dialist.auth.service import Authenticator
from dialist.contactability import fastpath as contactability_fastpath
from dialist.contactability.routes import ROUTES as CONTACTABILITY_ROUTES
from dialist.contacts import changes
from dialist.contacts import fastpath as contacts_fastpath
from dialist.contacts.routes import ROUTES as CONTACT_ROUTES
from dialist.crm.routes import ROUTES as CRM_ROUTES
from dialist.db.engine import Database
from dialist.db.migrate import upgrade
from dialist.dnc import fastpath as dnc_fastpath
from dialist.dnc import import_runner as dnc_import_runner
from dialist.dnc import scrub_runner
from dialist.dnc.import_models import KIND as DNC_IMPORT
from dialist.dnc.routes import ROUTES as DNC_ROUTES
from dialist.dnc.scrub_routes import ROUTES as SCRUB_ROUTES
from dialist.exports.routes import ROUTES as EXPORT_ROUTES
from dialist.fastlane import FastLane
from dialist.httplimits import HeaderLimit
from dialist.idempotency.middleware import IdempotencyMiddleware
from dialist.imports import runner as import_runner
from dialist.imports.routes import ROUTES as IMPORT_ROUTES
from dialist.jobs.service import Handler
from dialist.jobs.worker import Sweep, Worker
from dialist.lists.routes import ROUTES as LIST_ROUTES
from dialist.ops.apidocs import DocumentedJson, OfflineSwagger
from dialist.ops.examples import document_kore_samples
from dialist.ops.middleware import RequestObserver
from dialist.ops.routes import OPS_KEY
from dialist.ops.routes import ROUTES as OPS_ROUTES
from dialist.ops.service import Operations
from dialist.phones import service as phones
from dialist.ratelimits.openapi import document_rate_limits
from dialist.settings import Settings
from dialist.standin import faults
from dialist.standin import routes as standin_routes
from dialist.ui import routes as console_routes


@get("/healthz", include_in_schema=True, sync_to_thread=False, tags=["operations"])
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@get("/readyz", sync_to_thread=True, tags=["operations"])
def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """Readiness: the database answers (503 when it does not)."""
    ctx: web.AppContext = request.app.state["ctx"]
    try:
        ctx.database.ping()
    except Exception as error:  # any failure to reach the database means "not ready"
        web.log.warning("readiness check failed: %s", error)
        return Response({"status": "unavailable"}, status_code=503)
    return Response({"status": "ok"})


@get("/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_json(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document, generated from the code."""
    schema: dict[str, Any] = documented_openapi(request.app).to_schema()
    return schema


_documenting = threading.Lock()
_DOCUMENTED = "openapi_documented"


def documented_openapi(app: Litestar) -> OpenAPI:
    """The app's OpenAPI document with what the generator cannot say (idempotency keys, the
    reference pages' samples, rate limits, required credentials), made on first use: building
    it costs about a second of CPU that a worker need not spend before it serves."""
    with _documenting:
        schema = app.openapi_schema
        if not app.state.get(_DOCUMENTED):
            _document_idempotency(schema)
            document_kore_samples(schema)
            document_rate_limits(schema)
            document_credentials(schema)
            app.state[_DOCUMENTED] = True
    return schema


@get("/", include_in_schema=False, sync_to_thread=False, media_type=MediaType.TEXT)
def index(request: Request[Any, Any, Any]) -> str:
    return (
        "dialist: Kore.ai-compatible contact lists. API docs at /docs, OpenAPI at /openapi.json\n"
    )


def _operation_id(
    route_handler: Any, http_method: str, path_components: list[str | PathParameterDefinition]
) -> str:
    """``getCampaignApiV2…ContactListIdGetAllContacts``: unique per method and path (the
    default uses the function's name, which is lost for handlers run in a thread)."""
    words = [http_method.lower()]
    for component in path_components:
        name = component.name if isinstance(component, PathParameterDefinition) else component
        words += [w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    return "".join(words)


def create_app(settings: Settings, *, database: Database | None = None) -> Litestar:
    """The dialist ASGI app. Migrates the database on start."""
    db = database or Database(settings.database_url, pool_size=settings.pool_size)
    upgrade(db)
    phones.keep_compiled_patterns()
    ctx = web.AppContext(settings=settings, database=db, authenticator=Authenticator(db, settings))
    operations = Operations(db, settings)  # log format, pool gauges, /metrics
    # Two routers only for their API scope, which their guard checks before anything else.
    campaign, crm = (
        Router(
            "/",
            route_handlers=routes,
            parameters=web.AUTH_PARAMETERS,
            security=[{"jwt": []}],
            guards=[web.authenticated],
            dependencies=web.DEPENDENCIES,
            middleware=[IdempotencyMiddleware],
            opt={"auth_scope": scope},
        )
        for routes, scope in (
            (
                [
                    *LIST_ROUTES,
                    *CONTACT_ROUTES,
                    *DNC_ROUTES,
                    *SCRUB_ROUTES,
                    *CONTACTABILITY_ROUTES,
                    *IMPORT_ROUTES,
                    *EXPORT_ROUTES,
                ],
                SCOPE_CAMPAIGN_MANAGEMENT,
            ),
            (CRM_ROUTES, SCOPE_CONFIGURATION),
        )
    )

    worker = job_worker(db, settings) if settings.worker == "inprocess" else None

    def _start() -> None:
        # What is built by now (modules, phone metadata, routes, schemas) lives as long as the
        # process: keep it out of the collector's full passes, which otherwise walk all of it
        # (0.1 s and more with every thread stopped, every minute or so under load).
        gc.freeze()
        db.start_checkpoints()
        operations.start()
        if worker is not None:
            worker.start()

    def _dispose() -> None:
        if worker is not None:
            worker.stop()
        operations.stop()
        db.dispose()

    app = Litestar(
        route_handlers=[
            campaign,
            crm,
            *standin_routes.routers(settings),
            healthz,
            readyz,
            openapi_json,
            index,
            *OPS_ROUTES,
            console_routes.router(),
        ],
        exception_handlers={Exception: console_routes.with_console_pages(web.error_handler)},
        request_class=web.DialistRequest,
        request_max_body_size=settings.max_body_bytes,
        on_startup=[_start],
        on_shutdown=[_dispose],
        state=State({"ctx": ctx, OPS_KEY: operations}),
        openapi_config=OpenAPIConfig(
            title="dialist",
            version=__version__,
            description="Kore.ai Campaign Management contact-list API, self-hosted. Operations "
            f"tagged '{web.EXTENSION_TAG}' are dialist's own additions.",
            path="/docs",
            # Swagger UI from the package, no CDN; /docs/openapi.json as /openapi.json
            render_plugins=[OfflineSwagger(), DocumentedJson(documented_openapi)],
            components=Components(
                security_schemes={
                    "jwt": SecurityScheme(
                        type="apiKey",
                        name="auth",
                        security_scheme_in="header",
                        description="JWT (HS256/HS512) with claim appId = client id",
                    )
                }
            ),
            create_examples=False,
            operation_id_creator=_operation_id,
        ),
        debug=False,
    )
    return app


_IDEMPOTENCY_KEY = Parameter(
    name="Idempotency-Key",
    param_in=ParamType.HEADER,
    required=False,
    description="1-255 visible ASCII characters: a retry with the same key, method, path and "
    "body gets the first answer (`Idempotent-Replayed: true`) and does nothing again; see "
    "docs/api.md, Idempotent writes",
    schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=255, pattern="^[!-~]+$"),
)


_IDEMPOTENCY_ANSWERS = {
    "409": "A request with the same Idempotency-Key is still running (IDEMPOTENCY_KEY_IN_USE)",
    "422": "The Idempotency-Key was used for another method, path or body (IDEMPOTENCY_KEY_REUSED)",
}


def _document_idempotency(schema: OpenAPI) -> None:
    """Every write of the API takes ``Idempotency-Key`` (the middleware on both API routers
    reads it): say so on each POST, PUT, PATCH and DELETE of the generated document, with the
    answers a key can give (409 in use, 422 reused)."""
    for path, item in (schema.paths or {}).items():
        if not path.startswith(("/campaign/", "/agentassist/", "/api/")):
            continue
        for operation in (item.post, item.put, item.patch, item.delete):
            if operation is None:
                continue
            operation.parameters = [*(operation.parameters or []), _IDEMPOTENCY_KEY]
            responses = operation.responses if operation.responses is not None else {}
            for status, text in _IDEMPOTENCY_ANSWERS.items():
                known = responses.get(status)
                if isinstance(known, OpenAPIResponse):
                    known.description = f"{known.description}; or: {text}"
                else:
                    responses[status] = OpenAPIResponse(
                        description=text,
                        content={
                            "application/json": OpenAPIMediaType(
                                schema=Reference(ref="#/components/schemas/Failure")
                            )
                        },
                    )
            operation.responses = responses


def job_handlers() -> dict[str, Handler]:
    """What runs each kind of job."""
    return {
        "import": import_runner.run,
        "scrub": scrub_runner.run,
        DNC_IMPORT: dnc_import_runner.run,
    }


def job_sweeps() -> list[Sweep]:
    """The housekeeping workers run now and then."""
    return [changes.prune]


def job_worker(database: Database, settings: Settings) -> Worker:
    """A worker for every kind of job dialist runs."""
    return Worker(database, settings, job_handlers(), job_sweeps())


def asgi() -> ASGIApp:
    """Factory for ASGI servers (``granian --factory dialist.app:asgi``): settings from env.

    The Litestar app behind the fast lane of getAllContacts, the callable page and the
    contactability and DNC checks (see ``fastlane.py``), behind fault injection when
    ``DIALIST_FAULTS=1`` (``standin/faults.py``).
    """
    app = create_app(Settings())
    ctx: web.AppContext = app.state["ctx"]
    fast_lane = FastLane(
        web.OptionsResponder(app),
        ctx,
        [
            contacts_fastpath.LANE,
            contactability_fastpath.LANE,
            contactability_fastpath.CHECK_LANE,
            dnc_fastpath.LANE,
        ],
    )
    # Outermost: every answer, the fast lane's too, gets a request id, a log line and metrics.
    served = HeaderLimit(faults.wrap(fast_lane, ctx.settings))
    return RequestObserver(served, metrics=app.state[OPS_KEY].enabled)
