"""The transactional outbox: events written in the same transaction as the change they
describe, delivered after commit (at least once) by the relay; consumers deduplicate by id."""
from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from loyalty import clock


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
    """Call inside the transaction that makes the change."""
    return await OutboxEvent.create(
        id=uuid.uuid4(), topic=topic, member_id=member_id, payload=payload, created_at=clock.now()
    )
