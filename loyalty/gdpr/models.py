from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Erasure(Model):
    """The record of a member erased: when, by whom and what their balances forfeited."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField(unique=True)
    idempotency_key = fields.CharField(max_length=255, unique=True)
    actor = fields.CharField(max_length=128, description="The API key name, or member for a deleted account")
    points_forfeited = fields.BigIntField(default=0)
    credit_forfeited_minor = fields.BigIntField(default=0)
    pass_credit_forfeited_minor = fields.BigIntField(default=0)  # what the member's credit passes held
    erased_at = fields.DatetimeField()

    class Meta:
        table = "member_erasures"
