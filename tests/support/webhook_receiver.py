"""A local HTTP endpoint standing in for the brand's system: it records every webhook POST,
and answers 503 while `failing` is above zero (counting it down)."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from hypercorn.config import Config
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.receivers import Received, free_port, serving


@dataclass
class WebhookReceiver:
    url: str
    received: list[Received] = field(default_factory=list)
    failing: int = 0

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            self.received.append(Received(request.url.path, dict(request.headers), await request.body(),
                                          request.scope.get("http_version", "")))
            if self.failing > 0:
                self.failing -= 1
                return Response("try later", status_code=503)
            return Response("ok")

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


@contextlib.asynccontextmanager
async def webhook_receiver() -> AsyncIterator[WebhookReceiver]:
    port = free_port()
    receiver = WebhookReceiver(f"http://127.0.0.1:{port}/hook")
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    async with serving(receiver.app(), config, port):
        yield receiver
