from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class TierState(Model):
    """The tier level a member earned, until when it holds, and an operator override.

    `level` lapses at `valid_until` unless the period ending then requalifies it (null at the
    entry level). `baseline_level` and `baseline_valid_until` are what the member held before
    the activity of the period that ends at `baseline_until`: a refund in that period that
    takes the qualifying amount back under a threshold returns the member to them. While
    `override_until` lies ahead, `override_level` is the level the member holds."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField(unique=True)
    level = fields.CharField(max_length=64)
    valid_until = fields.DatetimeField(null=True)
    baseline_level = fields.CharField(max_length=64)
    baseline_valid_until = fields.DatetimeField(null=True)
    baseline_until = fields.DatetimeField()
    override_level = fields.CharField(max_length=64, null=True)
    override_until = fields.DatetimeField(null=True)
    at_risk_warned_for = fields.DatetimeField(null=True)  # the valid_until the last warning was about
    updated_at = fields.DatetimeField()

    class Meta:
        table = "tier_states"
        indexes = (Index(fields=("valid_until",)), Index(fields=("override_until",)))


class TierTotal(Model):
    """What the activity of a member on one day (in the program time zone) adds to the qualifying
    amounts: spend less refunds in minor units, purchases not refunded in full, and points
    earned less what reversals took back. Kept in the transaction of the change, so that a
    period is summed from at most one row per day, never from the member history."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    day = fields.DateField()
    spend_minor = fields.BigIntField(default=0)
    purchases = fields.BigIntField(default=0)
    points = fields.BigIntField(default=0)

    class Meta:
        table = "tier_totals"
        unique_together = (("member_id", "day"),)
