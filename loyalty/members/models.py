from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.models import Model


class Member(Model):
    """A member of the program. Deleting one is not supported: balances hang off it."""

    id = fields.BigIntField(primary_key=True)
    member_number = fields.CharField(max_length=16, unique=True)
    email = fields.CharField(max_length=254)
    email_normalized = fields.CharField(max_length=254, unique=True)
    # The mailbox (`validation.canonical_email`): one account per mailbox. Rows that shared a
    # mailbox before this column existed keep theirs apart with a "#<id>" suffix.
    email_canonical = fields.CharField(max_length=254, null=True)
    email_verified_at = fields.DatetimeField(null=True)
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
    # Set when the member was erased (loyalty.gdpr): the row stays, anonymised, for the ledger.
    erased_at = fields.DatetimeField(null=True)

    class Meta:
        table = "members"
        constraints = (UniqueConstraint(fields=("email_canonical",), name="members_email_canonical_key"),)

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
    # The sign-in session it was registered under: logging that session out removes it.
    session_id = fields.UUIDField(null=True)
    registered_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()

    class Meta:
        table = "devices"
        unique_together = (("platform", "token_hash"),)


class SignupRequest(Model):
    """A sign-up made with an idempotency key: a retry with the same key and form answers
    with the same member, and another form under the key is a conflict. The password is not
    part of the fingerprint (a fast hash of it would be a weak spot): a retry must match the
    password hash of the member instead."""

    key = fields.CharField(max_length=200, primary_key=True)
    request_hash = fields.CharField(max_length=64)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "loyalty.Member", related_name="signup_requests", on_delete=fields.CASCADE
    )
    member_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "signup_requests"
