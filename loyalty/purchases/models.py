from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Purchase(Model):
    """An order reported by the shop. The order id is its idempotency key."""

    id = fields.BigIntField(primary_key=True)
    order_id = fields.CharField(max_length=200, unique=True)
    member_id = fields.BigIntField()
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    brand = fields.CharField(max_length=64, null=True)
    items: list[dict[str, Any]] = fields.JSONField(default=list)
    occurred_at = fields.DatetimeField()
    request_hash = fields.CharField(max_length=64)
    refunded_minor = fields.BigIntField(default=0)
    points_awarded = fields.BigIntField(default=0)
    points_spent = fields.BigIntField(default=0)
    points_clawed_back = fields.BigIntField(default=0)
    points_restored = fields.BigIntField(default=0)
    cashback_minor = fields.BigIntField(default=0)
    earn_transfer_id = fields.BigIntField(null=True)
    spend_transfer_id = fields.BigIntField(null=True)
    credit_spent_minor = fields.BigIntField(default=0)
    cashback_clawed_back_minor = fields.BigIntField(default=0)
    credit_restored_minor = fields.BigIntField(default=0)
    cashback_transfer_id = fields.BigIntField(null=True)
    credit_spend_transfer_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "purchases"
        indexes = (Index(fields=("member_id", "occurred_at")),)


class Refund(Model):
    """A refund of (part of) a purchase. The refund id is its idempotency key."""

    id = fields.BigIntField(primary_key=True)
    refund_id = fields.CharField(max_length=200, unique=True)
    purchase_id = fields.BigIntField()
    amount_minor = fields.BigIntField()
    items: list[dict[str, Any]] = fields.JSONField(default=list)
    request_hash = fields.CharField(max_length=64)
    points_clawed_back = fields.BigIntField(default=0)
    points_restored = fields.BigIntField(default=0)
    cashback_clawed_back_minor = fields.BigIntField(default=0)
    credit_restored_minor = fields.BigIntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "refunds"
        indexes = (Index(fields=("purchase_id",)),)
