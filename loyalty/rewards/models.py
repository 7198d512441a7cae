from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class IssuedStatus(StrEnum):
    ACTIVE = "ACTIVE"
    USED = "USED"
    EXPIRED = "EXPIRED"
    CANCELED = "CANCELED"


class IssuedSource(StrEnum):
    REDEEMED = "REDEEMED"  # bought with points
    GIFT = "GIFT"  # given by the program (a welcome coupon), no points


class RewardStock(Model):
    """How many of a reward with limited stock were issued: the program file gives the
    stock, and the remainder is the stock less this count (never below zero)."""

    id = fields.BigIntField(primary_key=True)
    reward_code = fields.CharField(max_length=64, unique=True)
    issued = fields.BigIntField(default=0)

    class Meta:
        table = "reward_stock"


class IssuedReward(Model):
    """A coupon issued to a member. Its code is unique and unguessable. Only the status
    changes: ACTIVE to USED, EXPIRED or CANCELED, once."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    reward_code = fields.CharField(max_length=64)
    reward_name = fields.CharField(max_length=200)
    reward_kind = fields.CharField(max_length=16)
    code = fields.CharField(max_length=24, unique=True)
    status = fields.CharField(max_length=10)
    source = fields.CharField(max_length=10)
    points = fields.BigIntField(default=0)
    idempotency_key = fields.CharField(max_length=255, unique=True, null=True)
    request_hash = fields.CharField(max_length=64, null=True)
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    used_at = fields.DatetimeField(null=True)
    order_id = fields.CharField(max_length=200, null=True)
    canceled_at = fields.DatetimeField(null=True)
    spend_transfer_id = fields.BigIntField(null=True)
    credit_transfer_id = fields.BigIntField(null=True)

    class Meta:
        table = "issued_rewards"
        indexes = (
            Index(fields=("member_id", "reward_code", "issued_at")),
            Index(fields=("member_id", "id")),
            Index(fields=("status", "expires_at")),
        )
