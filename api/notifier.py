"""Without Redis, the API process delivers the notifications itself: the worker's consumer
runs in the background of the app, reading the outbox table."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from loyalty.notifications.channels.configured import any_configured
from loyalty.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Notifier:
    task: asyncio.Task | None = None
    stop_event: asyncio.Event | None = None

    async def stop(self) -> None:
        if self.task is None or self.stop_event is None:
            return
        self.stop_event.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.task, timeout=10)


async def start_notifier(settings: Settings) -> Notifier:
    """Starts the in-process consumer when there is no Redis and some channel is configured
    (with Redis, `loyalty worker` processes do the work)."""
    if not settings.embedded or not any_configured(settings):
        return Notifier()
    from workers.main import run_worker

    stop = asyncio.Event()
    return Notifier(asyncio.create_task(run_worker(settings, stop), name="notifications"), stop)
