from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

PENDING = "pending"
SENT = "sent"
DEAD = "dead"  # every attempt failed, or the provider refused it for good
DROPPED = "dropped"  # the device is gone or its token is no longer registered

EMAIL = "email"
FCM = "fcm"
APNS = "apns"
WEBPUSH = "webpush"
CHANNELS = (EMAIL, FCM, APNS, WEBPUSH)


class Notification(Model):
    """One message about one event on one channel to one address or device. The id is derived from those three, so a repeat carries the id of the original."""

    id = fields.CharField(max_length=36, primary_key=True)
    event_id = fields.UUIDField()
    topic = fields.CharField(max_length=64)
    member_id = fields.BigIntField()
    channel = fields.CharField(max_length=10)
    device_id = fields.BigIntField(null=True)
    payload: dict[str, Any] = fields.JSONField(default=dict)
    status = fields.CharField(max_length=10, default=PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notifications"
        indexes = (
            Index(fields=("status", "next_attempt_at")), Index(fields=("event_id",)),
            Index(fields=("member_id", "created_at")),
        )
