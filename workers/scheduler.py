"""The scheduler: runs the daily domain jobs at their configured times (see loyalty.jobs)."""
from __future__ import annotations

import asyncio

from loyalty.settings import Settings


async def run_scheduler(settings: Settings, stop: asyncio.Event) -> None:
    """Runs until `stop` is set. Only one scheduler acts at a time, however many run."""
    raise NotImplementedError("the scheduler is not built yet")
