"""ASGI middleware: a request id on every request, limits on request bodies and on requests
in flight, the security headers, and transport errors written as GraphQL JSON."""
from __future__ import annotations

import asyncio
import re
import uuid

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema.extensions import request_id

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Takes a well-formed X-Request-Id from the caller or makes one; logs and errors carry it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _VALID_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        # Also in the scope: Starlette's 500 handler runs outside this middleware.
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


STATUS_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 408: "REQUEST_TIMEOUT",
                413: "PAYLOAD_TOO_LARGE", 503: "UNAVAILABLE"}


def transport_error(status: int, message: str, *, code: str | None = None,
                    headers: dict[str, str] | None = None) -> JSONResponse:
    """An error before or around GraphQL execution, in the shape of a GraphQL response, so
    that a client parses every answer of the endpoint the same way."""
    body = {"errors": [{"message": message, "extensions": {"code": code or STATUS_CODES.get(status, "BAD_REQUEST")}}]}
    return JSONResponse(body, status_code=status, headers=headers)


class BodyTooLarge(Exception):
    pass


async def refused_unless_answered(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, guarded_receive: Receive,
    error: type[Exception], refusal: ASGIApp,
) -> None:
    """Runs `app` reading the body through `guarded_receive`; when that raises `error` before
    the response has started, the client is answered with `refusal` instead."""
    started = False

    async def tracking_send(message: Message) -> None:
        nonlocal started
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await app(scope, guarded_receive, tracking_send)
    except error:
        if not started:
            await refusal(scope, receive, send)


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with 413, whether declared by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self._refuse(scope, receive, send)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        await refused_unless_answered(self.app, scope, receive, send, limited_receive, BodyTooLarge, self._refuse)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        await transport_error(413, f"Request body larger than {self.max_bytes} bytes")(scope, receive, send)


SECURITY_HEADERS = [
    # Responses carry tokens and members' data: no cache may keep them.
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeadersMiddleware:
    """The headers every API response carries, unless the route set its own."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in SECURITY_HEADERS if name not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyDeadlineMiddleware:
    """A request's whole body must arrive within the deadline; a client that trickles it is
    answered 408 and its request goes no further."""

    def __init__(self, app: ASGIApp, seconds: float):
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise BodyTooSlow() from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await refused_unless_answered(self.app, scope, receive, send, timed_receive, BodyTooSlow, self._refuse)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        await transport_error(408, f"The request body did not arrive within {self.seconds:g} seconds.",
                              headers={"connection": "close"})(scope, receive, send)


class BodyTooSlow(Exception):
    pass


class ConcurrencyLimitMiddleware:
    """At most `limit` requests in the application at once; past it, 503 with Retry-After at
    once rather than a queue that grows without bound."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit
        self.active = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.active >= self.limit:
            response = transport_error(503, "The server is busy: retry shortly.", code="UNAVAILABLE",
                                       headers={"retry-after": "1"})
            return await response(scope, receive, send)
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1
