"""The API tests of purchases and wallets count points at the base rate: the demo without its
new-member bonus and with every tier at 1 point per euro."""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from api.app import create_app
from loyalty.runtime import build_runtime
from tests.conftest import make_settings
from tests.support.program import demo_at_base_rate, use_program

Opener = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def runtime(runtime):
    await use_program(runtime, demo_at_base_rate())
    return runtime


@pytest.fixture
async def open_app(clean_db, workdir) -> AsyncIterator[Opener]:
    """open_app(**settings) -> a client of an app built like the `client` fixture's."""
    opened = []

    async def open_(*, raise_app_exceptions: bool = True, **overrides: object) -> httpx.AsyncClient:
        runtime = await build_runtime(make_settings(workdir, **overrides))
        transport = httpx.ASGITransport(app=create_app(runtime=runtime), client=("203.0.113.7", 50000),
                                        raise_app_exceptions=raise_app_exceptions)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        opened.append((runtime, client))
        return client

    yield open_
    for runtime, client in opened:
        await client.aclose()
        await runtime.close()
