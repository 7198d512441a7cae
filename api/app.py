"""The ASGI application: wiring only."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from api.graphql import LoyaltyGraphQL
from api.health import healthz, readyz
from api.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from api.notifier import start_notifier
from api.referral_links import referral_link
from api.stripe_webhook import stripe_webhook
from loyalty import db
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
            await Response("Starting up", status_code=503)(scope, receive, send)
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


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Starlette:
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
        Route("/r/{code}", referral_link, methods=["GET", "HEAD"]),
        Route("/webhooks/stripe", stripe_webhook, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
        exception_handlers={Exception: internal_error},
    )
    if runtime is not None:
        app.state.runtime = runtime  # routes outside GraphQL read it, with or without the lifespan
    return app
