from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class ReferralStatus(StrEnum):
    PENDING = "PENDING"  # the friend signed up and has not made a qualifying purchase yet
    COMPLETED = "COMPLETED"  # the friend qualified: the referrer was rewarded (0 points past the cap)


class ReferralCode(Model):
    """A member code to share, stored upper-case, with the device the member signed up on."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField(unique=True)
    code = fields.CharField(max_length=16, unique=True)
    device_hash = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "referral_codes"


class Referral(Model):
    """A friend who signed up with a member code. One per friend."""

    id = fields.BigIntField(primary_key=True)
    referrer_id = fields.BigIntField()
    friend_id = fields.BigIntField(unique=True)
    status = fields.CharField(max_length=10)
    created_at = fields.DatetimeField()
    completed_at = fields.DatetimeField(null=True)
    purchase_id = fields.BigIntField(null=True)
    points = fields.BigIntField(default=0)
    transfer_id = fields.BigIntField(null=True)

    class Meta:
        table = "referrals"
        indexes = (Index(fields=("referrer_id", "status")), Index(fields=("status", "created_at")))
