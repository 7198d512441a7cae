"""The after-commit hooks of a background process: the changes it commits invalidate the
shared cache and reach live subscribers (through Redis; without Redis only the process's
own cache and subscribers hear them, and the API's cached entries age out after
CACHE_TTL_SECONDS). In a process that has hooks already (the API, whose runtime registered
its cache and live updates) nothing is added: its own hooks hear the changes."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from loyalty import changes
from loyalty.cache import build_cache
from loyalty.live import LiveUpdates
from loyalty.settings import Settings


@contextlib.asynccontextmanager
async def installed_hooks(settings: Settings) -> AsyncIterator[None]:
    changes.set_deadline(settings.after_commit_timeout_seconds)
    if changes.has_hooks():
        yield
        return
    redis = None
    if settings.redis_url:
        from loyalty.redis_client import connect

        redis = connect(settings)
    cache = build_cache(settings, redis)
    live = LiveUpdates(redis)
    hooks = [h for h in (cache.hook if cache else None, live.hook) if h is not None]
    for hook in hooks:
        changes.after_commit(hook)
    try:
        yield
    finally:
        for hook in hooks:
            changes.remove_hook(hook)
        await live.close()
        if redis is not None:
            await redis.aclose()
