"""The consumer side of the Redis stream: a consumer group shared by every worker.

Each message is acknowledged (XACK) only after its notifications were made and tried, so a
worker killed in the middle leaves it pending in the group; after WORKER_RECLAIM_SECONDS
another worker takes it over (XAUTOCLAIM) and handles it again. A group (or stream) that
Redis lost is made again, from the start of whatever the stream holds now."""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable

from redis.exceptions import ResponseError

from loyalty import tracing
from workers.relay import STREAM, decode

log = logging.getLogger(__name__)

GROUP = "notifications"
ALIVE_PREFIX = "worker-alive:"  # under the deployment's prefix
Handler = Callable[[str, str, int | None, dict], Awaitable[object]]


def delivery_span(topic: str, traceparent: str | None):  # noqa: ANN201 - a context manager
    """The span of one event's delivery, in the trace of the request that wrote the event."""
    return tracing.span(f"deliver {topic}", traceparent=traceparent, consumer=True,
                        attributes={"messaging.destination.name": STREAM, "event.topic": topic})


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


async def ensure_group(redis) -> None:  # noqa: ANN001 - redis.asyncio.Redis
    try:
        await redis.xgroup_create(redis.key(STREAM), GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def lost_group(exc: ResponseError) -> bool:
    """Whether Redis answered that the stream or the group does not exist (NOGROUP, or no
    such key: Redis restarted without its data, or someone deleted them)."""
    text = str(exc)
    return text.startswith("NOGROUP") or "no such key" in text.lower()


async def recreate_group(redis) -> None:  # noqa: ANN001
    log.warning("the consumer group %r of %r is gone (Redis lost its data?); creating it again", GROUP, STREAM)
    await ensure_group(redis)


async def _handle(redis, messages, handler: Handler) -> int:  # noqa: ANN001
    done = 0
    for message_id, fields in messages:
        if not fields:  # trimmed from the stream while pending: nothing left to do
            await redis.xack(redis.key(STREAM), GROUP, message_id)
            continue
        event = decode(fields)
        with delivery_span(event[1], fields.get("traceparent")):
            await handler(*event)
        await redis.xack(redis.key(STREAM), GROUP, message_id)
        done += 1
    return done


async def reclaim(redis, consumer: str, handler: Handler, idle_seconds: float, count: int = 50) -> int:  # noqa: ANN001
    """Takes over messages another consumer held for longer than `idle_seconds`, and handles them."""
    _, messages, *_ = await redis.xautoclaim(redis.key(STREAM), GROUP, consumer, min_idle_time=int(idle_seconds * 1000),
                                             start_id="0-0", count=count)
    return await _handle(redis, messages, handler)


async def read(redis, consumer: str, handler: Handler, *, block_ms: int = 1000, count: int = 20) -> int:  # noqa: ANN001
    """Handles new messages (waits up to `block_ms` for one)."""
    answer = await redis.xreadgroup(GROUP, consumer, {redis.key(STREAM): ">"}, count=count, block=block_ms)
    return sum([await _handle(redis, messages, handler) for _, messages in answer or []])


def _alive_key(consumer: str) -> str:
    return f"{ALIVE_PREFIX}{consumer}"


async def heartbeat(redis, own: str, seconds: float) -> None:  # noqa: ANN001
    """Says this worker runs, for `seconds`; a running worker repeats it well before then."""
    await redis.set(redis.key(_alive_key(own)), "1", px=int(seconds * 1000))


async def forget_idle_consumers(redis, own: str, idle_seconds: float) -> list[str]:  # noqa: ANN001
    """Removes from the group the consumers that are gone: no heartbeat, nothing held, and
    no message for `idle_seconds` (workers that were killed, once their messages were taken
    over). A running worker's heartbeat keeps it, so no message it is handling can lose its
    place in the group's pending list."""
    gone = []
    for consumer in await redis.xinfo_consumers(redis.key(STREAM), GROUP):
        name = consumer["name"]
        if name == own or int(consumer["pending"]) or int(consumer["idle"]) < idle_seconds * 1000:
            continue
        if await redis.exists(redis.key(_alive_key(name))):
            continue
        await redis.xgroup_delconsumer(redis.key(STREAM), GROUP, name)
        gone.append(name)
    return gone


async def leave(redis, own: str) -> bool:  # noqa: ANN001
    """A worker that stops leaves the group, unless it still holds messages (then another
    worker takes them over, and removes it later)."""
    await redis.delete(redis.key(_alive_key(own)))
    for consumer in await redis.xinfo_consumers(redis.key(STREAM), GROUP):
        if consumer["name"] == own and int(consumer["pending"]) == 0:
            await redis.xgroup_delconsumer(redis.key(STREAM), GROUP, own)
            return True
    return False


async def pending(redis) -> int:  # noqa: ANN001
    """Messages delivered to a consumer and not acknowledged yet."""
    try:
        return int((await redis.xpending(redis.key(STREAM), GROUP))["pending"])
    except ResponseError:
        return 0
