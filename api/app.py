"""The ASGI application: wiring only."""
from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from api.access_log import AccessLogMiddleware
from api.faults import FaultsMiddleware
from api.graphql import LoyaltyGraphQL
from api.health import healthz, readyz
from api.metrics import metrics
from api.middleware import (
    BodyDeadlineMiddleware,
    BodySizeLimitMiddleware,
    ConcurrencyLimitMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
    transport_error,
)
from api.notifier import start_notifier
from api.referral_links import referral_link
from api.stripe_webhook import stripe_webhook
from api.wallet.routes import wallet_routes
from loyalty import db, tracing
from loyalty.runtime import Runtime, build_runtime
from loyalty.settings import Settings, get_settings

log = logging.getLogger(__name__)
errors_log = logging.getLogger("loyalty.errors")


class _GraphQLEndpoint:
    """Routes to the GraphQL app that the lifespan builds (it needs the runtime)."""

    def __init__(self) -> None:
        self.app: LoyaltyGraphQL | None = None

    async def __call__(self, scope, receive, send) -> None:
        if self.app is None:
            await transport_error(503, "Starting up", code="UNAVAILABLE", headers={"retry-after": "1"})(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


async def internal_error(request: Request, exc: Exception) -> Response:
    """A failure outside GraphQL execution (e.g. while reading the credentials): masked like
    the errors inside it, with the request id in the body, the header and the log."""
    rid = request.scope.get("state", {}).get("request_id", "-")
    errors_log.error("unexpected error in %s %s (request %s)", request.method, request.url.path, rid, exc_info=exc)
    body = {"errors": [{"message": "Unexpected error.",
                        "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": rid}}]}
    return JSONResponse(body, status_code=500, headers={"x-request-id": rid})


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such route, method not allowed) as GraphQL JSON."""
    assert isinstance(exc, HTTPException)
    return transport_error(exc.status_code, exc.detail, headers=dict(exc.headers or {}))


def cors_middleware(settings: Settings) -> list[Middleware]:
    """Cross-origin calls from the configured origins only; none when CORS_ORIGINS is unset."""
    if not settings.cors_origin_list:
        return []
    return [Middleware(
        CORSMiddleware, allow_origins=settings.cors_origin_list, allow_methods=["GET", "POST"],
        allow_headers=["authorization", "content-type", "x-request-id", "x-csrf-token"], expose_headers=["x-request-id", "retry-after"],
        allow_credentials=settings.cors_allow_credentials, max_age=settings.cors_max_age_seconds,
    )]


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Any:
    """The application. Given a runtime (tests, embedding), it uses that runtime and its
    database connections; otherwise its lifespan opens and closes its own."""
    settings = runtime.settings if runtime else (settings or get_settings())
    endpoint = _GraphQLEndpoint()
    if runtime is not None:
        endpoint.app = LoyaltyGraphQL(runtime)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if runtime is not None:
            app.state.runtime = runtime
            yield
            return
        await db.init(settings)
        built: Runtime | None = None
        notifier = None
        try:
            built = await build_runtime(settings)
            notifier = await start_notifier(settings)  # after the runtime applied the program
            app.state.runtime = built
            endpoint.app = LoyaltyGraphQL(built)
            # What start-up built lives as long as the process: out of the collector's way, so
            # that its full collections walk only what requests allocate.
            gc.freeze()
            yield
        finally:
            if notifier is not None:
                await notifier.stop()
            endpoint.app = None
            if built is not None:
                await built.close()
            await db.close()

    routes = [
        Route("/graphql", endpoint, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", endpoint),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route("/r/{code}", referral_link, methods=["GET", "HEAD"]),
        Route("/webhooks/stripe", stripe_webhook, methods=["POST"]),
        *wallet_routes(),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(AccessLogMiddleware),
            Middleware(SecurityHeadersMiddleware),
            *cors_middleware(settings),
            Middleware(ConcurrencyLimitMiddleware, limit=settings.max_concurrent_requests),
            Middleware(BodyDeadlineMiddleware, seconds=settings.body_timeout_seconds),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
            Middleware(FaultsMiddleware, timeout_seconds=settings.request_timeout_seconds,
                       retry_after_seconds=settings.retry_after_seconds),
        ],
        lifespan=lifespan,
        exception_handlers={Exception: internal_error, HTTPException: http_error},
    )
    app.state.settings = settings
    if runtime is not None:
        app.state.runtime = runtime  # routes outside GraphQL read it, with or without the lifespan
    tracing.setup(settings, "api")  # nothing happens while OTEL_EXPORTER_OTLP_ENDPOINT is unset
    return tracing.wrap_asgi(app)
