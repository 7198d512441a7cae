from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Membership(Model):
    """A paid plan of a member. At most one is live (PENDING_PAYMENT, ACTIVE, PAST_DUE) per
    member: live_member_id is the member id while live and null after, under a unique index."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField(db_index=True)
    live_member_id = fields.BigIntField(null=True, unique=True)
    plan_code = fields.CharField(max_length=64)
    status = fields.CharField(max_length=16)
    started_at = fields.DatetimeField()
    period_start = fields.DatetimeField(null=True)
    current_period_end = fields.DatetimeField(null=True)  # null: lifetime, or never paid
    grace_ends_at = fields.DatetimeField(null=True)
    cancel_at_period_end = fields.BooleanField(default=False)
    next_plan_code = fields.CharField(max_length=64, null=True)  # a change of plan at the period's end
    ended_at = fields.DatetimeField(null=True)
    idempotency_key = fields.CharField(max_length=255, unique=True)
    request_hash = fields.CharField(max_length=64)
    reminded_for = fields.DatetimeField(null=True)  # the period end the renewal reminder was sent for

    class Meta:
        table = "memberships"


class MembershipTransition(Model):
    """Every step of a membership: who, when, why."""

    id = fields.BigIntField(primary_key=True)
    membership_id = fields.BigIntField(db_index=True)
    from_status = fields.CharField(max_length=16, null=True)
    to_status = fields.CharField(max_length=16)
    event = fields.CharField(max_length=32)
    actor = fields.CharField(max_length=128)
    reason = fields.CharField(max_length=255)
    occurred_at = fields.DatetimeField()

    class Meta:
        table = "membership_transitions"


class PlanPayment(Model):
    """A payment confirmed by the payment system, and its refund: once per provider id."""

    id = fields.BigIntField(primary_key=True)
    payment_id = fields.CharField(max_length=255, unique=True)
    membership_id = fields.BigIntField(db_index=True)
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    period_start = fields.DatetimeField()
    period_end = fields.DatetimeField(null=True)
    paid_at = fields.DatetimeField()
    plan_code = fields.CharField(max_length=64)
    credit_minor = fields.BigIntField(default=0)  # the period's plan credit, posted when the period starts
    credit_transfer_id = fields.BigIntField(null=True)
    refund_id = fields.CharField(max_length=255, null=True, unique=True)
    refunded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "plan_payments"


class PlanDividend(Model):
    """The yearly dividend of a plan: once per member and year."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    year = fields.IntField()
    membership_id = fields.BigIntField()
    spend_minor = fields.BigIntField()
    credit_minor = fields.BigIntField()
    paid_at = fields.DatetimeField()

    class Meta:
        table = "plan_dividends"
        unique_together = (("member_id", "year"),)


class StripeEvent(Model):
    """A Stripe webhook event applied: a replay of the same event id changes nothing."""

    id = fields.BigIntField(primary_key=True)
    event_id = fields.CharField(max_length=255, unique=True)
    type = fields.CharField(max_length=64)
    outcome = fields.CharField(max_length=64)
    received_at = fields.DatetimeField()

    class Meta:
        table = "stripe_events"
