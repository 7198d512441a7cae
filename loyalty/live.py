"""Live updates: which members changed, heard by the processes serving their subscriptions.

After the commit of a change, the after-commit hook publishes the members it touched. With
REDIS_URL they go to the Redis channel `<REDIS_PREFIX>:members-changed`; each API process keeps
one listener on that channel and hands the news to its own subscribers, so a change made
by any process (an API process, the scheduler, a worker) reaches every subscriber. Without
Redis the news goes straight to the subscribers of the process that made the change, and on
PostgreSQL to those of every other API process through the change feed
(`loyalty.change_feed`: the notification the changing transaction sent, delivered at commit).

A subscriber gets a queue of notices (the member changed); it reads the member's state
itself, so notices that pile up are merged: the queue holds at most one.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

log = logging.getLogger(__name__)

CHANNEL = "members-changed"  # under the deployment's prefix
PUBLISH_TIMEOUT_SECONDS = 0.5  # a change's response does not wait longer for Redis
CLOSE_TIMEOUT_SECONDS = 2.0  # closing never waits longer for Redis


class LiveUpdates:
    def __init__(self, redis: Any | None = None):
        self._redis = redis
        self._subscribers: dict[int, set[asyncio.Queue[None]]] = defaultdict(set)
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    # Publishing (after commit).

    async def hook(self, member_ids: frozenset[int]) -> None:
        await self.publish(member_ids)

    async def publish(self, member_ids: frozenset[int] | set[int]) -> None:
        if not member_ids:
            return
        if self._redis is None:
            self.deliver(member_ids)
            return
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT_SECONDS):
                await self._redis.publish(self._redis.key(CHANNEL), ",".join(str(i) for i in sorted(member_ids)))
        except Exception as exc:  # noqa: BLE001 - Redis away: at least this process's subscribers hear it
            log.warning("live update of %d member(s) not published (%s)", len(member_ids), exc.__class__.__name__)
            self.deliver(member_ids)

    def deliver(self, member_ids: frozenset[int] | set[int]) -> None:
        """Tells this process's subscribers of these members."""
        for member_id in member_ids:
            for queue in self._subscribers.get(member_id, ()):
                if queue.empty():
                    queue.put_nowait(None)

    # What the change feed hears (other processes' changes, without Redis).

    def heard(self, member_ids: frozenset[int]) -> None:
        self.deliver(member_ids)

    def feed_lost(self) -> None:
        return None

    def feed_resumed(self) -> None:
        # News may have been missed meanwhile: every subscriber reads its member again.
        self.deliver(set(self._subscribers))

    # Subscribing (in the API process).

    @contextlib.asynccontextmanager
    async def subscription(self, member_id: int) -> AsyncIterator[asyncio.Queue[None]]:
        """A queue that receives a notice after each committed change to the member."""
        await self._ensure_listener()
        queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        self._subscribers[member_id].add(queue)
        try:
            yield queue
        finally:
            queue_set = self._subscribers.get(member_id)
            if queue_set is not None:
                queue_set.discard(queue)
                if not queue_set:
                    del self._subscribers[member_id]

    def subscriber_count(self) -> int:
        return sum(len(queues) for queues in self._subscribers.values())

    async def _ensure_listener(self) -> None:
        if self._redis is None:
            return
        if self._listener is None or self._listener.done():
            self._listening.clear()
            self._listener = asyncio.create_task(self._listen(), name="live-updates-listener")
        await asyncio.wait_for(self._listening.wait(), timeout=10)

    async def _listen(self) -> None:
        """One subscription to the channel per process, for as long as the process runs;
        reconnects after a lost connection."""
        redis = self._redis
        assert redis is not None, "listens only with Redis"
        while True:
            pubsub = redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(redis.key(CHANNEL))
                if self._listening.is_set():
                    # Reconnected: news may have been missed meanwhile, so every subscriber
                    # reads its member again.
                    self.deliver(set(self._subscribers))
                self._listening.set()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    data = message["data"]
                    if isinstance(data, bytes):
                        data = data.decode()
                    self.deliver({int(part) for part in data.split(",") if part})
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - Redis went away: listen again shortly
                log.warning("live updates listener lost Redis; reconnecting", exc_info=True)
                await asyncio.sleep(1)
            finally:
                # Bounded: closing a subscription whose read was cancelled must not hang the process.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(pubsub.aclose(), CLOSE_TIMEOUT_SECONDS)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.wait({self._listener}, timeout=CLOSE_TIMEOUT_SECONDS * 2)
            self._listener = None
