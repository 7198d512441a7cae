"""The relay: moves committed outbox events onto the Redis stream.

A batch is read with row locks that other relays skip (PostgreSQL), added to the stream and
marked relayed in the same transaction. A crash after XADD and before the commit adds the
batch again: a repeat, which consumers take as one. Nothing committed is ever skipped."""
from __future__ import annotations

import json

from tortoise.transactions import in_transaction

from loyalty import clock
from loyalty.outbox import OutboxEvent

STREAM = "events"  # under the deployment's prefix
STREAM_MAX_LENGTH = 1_000_000
BATCH = 200


def encode(event: OutboxEvent) -> dict[str, str]:
    return {
        "id": str(event.id), "topic": event.topic,
        "member_id": "" if event.member_id is None else str(event.member_id),
        "payload": json.dumps(event.payload, separators=(",", ":")),
    }


def decode(fields: dict[str, str]) -> tuple[str, str, int | None, dict]:
    member = fields.get("member_id") or None
    return fields["id"], fields["topic"], int(member) if member else None, json.loads(fields["payload"])


async def relay_once(redis, batch: int = BATCH) -> int:  # noqa: ANN001 - redis.asyncio.Redis
    """Relays up to `batch` events; returns how many."""
    async with in_transaction():
        events = await (OutboxEvent.filter(published_at__isnull=True).order_by("created_at").limit(batch)
                        .select_for_update(skip_locked=True))
        if not events:
            return 0
        async with redis.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.xadd(redis.key(STREAM), encode(event), maxlen=STREAM_MAX_LENGTH, approximate=True)
            await pipe.execute()
        await OutboxEvent.filter(id__in=[event.id for event in events]).update(published_at=clock.now())
    return len(events)
