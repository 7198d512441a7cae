from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Adjustment(Model):
    """A staff adjustment of a member balance: the signed amount, the reason the member sees, who made it. Append-only."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    asset = fields.CharField(max_length=8)
    # Signed: positive gives, negative takes (points, or credit in minor units).
    amount = fields.BigIntField()
    reason = fields.CharField(max_length=500)
    actor = fields.CharField(max_length=128)
    idempotency_key = fields.CharField(max_length=255, unique=True)
    request_hash = fields.CharField(max_length=64)
    transfer_id = fields.BigIntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "adjustments"
        indexes = (Index(fields=("member_id", "id")),)


class MemberBlock(Model):
    """A member blocked for review: earning goes on, spending does not. Removed when unblocked (the audit log keeps the history)."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField(unique=True)
    reason = fields.CharField(max_length=500)
    actor = fields.CharField(max_length=128)
    blocked_at = fields.DatetimeField()

    class Meta:
        table = "member_blocks"
