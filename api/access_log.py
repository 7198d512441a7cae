"""One log line a request (logger `loyalty.access`), with the request's fields: its id, the
GraphQL operation, the member or API key, the status and the duration. Lines logged while
serving it carry the same fields (loyalty.logs.request_fields)."""
from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loyalty.logs import request_fields

log = logging.getLogger("loyalty.access")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        fields = {"request_id": scope.get("state", {}).get("request_id", "-")}
        token = request_fields.set(fields)
        started = time.monotonic()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            log.info("%s %s %s %.1fms", scope["method"], scope["path"], status, duration_ms,
                     extra={"method": scope["method"], "path": scope["path"], "status": status,
                            "duration_ms": duration_ms})
            request_fields.reset(token)
