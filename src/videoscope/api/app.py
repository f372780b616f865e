"""The API application: Twelve Labs v1.3 compatible routes under ``/v1.3``, health at
``/health``, the OpenAPI schema at ``/openapi.json`` (interactive docs at ``/docs``).

All wiring happens in :func:`create_app`: the server state, the worker pool with its task
handlers (:mod:`videoscope.api.tasks.handlers`), the leaf routers of :mod:`videoscope.api.routes`
and the playground page. Arrows point one way: app -> routes -> services -> deps -> stores.

Errors are mapped to HTTP statuses in ONE place (:data:`STATUS_BY_ERROR` and the handlers of
:func:`install_error_handlers`); every error body is ``{"code": ..., "message": ...}``.

Example:
    >>> app = create_app(Settings(home=tmp))  # doctest: +SKIP
    >>> uvicorn.run(app, host="127.0.0.1", port=8000)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from videoscope.api.deps import ServerState
from videoscope.api.routes import (
    analyze,
    assets,
    classify,
    describing,
    embed,
    indexes,
    indexing,
    playground,
    search,
    videos,
)
from videoscope.api.security import (
    BodyLimitMiddleware,
    PayloadTooLargeError,
    UnauthorizedError,
    require_api_key,
)
from videoscope.api.services.describer import NotAvailableError
from videoscope.api.tasks.handlers import handlers
from videoscope.api.tasks.workers import WorkerPool
from videoscope.config import Settings, get_settings
from videoscope.errors import (
    BackendUnavailableError,
    ConflictError,
    InvalidRequestError,
    MediaError,
    MediaNotFoundError,
    NotFoundError,
    VideoscopeError,
)
from videoscope.segments.request import AnalyzeRequestError

logger = logging.getLogger(__name__)

#: Twelve Labs API version served; clients use ``base_url=http://host:port/v1.3``.
API_PREFIX = "/v1.3"

#: Error class -> HTTP status; the first matching class (in this order) wins.
STATUS_BY_ERROR: list[tuple[type[VideoscopeError], int]] = [
    (UnauthorizedError, 401),
    (PayloadTooLargeError, 413),
    (NotAvailableError, 501),
    (MediaNotFoundError, 400),
    (NotFoundError, 404),
    (ConflictError, 409),
    (InvalidRequestError, 400),
    (AnalyzeRequestError, 400),
    (MediaError, 400),
    (BackendUnavailableError, 503),
]


def status_of(error: VideoscopeError) -> int:
    """The HTTP status of a videoscope error (500 for those not listed: a server fault)."""
    for cls, status in STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return 500


def error_body(code: str, message: str) -> dict[str, str]:
    """The error body every route returns."""
    return {"code": code, "message": message}


_HTTP_CODES = {
    400: "parameter_invalid",
    401: "api_key_invalid",
    404: "resource_not_exists",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "parameter_invalid",
}


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to a status and a ``{code, message}`` body."""

    @app.exception_handler(VideoscopeError)
    async def on_videoscope_error(request: Request, error: VideoscopeError) -> JSONResponse:
        status = status_of(error)
        if status >= 500 and status != 501:
            logger.error("%s %s failed: %s", request.method, request.url.path, error)
        return JSONResponse(error_body(error.code, str(error)), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = error.errors()
        first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
        missing = first.get("type") == "missing"
        code = "parameter_not_provided" if missing else "parameter_invalid"
        message = f"{where or 'request'}: {first.get('msg', 'invalid')}"
        if len(problems) > 1:
            message += f" ({len(problems) - 1} more problem(s))"
        return JSONResponse(error_body(code, message), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        status = error.status_code
        code = _HTTP_CODES.get(status, "http_error")
        return JSONResponse(
            error_body(code, str(error.detail)),
            status_code=status,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def on_crash(request: Request, error: Exception) -> JSONResponse:
        logger.exception("%s %s crashed", request.method, request.url.path)
        return JSONResponse(
            error_body("internal_error", f"{type(error).__name__}: the server failed; see its log"),
            status_code=500,
        )


def create_app(settings: Settings | None = None, *, start_workers: bool = True) -> FastAPI:
    """The FastAPI app over the library at ``settings.home``; workers start with the app."""
    settings = settings or get_settings()
    state = ServerState(settings)
    state.pool = WorkerPool(state.tasks, handlers(state), workers=settings.server.workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_workers:
            state.start()
        try:
            yield
        finally:
            state.stop()

    app = FastAPI(
        title="videoscope",
        version="1.3",
        summary="Self-hosted video understanding with a Twelve Labs v1.3 compatible API.",
        description=(
            "Point the official `twelvelabs` SDK at `base_url=http://HOST:PORT/v1.3`. "
            "See docs/api.md for what is compatible and what differs."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.server = state
    app.add_middleware(BodyLimitMiddleware, limit=settings.server.max_upload_bytes + (1 << 20))
    install_error_handlers(app)
    guarded = [Depends(require_api_key)]
    routers = (indexes, indexing, videos, search, analyze, describing, embed, classify, assets)
    for module in routers:
        app.include_router(module.router, prefix=API_PREFIX, dependencies=guarded)
    app.state.playground_secret = secrets.token_bytes(32)
    app.include_router(playground.router, prefix=API_PREFIX, dependencies=guarded)
    app.include_router(playground.media_router, prefix=API_PREFIX)
    app.mount("/playground", StaticFiles(directory=playground.STATIC), name="playground")
    app.include_router(playground.page_router)

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, Any]:
        """Liveness and the task queue's size (no key needed)."""
        _, queued = state.tasks.page("index", limit=1, filters={"status": ["pending"]})
        return {"status": "ok", "queued_index_tasks": queued}

    return app
