"""Apps whose clients call from the address a test names: for limits per client address."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx

from api.app import create_app
from loyalty.runtime import Runtime, build_runtime
from tests.conftest import make_settings

AppAt = Callable[..., object]


@contextlib.asynccontextmanager
async def apps_at_addresses(workdir: Path, **defaults: object) -> AsyncIterator[AppAt]:
    """open_app(**settings) -> at(address): a client of that app calling from that address.
    Every app and client is closed at the end."""
    runtimes: list[Runtime] = []
    clients: list[httpx.AsyncClient] = []

    async def open_app(**overrides: object) -> Callable[[str], httpx.AsyncClient]:
        runtime = await build_runtime(make_settings(workdir, **{**defaults, **overrides}))
        runtimes.append(runtime)
        asgi = create_app(runtime=runtime)

        def at(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=asgi, client=(address, 40000))
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
            return clients[-1]

        return at

    try:
        yield open_app
    finally:
        for client in clients:
            await client.aclose()
        for runtime in runtimes:
            await runtime.close()
