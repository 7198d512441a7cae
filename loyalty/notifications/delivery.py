"""Sending one notification: claim it, render it for the member, hand it to its channel, and
record the outcome. A failure is tried again later (exponential backoff with jitter) until
the maximum number of attempts, then the notification is dead (a dead letter)."""
from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from tortoise.expressions import Q

from loyalty import clock, metrics, tracing
from loyalty.members.models import Device, Member
from loyalty.notifications import render, texts
from loyalty.notifications.channels import DeliveryError, Unregistered
from loyalty.notifications.channels.configured import Channels
from loyalty.notifications.models import APNS, DEAD, DROPPED, EMAIL, FCM, PENDING, SENT, WEBPUSH, Notification

if TYPE_CHECKING:
    from loyalty.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 30.0
    cap_seconds: float = 6 * 3600.0
    lease_seconds: float = 60.0
    jitter: Callable[[], float] = random.random

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt `attempts + 1`: base · 2^(attempts-1), capped, of which
        the second half is random ("equal jitter"), so failures spread out."""
        delay = min(self.cap_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        return float(delay / 2 + self.jitter() * delay / 2)


async def claim(notification_id: str, policy: RetryPolicy) -> bool:
    """Takes the notification for one lease, if it is due and nobody else holds it. A worker
    that dies holding it only delays it: the lease runs out and it is due again."""
    now = clock.now()
    taken = await Notification.filter(id=notification_id, status=PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + timedelta(seconds=policy.lease_seconds)
    )
    return taken == 1


async def _send(row: Notification, channels: Channels) -> None:
    member = await Member.get_or_none(id=row.member_id)
    if member is None:
        raise Unregistered("the member is gone")
    if member.erased_at is not None:
        raise Unregistered("the member was erased")
    if row.channel == EMAIL:
        if channels.email is None:
            raise DeliveryError("email is not configured")
        content = render.email(row.topic, row.payload, member.locale, member.display_name, channels.public_url)
        # An account email goes to the address it is about (a new one being verified).
        to = row.payload.get("to") if row.topic in texts.TRANSACTIONAL else None
        await channels.email.send(to or member.email, content, row.id)
        return
    device = await Device.get_or_none(id=row.device_id, member_id=row.member_id)
    if device is None:
        raise Unregistered("the device is no longer registered")
    push = render.push(row.topic, row.payload, member.locale, member.display_name, channels.public_url, row.id)
    if row.channel == FCM and channels.fcm is not None:
        await channels.fcm.send(device.token, push)
    elif row.channel == APNS and channels.apns is not None:
        await channels.apns.send(device.token, push, row.id)
    elif row.channel == WEBPUSH and channels.webpush is not None:
        await channels.webpush.send(device.token, push, row.id)
    else:
        raise DeliveryError(f"{row.channel} is not configured")


async def deliver(notification_id: str, channels: Channels, policy: RetryPolicy) -> str | None:
    """One attempt, if the notification is due and free. Returns its status after, or None
    when it was not taken. Counted in `loyalty_notifications{channel, result}`: sent,
    failed (to be retried), dead or dropped."""
    if not await claim(notification_id, policy):
        return None
    row = await Notification.get(id=notification_id)
    with tracing.span(f"notify {row.channel}", attributes={"notification.topic": row.topic,
                                                           "notification.id": str(row.id)}):
        status = await _attempt(row, channels, policy)
    metrics.notification(row.channel, "failed" if status == PENDING else status)
    return status


async def _attempt(row: Notification, channels: Channels, policy: RetryPolicy) -> str:
    attempts = row.attempts + 1
    now = clock.now()
    try:
        await _send(row, channels)
    except Unregistered as exc:
        if row.device_id is not None:
            await Device.filter(id=row.device_id).delete()
            log.info("removed device %s: %s", row.device_id, exc)
        await _finish(row.id, DROPPED, attempts, str(exc))
        return DROPPED
    except (DeliveryError, render.RenderError) as exc:
        permanent = isinstance(exc, render.RenderError) or exc.permanent
        if permanent or attempts >= policy.max_attempts:
            log.warning("notification %s is dead after %d attempt(s): %s", row.id, attempts, exc)
            await _finish(row.id, DEAD, attempts, str(exc))
            return DEAD
        await Notification.filter(id=row.id).update(
            attempts=attempts, last_error=str(exc)[:2000],
            next_attempt_at=now + timedelta(seconds=policy.backoff(attempts)),
        )
        return PENDING
    await Notification.filter(id=row.id).update(status=SENT, attempts=attempts, sent_at=clock.now())
    return SENT


async def _finish(notification_id: str, status: str, attempts: int, error: str) -> None:
    await Notification.filter(id=notification_id).update(status=status, attempts=attempts, last_error=error[:2000])


async def due(limit: int = 50) -> list[str]:
    """Pending notifications whose time has come (retries, and leases that ran out)."""
    ids = await (Notification.filter(status=PENDING, next_attempt_at__lte=clock.now())
                 .order_by("next_attempt_at").limit(limit).values_list("id", flat=True))
    return [str(i) for i in ids]


async def deliver_due(channels: Channels, policy: RetryPolicy, limit: int = 50) -> int:
    """Tries every due notification once; returns how many it took."""
    taken = 0
    for notification_id in await due(limit):
        taken += await deliver(notification_id, channels, policy) is not None
    return taken


async def failed(limit: int = 100) -> list[Notification]:
    return await Notification.filter(status=DEAD).order_by("-created_at").limit(limit)


async def revive(notification_id: str) -> Notification | None:
    """Makes a dead notification due again with a fresh set of attempts."""
    revived = await Notification.filter(Q(id=notification_id) & Q(status=DEAD)).update(
        status=PENDING, attempts=0, next_attempt_at=clock.now()
    )
    return await Notification.get(id=notification_id) if revived else None


def policy_from(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.notify_max_attempts, base_seconds=settings.notify_backoff_seconds,
        cap_seconds=settings.notify_backoff_max_seconds, lease_seconds=settings.notify_lease_seconds,
    )
