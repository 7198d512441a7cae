"""Posting one webhook delivery: claim it, sign it, post it, record the outcome. Anything but a
2xx answer is tried again later (exponential backoff with jitter, as notifications are)
until the maximum number of attempts; then the delivery is dead (a dead letter) until
someone retries it."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

import httpx
from tortoise.transactions import in_transaction

from loyalty import clock, metrics
from loyalty.audit.record import Actor, record
from loyalty.errors import LoyaltyError
from loyalty.notifications.delivery import RetryPolicy
from loyalty.settings import Settings
from loyalty.webhooks import network, signing
from loyalty.webhooks.models import DEAD, DELIVERED, PENDING, Webhook, WebhookDelivery

log = logging.getLogger(__name__)

USER_AGENT = "loyalty-webhooks/1"
CONCURRENCY = 10  # deliveries posted at once by one worker


@dataclass
class Sender:
    http: httpx.AsyncClient
    allow_private: bool

    async def close(self) -> None:
        await self.http.aclose()


def sender_from(settings: Settings) -> Sender:
    return Sender(httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False),
                  settings.webhooks_allow_private_networks)


def policy_from(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.webhook_max_attempts, base_seconds=settings.webhook_backoff_seconds,
        cap_seconds=settings.webhook_backoff_max_seconds, lease_seconds=settings.webhook_timeout_seconds + 30,
    )


async def claim(delivery_id: int, policy: RetryPolicy) -> bool:
    """Takes the delivery for one lease, if it is due and nobody else holds it."""
    now = clock.now()
    taken = await WebhookDelivery.filter(id=delivery_id, status=PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + timedelta(seconds=policy.lease_seconds)
    )
    return taken == 1


async def _post(row: WebhookDelivery, hook: Webhook, sender: Sender) -> int:
    """The answer's status code (its body is not read)."""
    url = await network.check_url(hook.url, allow_private=sender.allow_private)
    content = row.body.encode()
    headers = {
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        signing.HEADER: signing.header(hook.secret, int(clock.now().timestamp()), content),
        "Loyalty-Event-Id": str(row.event_id), "Loyalty-Event-Type": row.topic,
        "Loyalty-Delivery-Attempt": str(row.attempts + 1),
    }
    async with sender.http.stream("POST", url, content=content, headers=headers) as response:
        return response.status_code


async def deliver(delivery_id: int, sender: Sender, policy: RetryPolicy) -> str | None:
    """One attempt, if the delivery is due and free. Returns its status after, or None when
    it was not taken."""
    if not await claim(delivery_id, policy):
        return None
    row = await WebhookDelivery.get(id=delivery_id)
    attempts = row.attempts + 1
    hook = await Webhook.get_or_none(id=row.webhook_id, deleted_at=None)
    status_code = None
    if hook is None:
        error: str | None = "the webhook was deleted"
        attempts = policy.max_attempts
    else:
        try:
            status_code = await _post(row, hook, sender)
            error = None if 200 <= status_code < 300 else f"the endpoint answered HTTP {status_code}"
        except LoyaltyError as exc:
            error = exc.message
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if error is None:
        await WebhookDelivery.filter(id=row.id).update(status=DELIVERED, attempts=attempts, last_status_code=status_code,
                                                       last_error=None, delivered_at=clock.now())
        metrics.webhook("outgoing", "delivered")
        return DELIVERED
    if attempts >= policy.max_attempts:
        log.warning("webhook delivery %s is dead after %d attempt(s): %s", row.id, attempts, error)
        await WebhookDelivery.filter(id=row.id).update(status=DEAD, attempts=attempts, last_status_code=status_code,
                                                       last_error=error[:2000])
        metrics.webhook("outgoing", "dead")
        return DEAD
    await WebhookDelivery.filter(id=row.id).update(
        attempts=attempts, last_status_code=status_code, last_error=error[:2000],
        next_attempt_at=clock.now() + timedelta(seconds=policy.backoff(attempts)),
    )
    metrics.webhook("outgoing", "failed")
    return PENDING


async def due(limit: int = 50) -> list[int]:
    """Pending deliveries whose time has come (first tries, retries, leases that ran out)."""
    rows = await (WebhookDelivery.filter(status=PENDING, next_attempt_at__lte=clock.now())
                  .order_by("next_attempt_at").limit(limit).only("id"))
    return [row.id for row in rows]


async def deliver_due(sender: Sender, policy: RetryPolicy, limit: int = 50) -> int:
    """Tries every due delivery once, CONCURRENCY at a time; returns how many it took."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(delivery_id: int) -> bool:
        async with gate:
            return await deliver(delivery_id, sender, policy) is not None

    return sum(await asyncio.gather(*(one(delivery_id) for delivery_id in await due(limit))))


async def revive(delivery_id: int, actor: str) -> WebhookDelivery | None:
    """Makes a dead delivery due again with a fresh set of attempts, at `actor`'s request (an
    API key, or the command); None when there is no dead delivery with that id or its
    endpoint was deleted."""
    row = await WebhookDelivery.get_or_none(id=delivery_id, status=DEAD)
    if row is None or await Webhook.get_or_none(id=row.webhook_id, deleted_at=None) is None:
        return None
    async with in_transaction():
        await WebhookDelivery.filter(id=delivery_id, status=DEAD).update(status=PENDING, attempts=0,
                                                                         next_attempt_at=clock.now())
        await record(Actor(actor), "webhook.retry_delivery", None, None, {"delivery_id": delivery_id, "status": DEAD},
                     {"delivery_id": delivery_id, "status": PENDING})
    return await WebhookDelivery.get(id=delivery_id)
