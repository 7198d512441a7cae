"""Without Redis: the consumer reads the outbox table itself, in the API process (or a
worker). The handler marks an event delivered after it was handled, so a crash repeats it,
never loses it."""
from __future__ import annotations

from loyalty import clock
from loyalty.outbox import OutboxEvent

from workers.stream import Handler, delivery_span


async def consume_once(handler: Handler, batch: int = 50) -> int:
    events = await OutboxEvent.filter(delivered_at__isnull=True).order_by("created_at").limit(batch)
    for event in events:
        with delivery_span(event.topic, event.trace_context):
            await handler(str(event.id), event.topic, event.member_id, event.payload)
        await OutboxEvent.filter(id=event.id).update(published_at=clock.now(), delivered_at=clock.now())
    return len(events)
