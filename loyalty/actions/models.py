from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class ActionRecord(Model):
    """An action reported for a member. (action, reference) is its idempotency key."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    action = fields.CharField(max_length=32)
    reference = fields.CharField(max_length=200)
    points_awarded = fields.BigIntField(default=0)
    limit_reached = fields.BooleanField(default=False)
    occurred_at = fields.DatetimeField()

    class Meta:
        table = "action_records"
        unique_together = (("action", "reference"),)
        indexes = (Index(fields=("member_id", "action", "occurred_at")),)
