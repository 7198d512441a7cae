"""Payments for plans, confirmed by the brand's payment system (API scope payments:write or
the Stripe webhook), never taken from the member here.

- `record_payment`: the provider's payment id is the idempotency key (the same id with
  another amount or membership is IDEMPOTENCY_CONFLICT). The amount must be the price of
  the plan being paid for in the program's currency (AMOUNT_MISMATCH). A payment makes a
  pending membership ACTIVE from the payment's date, renews an ACTIVE one from the end of
  its paid period, and reactivates a PAST_DUE one from the payment's date. An EXPIRED or
  CANCELED membership takes no payment (NOT_AVAILABLE).
- `refund_payment`: once per refund id; ends the period the payment paid for (a running
  period ends now and the membership expires) and takes back that period's plan credit,
  what was already spent booked as owed.
- `payment_failed`: the payment system could not collect; an ACTIVE membership is past due.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from tortoise.exceptions import IntegrityError

from loyalty import changes, events, paid_products
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.idempotency import check_key
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.models import Asset
from loyalty.memberships import lifecycle, perks
from loyalty.memberships.models import Membership, PlanPayment
from loyalty.memberships.periods import period_end
from loyalty.memberships.states import Event, Status
from loyalty.money import to_minor
from loyalty.program.spec import Plan, PlanInterval, Program


@dataclass(frozen=True)
class Payment:
    membership_id: int
    payment_id: str
    amount: Decimal
    currency: str
    actor: str = "payments"


def billed_plan(program: Program, membership: Membership) -> Plan:
    """The plan the next payment pays for: a scheduled change of plan, else the plan itself."""
    plan = program.plan(membership.next_plan_code or membership.plan_code) or program.plan(membership.plan_code)
    if plan is None:
        raise LoyaltyError("The membership's plan is no longer offered.", code=ErrorCode.NOT_AVAILABLE)
    return plan


async def _replay(payment: Payment, amount_minor: int | None) -> PlanPayment | None:
    return await paid_products.replayed_payment(PlanPayment, payment.payment_id, "membership_id",
                                                payment.membership_id, amount_minor, payment.currency)


async def record_payment(program: Program, payment: Payment, now: datetime) -> Membership:
    payment = Payment(payment.membership_id, check_key(payment.payment_id, "payment_id"), payment.amount,
                      payment.currency, payment.actor)
    amount_minor = paid_products.amount_minor(program, payment.amount)
    if await _replay(payment, amount_minor) is not None:
        return await Membership.get(id=payment.membership_id)
    membership = await Membership.get_or_none(id=payment.membership_id)
    if membership is None:
        raise NotFound("No membership with that id.", field="membership_id")
    try:
        async with changes.member_change():
            await lock_member_account(membership.member_id, Asset.POINTS)
            membership = await lifecycle.lock(membership.id)
            assert membership is not None
            plan = billed_plan(program, membership)
            paid_products.check_amount(program, "plan", plan.price, payment.currency, amount_minor)
            return await _apply(program, membership, plan, payment, amount_minor or 0, now)
    except IntegrityError:  # the same payment id, recorded by a concurrent request first
        if await _replay(payment, amount_minor) is not None:
            return await Membership.get(id=payment.membership_id)
        raise


async def _apply(
    program: Program, membership: Membership, plan: Plan, payment: Payment, amount_minor: int, now: datetime,
) -> Membership:
    status = Status(membership.status)
    if status in (Status.CANCELED, Status.EXPIRED):
        raise LoyaltyError(f"The membership is {status.value.lower()}: subscribe again.", field="membership_id",
                           code=ErrorCode.NOT_AVAILABLE)
    current = program.plan(membership.plan_code)
    switching_to_lifetime = plan.interval is PlanInterval.LIFETIME and plan.code != membership.plan_code
    if status is Status.ACTIVE and current and current.interval is PlanInterval.LIFETIME:
        raise LoyaltyError("A lifetime membership is paid once.", field="membership_id", code=ErrorCode.NOT_AVAILABLE)
    # A renewal of a running period starts when that period ends; anything else starts now.
    running_end = membership.current_period_end if status is Status.ACTIVE and not switching_to_lifetime else None
    renews = running_end is not None
    start = max(running_end, now) if running_end is not None else now
    end = period_end(plan.interval, start, program.program.zone)
    row = await PlanPayment.create(
        payment_id=payment.payment_id, membership_id=membership.id, amount_minor=amount_minor,
        currency=payment.currency, period_start=start, period_end=end, paid_at=now, plan_code=plan.code,
        credit_minor=to_minor(plan.monthly_reward_credit, program.program.minor_units, allow_zero=True),
    )
    membership.plan_code, membership.next_plan_code = plan.code, None
    if not renews:
        membership.period_start = start
    membership.current_period_end, membership.grace_ends_at = end, None
    topic = events.MEMBERSHIP_STARTED if status is Status.PENDING_PAYMENT else events.MEMBERSHIP_RENEWED
    reason = f"payment {payment.payment_id}"
    await lifecycle.step(program, membership, Event.PAY, actor=payment.actor, reason=reason, now=now, topic=topic)
    if start <= now:
        await perks.post_period_credit(program, row, now)
    if plan.donation:
        await perks.donate(program, membership.member_id, payment.payment_id, now)
    return membership


async def payment_failed(program: Program, membership_id: int, now: datetime, actor: str, reason: str) -> Membership:
    """The payment system could not collect: an ACTIVE membership is past due from now (its
    grace counted from now); any other status is left as it is."""
    membership = await Membership.get_or_none(id=membership_id)
    if membership is None:
        raise NotFound("No membership with that id.", field="membership_id")
    async with changes.member_change():
        await lock_member_account(membership.member_id, Asset.POINTS)
        membership = await lifecycle.lock(membership_id)
        assert membership is not None
        if membership.status != Status.ACTIVE:
            return membership
        plan = program.plan(membership.plan_code)
        membership.grace_ends_at = now + timedelta(days=plan.grace_days if plan else 7)
        return await lifecycle.step(program, membership, Event.PAYMENT_FAILED, actor=actor, reason=reason, now=now,
                                    grace_ends_at=membership.grace_ends_at.isoformat())


async def refund_payment(program: Program, payment_id: str, refund_id: str, now: datetime,
                         actor: str = "payments") -> Membership:
    payment_id, refund_id = check_key(payment_id, "payment_id"), check_key(refund_id, "refund_id")
    row, replay = await paid_products.refunded_payment(PlanPayment, payment_id, refund_id, "plan")
    membership = await Membership.get(id=row.membership_id)
    if replay:
        return membership
    try:
        async with changes.member_change():
            await lock_member_account(membership.member_id, Asset.POINTS)
            locked = await lifecycle.lock(membership.id)
            assert locked is not None, "a paid membership is never deleted"
            membership = locked
            row = await PlanPayment.get(id=row.id)
            paid_products.refuse_refunded(row)
            assert membership is not None
            row.refund_id, row.refunded_at = refund_id, now
            await row.save(update_fields=["refund_id", "refunded_at"])
            await perks.take_back_period_credit(program, row, refund_id, now)
            return await _end_refunded_period(program, membership, row, actor, now)
    except IntegrityError:  # the same refund id, recorded by a concurrent request first
        if (again := await paid_products.refund_replayed(PlanPayment, payment_id, refund_id)) is not None:
            return await Membership.get(id=again.membership_id)
        raise


async def _end_refunded_period(
    program: Program, membership: Membership, row: PlanPayment, actor: str, now: datetime,
) -> Membership:
    reason = f"payment {row.payment_id} refunded"
    running = row.period_start <= now and (row.period_end is None or row.period_end > now)
    if row.period_start > now and membership.status == Status.ACTIVE:  # a renewal paid ahead: that period goes
        membership.current_period_end = row.period_start
        await membership.save(update_fields=["current_period_end"])
        await lifecycle.record(membership, Status.ACTIVE, "refund", actor, reason, now)
        return membership
    if running and membership.status == Status.ACTIVE:
        membership.current_period_end = now if row.period_end is not None else None
        return await lifecycle.step(program, membership, Event.REFUND, actor=actor, reason=reason, now=now)
    await lifecycle.record(membership, Status(membership.status), "refund", actor, reason, now)
    return membership
