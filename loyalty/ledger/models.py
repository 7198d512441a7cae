from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Asset(StrEnum):
    POINTS = "POINTS"
    CREDIT = "CREDIT"  # in minor units of the program currency
    PASS_CREDIT = "PASS"  # a credit pass's own credit, in minor units: never mixes with CREDIT


class AccountKind(StrEnum):
    MEMBER = "member"  # what a member holds, never below zero
    DEBT = "debt"  # what a member owes after a refund took back spent points, never above zero
    PROGRAM = "program"  # the program side: issuance, redemption, expiry, donations
    PASS = "pass"  # what a credit pass holds (code pass:<id>), never below zero


class TransferStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class Account(Model):
    """Balances in whole units of one asset, kept in step with the transfers that touch the
    account. Member accounts never go below zero and debt accounts never above it."""

    id = fields.BigIntField(primary_key=True)
    asset = fields.CharField(max_length=8)
    kind = fields.CharField(max_length=8)
    member_id = fields.BigIntField(null=True)
    code = fields.CharField(max_length=64, null=True)
    posted = fields.BigIntField(default=0)
    pending_in = fields.BigIntField(default=0)
    pending_out = fields.BigIntField(default=0)
    # Points earned and kept, net of refunds: the wallet's lifetime figure.
    lifetime_earned = fields.BigIntField(default=0)

    class Meta:
        table = "ledger_accounts"
        unique_together = (("asset", "kind", "member_id"), ("asset", "code"))
        indexes = (Index(fields=("member_id",)),)


class Transfer(Model):
    """A movement of value from the debit account to the credit account. Append-only: only
    a pending transfer changes, once, to posted or voided."""

    id = fields.BigIntField(primary_key=True)
    asset = fields.CharField(max_length=8)
    debit_account_id = fields.BigIntField()
    credit_account_id = fields.BigIntField()
    amount = fields.BigIntField()
    code = fields.CharField(max_length=24)
    status = fields.CharField(max_length=8)
    idempotency_key = fields.CharField(max_length=255, unique=True)
    reference = fields.CharField(max_length=200, null=True)
    reverses_id = fields.BigIntField(null=True)
    member_id = fields.BigIntField(null=True)
    purchase_id = fields.BigIntField(null=True)
    memo: dict[str, Any] = fields.JSONField(default=dict)
    occurred_at = fields.DatetimeField()
    available_at = fields.DatetimeField(null=True)
    # Expiry of the lot the transfer forms when it posts to a member's points.
    lot_expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    posted_at = fields.DatetimeField(null=True)
    voided_at = fields.DatetimeField(null=True)
    batch_id = fields.CharField(max_length=36, null=True)

    class Meta:
        table = "ledger_transfers"
        # Also partial indexes (migration 0022): pending transfers by member and due time,
        # and reverses_id, purchase_id and batch_id where set.
        indexes = (
            Index(fields=("member_id", "id")),
            Index(fields=("created_at",)),  # reports: what was booked after a moment
            Index(fields=("posted_at",)),  # reports: the flows of a period
        )


class Lot(Model):
    """Points credited to a member by one posted transfer, spent in expiry order."""

    id = fields.BigIntField(primary_key=True)
    account_id = fields.BigIntField()
    transfer_id = fields.BigIntField(unique=True)
    amount = fields.BigIntField()
    remaining = fields.BigIntField()
    earned_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)

    class Meta:
        table = "ledger_lots"
        # Open lots only, by account and expiry (a partial index, migration 0002): spent
        # and expired lots are found through their transfer.


class ExpirySchedule(Model):
    """Points left in the lots of an account, by the moment they expire: the lots summed
    ahead of time, so that a wallet reads its upcoming expiries without scanning every lot."""

    id = fields.BigIntField(primary_key=True)
    account_id = fields.BigIntField()
    expires_at = fields.DatetimeField()
    points = fields.BigIntField()

    class Meta:
        table = "ledger_expiry_schedule"
        unique_together = (("account_id", "expires_at"),)


class LotAllocation(Model):
    """How much a debit drew from a lot (positive), or a refund gave back to it (negative)."""

    id = fields.BigIntField(primary_key=True)
    lot_id = fields.BigIntField()
    transfer_id = fields.BigIntField()
    amount = fields.BigIntField()

    class Meta:
        table = "ledger_lot_allocations"
        indexes = (Index(fields=("transfer_id",)), Index(fields=("lot_id",)))


class ExpiryWarning(Model):
    """A warning sent for the points of an account that expire at one moment: once each."""

    id = fields.BigIntField(primary_key=True)
    account_id = fields.BigIntField()
    expires_at = fields.DatetimeField()
    points = fields.BigIntField()
    warned_at = fields.DatetimeField()
    batch_id = fields.CharField(max_length=36)

    class Meta:
        table = "ledger_expiry_warnings"
        unique_together = (("account_id", "expires_at"),)
