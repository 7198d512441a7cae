from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class PassStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    ACTIVE = "ACTIVE"
    USED_UP = "USED_UP"
    EXPIRED = "EXPIRED"
    CANCELED = "CANCELED"


class Pass(Model):
    """A pass of a member. A punch card is open (ACTIVE) until its last stamp: open_card_key
    is member and product while open and null after, under a unique index, so a member holds
    one open card per product."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField(db_index=True)
    product_code = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16)
    visits_used = fields.IntField(default=0)
    visits_total = fields.IntField(null=True)
    valid_from = fields.DatetimeField()
    valid_until = fields.DatetimeField(null=True)
    visits_left_at_end = fields.IntField(null=True)  # what was left when it expired or was canceled
    credit_account_id = fields.BigIntField(null=True)  # CREDIT_PASS: its ledger account
    open_card_key = fields.CharField(max_length=100, null=True, unique=True)
    idempotency_key = fields.CharField(max_length=255, null=True, unique=True)
    request_hash = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    reminded_expiry = fields.BooleanField(default=False)
    reminded_low = fields.BooleanField(default=False)

    class Meta:
        table = "passes"


class PassPayment(Model):
    """A pass payment confirmed by the payment system, and its refund: once per provider id."""

    id = fields.BigIntField(primary_key=True)
    payment_id = fields.CharField(max_length=255, unique=True)
    pass_id = fields.BigIntField(unique=True)
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    paid_at = fields.DatetimeField()
    refund_id = fields.CharField(max_length=255, null=True, unique=True)
    refunded_at = fields.DatetimeField(null=True)
    visits_used_at_refund = fields.IntField(null=True)

    class Meta:
        table = "pass_payments"


class PassCreditSpend(Model):
    """Pass credit spent on an order, and what refunds of the order gave back to the pass."""

    id = fields.BigIntField(primary_key=True)
    purchase_id = fields.BigIntField(unique=True)
    pass_id = fields.BigIntField(db_index=True)
    amount_minor = fields.BigIntField()
    restored_minor = fields.BigIntField(default=0)
    transfer_id = fields.BigIntField()

    class Meta:
        table = "pass_credit_spends"


class PassHistory(Model):
    """A visit or a pass change that moves no value, for the history of a member (Member.activity)
    beside the ledger transfers: `kind` VISIT or PASS, `code` the key of its description, `memo`
    its values. `after_transfer_id` is the newest transfer of the member when it was written:
    the history places it right after that transfer, so the two lists merge in one fixed order."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    pass_id = fields.BigIntField()
    kind = fields.CharField(max_length=8)
    code = fields.CharField(max_length=24)
    memo: dict[str, Any] = fields.JSONField(default=dict)
    reference = fields.CharField(max_length=200, null=True)
    occurred_at = fields.DatetimeField()
    after_transfer_id = fields.BigIntField(default=0)

    class Meta:
        table = "pass_history"
        indexes = (Index(fields=("member_id", "after_transfer_id", "id")),)
