"""The relay: moves committed outbox events onto the Redis stream, and again when the
stream lost them.

A batch is read with row locks that other relays skip (PostgreSQL), added to the stream and
marked relayed (`published_at`, `stream_id`) in the same transaction. A crash after XADD
and before the commit adds the batch again: a repeat, which consumers take as one.

Relayed is not done: an event is done when a consumer has handled it (`delivered_at`). An
event relayed RECHECK_SECONDS ago and still not delivered is looked up in the stream; if its
message is gone (Redis restarted without persistence, or trimmed before it was read) it is
relayed again. Nothing committed is ever skipped (docs/queue.md)."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from tortoise.transactions import in_transaction

from loyalty import clock
from loyalty.outbox import OutboxEvent

log = logging.getLogger("loyalty.relay")

STREAM = "events"  # under the deployment's prefix
STREAM_MAX_LENGTH = 1_000_000
BATCH = 200
RECHECK_SECONDS = 30.0


def encode(event: OutboxEvent) -> dict[str, str]:
    return {
        "id": str(event.id), "topic": event.topic,
        "member_id": "" if event.member_id is None else str(event.member_id),
        "payload": json.dumps(event.payload, separators=(",", ":")),
        **({"traceparent": event.trace_context} if event.trace_context else {}),
    }


def decode(fields: dict[str, str]) -> tuple[str, str, int | None, dict]:
    member = fields.get("member_id") or None
    return fields["id"], fields["topic"], int(member) if member else None, json.loads(fields["payload"])


async def _add(redis, events: list[OutboxEvent]) -> list[str]:  # noqa: ANN001 - redis.asyncio.Redis
    async with redis.pipeline(transaction=False) as pipe:
        for event in events:
            pipe.xadd(redis.key(STREAM), encode(event), maxlen=STREAM_MAX_LENGTH, approximate=True)
        return [str(message_id) for message_id in await pipe.execute()]


async def _in_stream(redis, events: list[OutboxEvent]) -> list[bool]:  # noqa: ANN001
    async with redis.pipeline(transaction=False) as pipe:
        for event in events:
            pipe.xrange(redis.key(STREAM), event.stream_id or "0-0", event.stream_id or "0-0", count=1)
        found = await pipe.execute()
    return [bool(event.stream_id) and bool(messages) for event, messages in zip(events, found)]


async def relay_new(redis, batch: int = BATCH) -> int:  # noqa: ANN001
    """Relays up to `batch` events never relayed; returns how many."""
    async with in_transaction():
        events = await (OutboxEvent.filter(published_at__isnull=True, delivered_at__isnull=True)
                        .order_by("created_at").limit(batch).select_for_update(skip_locked=True))
        if not events:
            return 0
        message_ids = await _add(redis, events)
        now = clock.now()
        for event, message_id in zip(events, message_ids):
            event.published_at, event.stream_id = now, message_id
        await OutboxEvent.bulk_update(events, fields=["published_at", "stream_id"])
    return len(events)


async def relay_lost(redis, batch: int = BATCH, recheck_seconds: float = RECHECK_SECONDS) -> int:  # noqa: ANN001
    """Looks up in the stream up to `batch` events relayed more than `recheck_seconds` ago
    and not delivered yet; relays again those whose message is gone. Returns how many."""
    async with in_transaction():
        cutoff = clock.now() - timedelta(seconds=recheck_seconds)
        events = await (OutboxEvent.filter(delivered_at__isnull=True, published_at__lt=cutoff)
                        .order_by("published_at").limit(batch).select_for_update(skip_locked=True))
        if not events:
            return 0
        lost = [event for event, kept in zip(events, await _in_stream(redis, events)) if not kept]
        message_ids = await _add(redis, lost) if lost else []
        now = clock.now()
        for event in events:  # still in the stream: waiting for a consumer; look again later
            event.published_at = now
        for event, message_id in zip(lost, message_ids):
            event.stream_id = message_id
        await OutboxEvent.bulk_update(events, fields=["published_at", "stream_id"])
    if lost:
        log.warning("relayed %d event(s) again: the stream no longer held them", len(lost))
    return len(lost)


async def relay_once(redis, batch: int = BATCH, recheck_seconds: float = RECHECK_SECONDS) -> int:  # noqa: ANN001
    """Relays up to `batch` new events and up to `batch` lost ones; returns how many."""
    return await relay_new(redis, batch) + await relay_lost(redis, batch, recheck_seconds)
