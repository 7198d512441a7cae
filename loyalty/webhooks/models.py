from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"  # every attempt failed
STATUSES = (PENDING, DELIVERED, DEAD)


class Webhook(Model):
    """An endpoint of the brand that receives the events it subscribed to."""

    id = fields.BigIntField(primary_key=True)
    url = fields.CharField(max_length=2000)
    events: list[str] = fields.JSONField(default=list, description="Topics, or * for every topic")
    secret = fields.CharField(max_length=100, description="The signing secret, shown once at creation")
    created_by = fields.CharField(max_length=128)
    created_at = fields.DatetimeField()
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhooks"


class WebhookDelivery(Model):
    """One event for one endpoint. The key is derived from the two, so a repeat of the event makes no second delivery."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=36, unique=True)
    webhook_id = fields.BigIntField()
    event_id = fields.UUIDField()
    topic = fields.CharField(max_length=64)
    member_id = fields.BigIntField(null=True)
    body = fields.TextField(description="The JSON body posted, the same at every attempt")
    status = fields.CharField(max_length=10, default=PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_status_code = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_deliveries"
        indexes = (Index(fields=("status", "next_attempt_at")), Index(fields=("webhook_id", "created_at")),
                   Index(fields=("member_id",)))
