from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from loyalty.members.models import Member


class SessionFamily(Model):
    """One sign-in on one device: every refresh token rotated from it belongs to it."""

    id = fields.UUIDField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "loyalty.Member", related_name="sessions", on_delete=fields.CASCADE
    )
    member_id: int
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=20, null=True)

    class Meta:
        table = "auth_sessions"


class RefreshToken(Model):
    """An opaque refresh token, stored as its SHA-256, used once and then rotated."""

    id = fields.BigIntField(primary_key=True)
    family: fields.ForeignKeyRelation[SessionFamily] = fields.ForeignKeyField(
        "loyalty.SessionFamily", related_name="tokens", on_delete=fields.CASCADE
    )
    family_id: UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    parent_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    rotated_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "auth_refresh_tokens"


class ApiKey(Model):
    """A key for the shop backend or staff tools, stored as its SHA-256."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=100)
    prefix = fields.CharField(max_length=16)
    key_hash = fields.CharField(max_length=64, unique=True)
    scopes = fields.CharField(max_length=255)
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True, description="When a request last used it, to the minute or so")

    class Meta:
        table = "api_keys"


class AccountToken(Model):
    """A single-use token sent by email: to verify an address (on joining or when changing
    it) or to reset a password. Only its SHA-256 is stored."""

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "loyalty.Member", related_name="account_tokens", on_delete=fields.CASCADE
    )
    member_id: int
    purpose = fields.CharField(max_length=20)  # verify_email, change_email, reset_password
    token_hash = fields.CharField(max_length=64, unique=True)
    email = fields.CharField(max_length=254)  # the address it was sent to
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account_tokens"
