"""What a consumer does with one outbox event: make its notifications and try each once."""
from __future__ import annotations

import uuid
from typing import Any

from loyalty.notifications import delivery, fanout
from loyalty.notifications.channels.configured import Channels


async def handle_event(event_id: uuid.UUID | str, topic: str, member_id: int | None, payload: dict[str, Any],
                       channels: Channels, policy: delivery.RetryPolicy) -> list[str]:
    """Safe to repeat: the notifications are made once, and one that was sent is not sent
    again (a crash between sending and recording it is the one way to a repeat, which
    carries the same id). Returns the notifications' ids."""
    ids = await fanout.plan(event_id, topic, member_id, payload, channels.enabled())
    for notification_id in ids:
        await delivery.deliver(notification_id, channels, policy)
    return ids
