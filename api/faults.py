"""Faults answer as faults: a request that meets a database or Redis that is down or hung
gets the retryable UNAVAILABLE (HTTP 503 with Retry-After) within REQUEST_TIMEOUT_SECONDS,
for members and API keys alike; a client that went away is not a server error.

Inside GraphQL execution the schema turns a resolver's fault into the UNAVAILABLE error
(schema.extensions) and the endpoint answers 503 (api.graphql); this middleware answers the
rest: a fault while reading the credentials or outside GraphQL, and the deadline."""
from __future__ import annotations

import asyncio
import json
import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loyalty import faults
from loyalty.errors import ErrorCode

log = logging.getLogger("loyalty.faults")

MESSAGE = "The service is unavailable for a moment; retry the request (with the same idempotency key)."
CANCEL_GRACE_SECONDS = 1.0
_abandoned: set[asyncio.Task[None]] = set()


def unavailable_body(request_id: str) -> bytes:
    return json.dumps({"errors": [{"message": MESSAGE, "extensions": {
        "code": ErrorCode.UNAVAILABLE.value, "requestId": request_id}}]}).encode()


class FaultsMiddleware:
    def __init__(self, app: ASGIApp, *, timeout_seconds: float, retry_after_seconds: int):
        self.app = app
        self.timeout_seconds = timeout_seconds
        self.retry_after = str(retry_after_seconds).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rid = scope.get("state", {}).get("request_id", "-")
        started = answered = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the deadline answered for it
            started = started or message["type"] == "http.response.start"
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, tracking_send))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.timeout_seconds)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if not done:
            # Cancelled, the request's transaction rolls back; a dependency that hangs may
            # keep it from finishing, so it gets a moment and is then left to end alone.
            task.cancel()
            await asyncio.wait({task}, timeout=CANCEL_GRACE_SECONDS)
            if not task.done():
                _abandoned.add(task)
                task.add_done_callback(_abandoned.discard)
            log.warning("%s %s passed its %ss deadline (request %s)", scope["method"], scope["path"],
                        self.timeout_seconds, rid)
            if not started:
                answered = True
                await self._unavailable(send, rid)
            return
        exc = task.exception()
        if exc is None:
            return
        if isinstance(exc, ClientDisconnect):
            log.info("the client went away during %s %s (request %s)", scope["method"], scope["path"], rid)
            return
        if not faults.is_unavailable(exc):
            raise exc
        log.warning("%s %s: unavailable: %s (request %s)", scope["method"], scope["path"], faults.describe(exc), rid)
        if not started:
            await self._unavailable(send, rid)

    async def _unavailable(self, send: Send, rid: str) -> None:
        body = unavailable_body(rid)
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", self.retry_after),
        ]})
        await send({"type": "http.response.body", "body": body})
