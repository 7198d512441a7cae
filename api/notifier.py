"""Without Redis (the embedded default) the API process does the background work itself: it
delivers notifications (the worker's consumer, reading the outbox table) when a channel is
configured, and runs the scheduler. Several API processes may do so: one scheduler acts."""
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
    """Starts the in-process consumer and scheduler when there is no Redis (with Redis,
    `loyalty worker` and `loyalty scheduler` processes do the work). The consumer runs only
    when some channel is configured; until then events wait in the outbox."""
    if not settings.embedded:
        return Notifier()
    from workers.main import run_worker
    from workers.scheduler import check_settings, run_scheduler

    check_settings(settings)  # bad schedule settings stop the API from starting
    stop = asyncio.Event()
    if any_configured(settings):
        work = run_worker(settings, stop, with_scheduler=True, serve_status=False)
    else:
        work = run_scheduler(settings, stop, serve_status=False)
    task = asyncio.create_task(work, name="background")
    task.add_done_callback(_report)
    return Notifier(task, stop)


def _report(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the background work stopped", exc_info=task.exception())
