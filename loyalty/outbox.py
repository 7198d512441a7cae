"""The transactional outbox: events written in the same transaction as the change they
describe, delivered after commit (at least once) by the relay; consumers deduplicate by id."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from loyalty import changes, clock, sql


class OutboxEvent(Model):
    """An event committed with the change it describes, waiting for the relay."""

    id = fields.UUIDField(primary_key=True)
    topic = fields.CharField(max_length=64)
    member_id = fields.BigIntField(null=True)
    payload = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_events"
        indexes = (Index(fields=("published_at", "created_at")),)


async def emit(topic: str, member_id: int | None, payload: dict[str, Any]) -> OutboxEvent:
    """Call inside the transaction that makes the change (see `loyalty.events` for topics)."""
    changes.touch(member_id)
    return await OutboxEvent.create(
        id=uuid.uuid4(), topic=topic, member_id=member_id, payload=payload, created_at=clock.now()
    )


async def emit_per_row(topic: str, now: datetime, member: str, fields: dict[str, str], rows: str, *params: Any) -> int:
    """One event per row of `rows` (a `FROM ...` clause with `?` parameters), written by a
    single statement: for jobs that change any number of members at once. `member` and the
    values of `fields` are SQL expressions over those rows; the payload is their JSON object."""
    pairs = ", ".join(f"'{name}', {expression}" for name, expression in fields.items())
    if sql.is_postgres():
        new_id, payload = "gen_random_uuid()", f"json_build_object({pairs})::jsonb"
    else:
        new_id, payload = "lower(hex(randomblob(16)))", f"json_object({pairs})"
    written = await sql.fetch(
        "INSERT INTO outbox_events (id, topic, member_id, payload, created_at) "
        f"SELECT {new_id}, ?, {member}, {payload}, ? {rows} RETURNING member_id",
        topic, now, *params,
    )
    changes.touch(r["member_id"] for r in written if r["member_id"] is not None)
    return len(written)
