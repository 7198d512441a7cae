"""The after-commit hooks of a background process (the scheduler, `loyalty run-job`, the
staff commands): the changes it commits invalidate the shared cache and reach live
subscribers through Redis. Without Redis there is nothing of its own to tell: on PostgreSQL
the serving processes hear its changes through the change feed (the notification each
transaction sends, delivered at commit), and on SQLite they notice the database changed
(docs/caching.md). In a process that has hooks already (the API, whose runtime registered
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
    if changes.has_hooks() or not settings.redis_url:
        yield
        return
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
        if cache is not None:
            await cache.close()
        await live.close()
        await redis.aclose()
