"""The transactional outbox: events written in the same transaction as the change they
describe, delivered after commit (at least once); consumers deduplicate by id.

An event goes through two marks. `published_at` is set when the relay adds it to the Redis
stream (`stream_id` is the message's id there); `delivered_at` when a consumer has handled
it: its notifications made and tried (see docs/queue.md). Only `delivered_at` means done: an
event relayed to a stream that lost it (Redis restarted without persistence, or the message
trimmed unread) is relayed again."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from loyalty import changes, clock, sql, tracing


class OutboxEvent(Model):
    """An event committed with the change it describes, waiting for the relay."""

    id = fields.UUIDField(primary_key=True)
    topic = fields.CharField(max_length=64)
    member_id = fields.BigIntField(null=True)
    payload: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()
    published_at = fields.DatetimeField(null=True)  # last added to (or seen in) the stream
    stream_id = fields.CharField(max_length=64, null=True)  # the stream message's id
    delivered_at = fields.DatetimeField(null=True)  # handled by a consumer: done
    # The W3C traceparent of the request that wrote it, when tracing is on (loyalty.tracing).
    trace_context = fields.CharField(max_length=128, null=True)

    class Meta:
        table = "outbox_events"
        indexes = (Index(fields=("published_at", "created_at")), Index(fields=("delivered_at", "published_at")))


async def emit(topic: str, member_id: int | None, payload: dict[str, Any]) -> OutboxEvent:
    """Call inside the transaction that makes the change (see `loyalty.events` for topics)."""
    changes.touch(member_id)
    return await OutboxEvent.create(
        id=uuid.uuid4(), topic=topic, member_id=member_id, payload=payload, created_at=clock.now(),
        trace_context=tracing.current_traceparent(),
    )


async def emit_per_row(topic: str, now: datetime, member: str, fields: dict[str, str], rows: str, *params: Any) -> int:
    """One event per row of `rows` (a `FROM ...` clause with `?` parameters), written by a
    single statement: for jobs that change any number of members at once. `member` and the
    values of `fields` are SQL expressions over those rows; the payload is their JSON object."""
    new_id = "gen_random_uuid()" if sql.is_postgres() else "lower(hex(randomblob(16)))"
    payload = sql.json_object(fields)
    written = await sql.fetch(
        "INSERT INTO outbox_events (id, topic, member_id, payload, created_at) "
        f"SELECT {new_id}, ?, {member}, {payload}, ? {rows} RETURNING member_id",
        topic, now, *params,
    )
    changes.touch(r["member_id"] for r in written if r["member_id"] is not None)
    return len(written)


async def is_delivered(event_id: uuid.UUID | str) -> bool:
    return await OutboxEvent.filter(id=event_id, delivered_at__isnull=False).exists()


async def mark_delivered(event_id: uuid.UUID | str) -> None:
    """Called by the consumer once the event's notifications are made and tried."""
    await OutboxEvent.filter(id=event_id, delivered_at__isnull=True).update(delivered_at=clock.now())
