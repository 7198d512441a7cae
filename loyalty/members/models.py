from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Member(Model):
    """A member of the program. Deleting one is not supported: balances hang off it."""

    id = fields.BigIntField(primary_key=True)
    member_number = fields.CharField(max_length=16, unique=True)
    email = fields.CharField(max_length=254)
    email_normalized = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=100)
    birthday = fields.DateField(null=True)
    locale = fields.CharField(max_length=35, default="en")
    marketing_consent = fields.BooleanField(default=False)
    notify_email = fields.BooleanField(default=True)
    notify_push = fields.BooleanField(default=True)
    notify_marketing = fields.BooleanField(default=False)
    joined_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "members"

    def __str__(self) -> str:
        return f"Member {self.member_number}"


class Device(Model):
    """A push target: an FCM or APNs token, or a Web Push subscription (JSON)."""

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "loyalty.Member", related_name="devices", on_delete=fields.CASCADE
    )
    platform = fields.CharField(max_length=10)
    token = fields.TextField()
    token_hash = fields.CharField(max_length=64)
    registered_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()

    class Meta:
        table = "devices"
        unique_together = (("platform", "token_hash"),)
