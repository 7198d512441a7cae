"""From one outbox event to its webhook deliveries: one per endpoint subscribed to its topic."""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from loyalty import clock
from loyalty.members.models import Member
from loyalty.outbox import OutboxEvent
from loyalty.webhooks.endpoints import ALL
from loyalty.webhooks.models import Webhook, WebhookDelivery

NAMESPACE = uuid.UUID("0b6f4f8e-2f57-5d1c-8a7e-5e1d7c2b9a40")


def delivery_key(event_id: uuid.UUID | str, webhook_id: int) -> str:
    """Stable: the same event to the same endpoint always has the same key."""
    return str(uuid.uuid5(NAMESPACE, f"{event_id}/{webhook_id}"))


def body(event_id: uuid.UUID | str, topic: str, created_at: datetime, member_number: str | None,
         payload: dict[str, Any]) -> str:
    """The JSON posted: the event's id (for deduplication), its topic, when it happened, the
    member's card number and the event's payload."""
    document = {"id": str(event_id), "type": topic, "created_at": created_at.isoformat(),
                "member_number": member_number, "data": payload}
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


async def plan(event_id: uuid.UUID | str, topic: str, member_id: int | None, payload: dict[str, Any]) -> list[str]:
    """Makes the event's deliveries (once: a repeat finds them made); returns their keys."""
    hooks = [hook for hook in await Webhook.filter(deleted_at=None).order_by("id")
             if ALL in hook.events or topic in hook.events]
    if not hooks:
        return []
    event = await OutboxEvent.get_or_none(id=event_id)
    member = await Member.get_or_none(id=member_id) if member_id is not None else None
    now = clock.now()
    text = body(event_id, topic, event.created_at if event else now, member.member_number if member else None,
                payload)
    rows = [WebhookDelivery(key=delivery_key(event_id, hook.id), webhook_id=hook.id, event_id=event_id, topic=topic,
                            member_id=member_id, body=text, next_attempt_at=now, created_at=now) for hook in hooks]
    await WebhookDelivery.bulk_create(rows, ignore_conflicts=True)
    return [row.key for row in rows]
