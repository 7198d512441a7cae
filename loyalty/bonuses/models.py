from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class BonusDay(Model):
    """The date a member chose for the bonus-day multiplier: one per qualification period."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    period_start = fields.DatetimeField()
    day = fields.DateField()
    chosen_at = fields.DatetimeField()

    class Meta:
        table = "bonus_days"
        unique_together = (("member_id", "period_start"),)


class RewardGrant(Model):
    """A birthday or yearly reward given to a member: at most one per kind and year."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    kind = fields.CharField(max_length=16)
    year = fields.IntField()
    tier = fields.CharField(max_length=64)
    points = fields.BigIntField(default=0)
    credit_minor = fields.BigIntField(default=0)
    granted_at = fields.DatetimeField()

    class Meta:
        table = "reward_grants"
        unique_together = (("member_id", "kind", "year"),)
