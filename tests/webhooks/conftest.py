from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from loyalty.notifications.channels.configured import Channels
from loyalty.outbox import OutboxEvent
from loyalty.runtime import build_runtime
from loyalty.settings import Settings
from tests.conftest import make_settings
from tests.support.webhook_receiver import WebhookReceiver, webhook_receiver
from workers.main import run_worker


@pytest.fixture
def hook_settings(workdir: Path) -> Settings:
    """Private networks allowed (the receiver is on 127.0.0.1), retries a moment apart, five attempts."""
    return make_settings(workdir, WEBHOOKS_ALLOW_PRIVATE_NETWORKS=True, WEBHOOK_BACKOFF_SECONDS=0.05,
                         WEBHOOK_BACKOFF_MAX_SECONDS=0.2, WEBHOOK_MAX_ATTEMPTS=5)


@pytest.fixture
async def staff_client(clean_db: None, hook_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    runtime = await build_runtime(hook_settings)
    transport = httpx.ASGITransport(app=create_app(runtime=runtime), client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await runtime.close()


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    async with webhook_receiver() as running:
        yield running


@pytest.fixture
def worker(hook_settings: Settings) -> Callable[..., object]:
    """`await worker(until)`: runs the worker (the same one `loyalty worker` runs: the stream
    with REDIS_URL, else the outbox table) until `until()` holds, at most 20 seconds."""
    async def holds(until: Callable[[], object]) -> bool:
        answer = until()
        return bool(await answer if inspect.isawaitable(answer) else answer)

    async def run(until: Callable[[], object], settings: Settings = hook_settings) -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_worker(settings, stop, channels=Channels(public_url=settings.public_url)))
        try:
            for _ in range(400):
                if await holds(until) or task.done():
                    break
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await task
        assert await holds(until), "the worker did not get there in time"
    return run


async def handled() -> bool:
    """Every outbox event was handled by a consumer."""
    return not await OutboxEvent.filter(delivered_at__isnull=True).exists()
