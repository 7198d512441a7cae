"""From one outbox event to the notifications it makes, by the member's settings."""
from __future__ import annotations

import uuid
from typing import Any

from loyalty import clock
from loyalty.members.models import Device, Member
from loyalty.notifications import texts
from loyalty.notifications.models import APNS, EMAIL, FCM, WEBPUSH, Notification

NAMESPACE = uuid.UUID("6f1c5d3e-4b0a-5c7e-9a51-2d8e6b4f0c11")
PUSH_CHANNEL = {"IOS": APNS, "ANDROID": FCM, "WEB": WEBPUSH}


def notification_id(event_id: uuid.UUID | str, channel: str, target: int | str) -> str:
    """Stable: the same event, channel and address or device always give the same id."""
    return str(uuid.uuid5(NAMESPACE, f"{event_id}/{channel}/{target}"))


def wanted(member: Member, topic: str) -> bool:
    if topic not in texts.TEXTS:
        return False
    if topic in texts.MARKETING:
        return member.marketing_consent and member.notify_marketing
    return True


async def plan(event_id: uuid.UUID | str, topic: str, member_id: int | None, payload: dict[str, Any],
               channels: set[str]) -> list[str]:
    """Creates the event's notifications (once: a repeat finds them made) and returns their ids."""
    if member_id is None:
        return []
    existing = await Notification.filter(event_id=event_id).values_list("id", flat=True)
    if existing:
        return [str(i) for i in existing]
    member = await Member.get_or_none(id=member_id)
    if member is None or member.erased_at is not None or not wanted(member, topic):
        return []
    targets: list[tuple[str, int | None]] = []
    if topic in texts.TRANSACTIONAL:
        # About the account itself: by email only, whatever the settings, before verification too.
        if EMAIL in channels:
            targets.append((EMAIL, None))
    elif member.notify_email and EMAIL in channels and member.email_verified_at is not None:
        # Nothing but account emails goes to an address its owner has not confirmed.
        targets.append((EMAIL, None))
    if member.notify_push and topic not in texts.TRANSACTIONAL:
        for device in await Device.filter(member_id=member_id).order_by("id"):
            channel = PUSH_CHANNEL.get(device.platform)
            if channel in channels:
                targets.append((channel, device.id))
    now = clock.now()
    rows = [
        Notification(
            id=notification_id(event_id, channel, device_id if device_id is not None else f"member-{member_id}"),
            event_id=event_id, topic=topic, member_id=member_id, channel=channel, device_id=device_id,
            payload=payload, next_attempt_at=now, created_at=now,
        )
        for channel, device_id in targets
    ]
    if rows:
        await Notification.bulk_create(rows, ignore_conflicts=True)
    return [row.id for row in rows]
