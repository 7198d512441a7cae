from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class DonationSource(StrEnum):
    MEMBER = "MEMBER"  # the member gave points (donatePoints)
    AUTOMATIC = "AUTOMATIC"  # the member's share of an award, when it posted
    JOIN = "JOIN"  # the program gave on the member's joining
    PLAN = "PLAN"  # the program gave on the member's plan payment


class CharityChoice(Model):
    """The charity a member chose and the share of each award donated to it automatically."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField(unique=True)
    charity_code = fields.CharField(max_length=64, null=True)
    auto_donate_percent = fields.IntField(default=0)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "charity_choices"


class Donation(Model):
    """Points given to a charity, valued at the point value of the day. Append-only."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    charity_code = fields.CharField(max_length=64)
    points = fields.BigIntField()
    value_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    source = fields.CharField(max_length=10)
    transfer_id = fields.BigIntField()
    idempotency_key = fields.CharField(max_length=255, unique=True)
    request_hash = fields.CharField(max_length=64, null=True)
    donated_at = fields.DatetimeField()

    class Meta:
        table = "donations"
        indexes = (Index(fields=("member_id", "id")), Index(fields=("charity_code",)))
