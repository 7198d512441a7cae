from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Visit(Model):
    """A visit reported by the booking or check-in system, once per reference."""

    id = fields.BigIntField(primary_key=True)
    reference = fields.CharField(max_length=200, unique=True)
    member_id = fields.BigIntField()
    pass_id = fields.BigIntField(null=True, db_index=True)
    location = fields.CharField(max_length=100, null=True)
    occurred_at = fields.DatetimeField()
    recorded_at = fields.DatetimeField()
    request_hash = fields.CharField(max_length=64)
    issued_reward_id = fields.BigIntField(null=True)  # the coupon of a punch card this visit completed
    points_awarded = fields.IntField(default=0)  # the VISIT earning rule

    class Meta:
        table = "visits"
        indexes = (Index(fields=("member_id", "occurred_at")),)
