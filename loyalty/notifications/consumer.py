"""What a consumer does with one outbox event: make its notifications and try each once,
then mark the event delivered."""
from __future__ import annotations

import uuid
from typing import Any

from loyalty import outbox
from loyalty.notifications import delivery, fanout
from loyalty.notifications.channels.configured import Channels


async def handle_event(event_id: uuid.UUID | str, topic: str, member_id: int | None, payload: dict[str, Any],
                       channels: Channels, policy: delivery.RetryPolicy) -> list[str]:
    """Safe to repeat: the notifications are made once, and one that was sent is not sent
    again (a crash between sending and recording it is the one way to a repeat, which
    carries the same id). The event counts as delivered only once this has run to the end:
    the notifications are then in the database, sent, retried later or dead-lettered.
    Returns the notifications' ids."""
    ids = await fanout.plan(event_id, topic, member_id, payload, channels.enabled())
    if await outbox.is_delivered(event_id):
        return ids  # a repeat of a handled event (relayed again, or read twice)
    for notification_id in ids:
        await delivery.deliver(notification_id, channels, policy)
    await outbox.mark_delivered(event_id)
    return ids
