"""Without Redis (the embedded default) the API process does the background work itself: it
delivers notifications and webhooks (the worker's consumer, reading the outbox table) when a
channel is configured or a webhook registered, and runs the scheduler. Several API processes
may do so: one scheduler acts."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from loyalty.notifications.channels.configured import any_configured
from loyalty.settings import Settings

log = logging.getLogger(__name__)

WEBHOOK_POLL_SECONDS = 2.0  # how soon the first webhook registered starts the consumer


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
    """Starts the in-process consumer and scheduler when there is no Redis (with Redis,
    `loyalty worker` and `loyalty scheduler` processes do the work). The consumer runs only
    when some channel is configured or some webhook registered (it starts when the first one
    is); until then events wait in the outbox."""
    if not settings.embedded:
        return Notifier()
    from workers.scheduler import check_settings

    check_settings(settings)  # bad schedule settings stop the API from starting
    stop = asyncio.Event()
    task = asyncio.create_task(_background(settings, stop), name="background")
    task.add_done_callback(_report)
    return Notifier(task, stop)


async def _background(settings: Settings, stop: asyncio.Event) -> None:
    from loyalty.webhooks.endpoints import any_registered
    from workers.main import run_worker
    from workers.scheduler import run_scheduler

    if any_configured(settings) or await any_registered():
        await run_worker(settings, stop, with_scheduler=True, serve_status=False)
        return
    scheduler = asyncio.create_task(run_scheduler(settings, stop, serve_status=False), name="scheduler")
    while not stop.is_set():
        try:
            registered = await any_registered()
        except Exception:  # noqa: BLE001 - the database is down: look again later
            registered = False
        if registered:
            await run_worker(settings, stop, serve_status=False)
            break
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=WEBHOOK_POLL_SECONDS)
    await scheduler


def _report(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the background work stopped", exc_info=task.exception())
