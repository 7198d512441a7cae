"""Registering and removing the brand's webhook endpoints (staff operations)."""
from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from loyalty import events
from loyalty.audit.record import Actor, record
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.webhooks import network, signing
from loyalty.webhooks.models import DEAD, PENDING, Webhook, WebhookDelivery

ALL = "*"
# What an endpoint can subscribe to: every topic of the outbox, and those for the brand alone.
SUBSCRIBABLE = frozenset((*events.TOPICS, *events.BRAND_TOPICS))
MAX_EVENTS = 100


def _events(topics: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(topic.strip() for topic in topics))
    if not chosen:
        raise LoyaltyError("Name at least one event, or * for all.", field="events", code=ErrorCode.REQUIRED)
    if len(chosen) > MAX_EVENTS:
        raise LoyaltyError(f"At most {MAX_EVENTS} events.", field="events")
    unknown = [topic for topic in chosen if topic != ALL and topic not in SUBSCRIBABLE]
    if unknown:
        raise LoyaltyError(f"Unknown events: {', '.join(sorted(unknown))[:200]}.", field="events")
    return [ALL] if ALL in chosen else chosen


async def create_webhook(url: str, topics: list[str], actor: str, now: datetime, *, allow_private: bool) -> Webhook:
    """A new endpoint with a new signing secret (`secret`, shown to the caller once), made
    by `actor` (the API key)."""
    chosen = _events(topics)
    checked = await network.check_url(url, allow_private=allow_private)
    async with in_transaction():
        hook = await Webhook.create(url=checked, events=chosen, secret=signing.new_secret(), created_by=actor[:128],
                                    created_at=now)
        await record(Actor(actor), "webhook.create", None, None, None,
                     {"webhook_id": hook.id, "url": checked, "events": chosen}, at=now)
    return hook


async def delete_webhook(webhook_id: int, actor: str, now: datetime) -> Webhook:
    """The endpoint gets nothing more; its deliveries still waiting are dead. `actor`: who
    asked (the API key), as for every staff operation."""
    hook = await Webhook.get_or_none(id=webhook_id, deleted_at=None)
    if hook is None:
        raise NotFound("No webhook with that id.", field="webhook_id")
    async with in_transaction():
        hook.deleted_at = now
        await hook.save(update_fields=["deleted_at"])
        await WebhookDelivery.filter(webhook_id=webhook_id, status=PENDING).update(
            status=DEAD, last_error="the webhook was deleted"
        )
        await record(Actor(actor), "webhook.delete", None, None,
                     {"webhook_id": hook.id, "url": hook.url, "events": hook.events}, None, at=now)
    return hook


async def webhooks() -> list[Webhook]:
    return await Webhook.filter(deleted_at=None).order_by("id")


async def any_registered() -> bool:
    return await Webhook.filter(deleted_at=None).exists()


async def find_webhook(webhook_id: int) -> Webhook | None:
    return await Webhook.get_or_none(id=webhook_id, deleted_at=None)
