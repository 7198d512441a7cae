"""A graphql-transport-ws client (the `websockets` library) and an API server in the test's
own process, for subscriptions."""
from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from api.app import create_app
from loyalty.runtime import Runtime
from tests.support.servers import free_port

PROTOCOL = "graphql-transport-ws"
WALLET_UPDATED = """
subscription {
  walletUpdated {
    wallet { points pendingPoints lifetimePoints credit { amount currencyCode } }
    entry { kind status points reference }
  }
}"""


@contextlib.asynccontextmanager
async def serving(runtime: Runtime) -> AsyncIterator[str]:
    """The app on a free port of 127.0.0.1 in this process, sharing `runtime`; yields its URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(runtime=runtime), host="127.0.0.1", port=port, log_level="warning",
        ws="websockets-sansio", lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "the server did not start"
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def ws_connection(url: str) -> AsyncIterator[ClientConnection]:
    async with connect(url.replace("http", "ws", 1) + "/graphql", subprotocols=[PROTOCOL]) as ws:
        yield ws


async def receive(ws: ClientConnection, timeout: float) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=timeout))


async def init(ws: ClientConnection, payload: dict[str, Any]) -> None:
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))


async def subscribe(ws: ClientConnection, token: str, query: str = WALLET_UPDATED) -> None:
    await init(ws, {"accessToken": token})
    assert await receive(ws, 5) == {"type": "connection_ack"}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
