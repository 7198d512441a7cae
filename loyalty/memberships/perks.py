"""A plan's perks, only while its membership is ACTIVE and inside a paid period:

- the points multiplier (a step of the earning pipeline, see `earning.pipeline`),
- cashback percent on purchases, added to the tier's,
- the period's store credit (`monthly_reward_credit`): posted once when a paid period
  starts (the transfer key names the payment, so it posts at most once), taken back when
  that payment is refunded (what was spent is owed),
- checkout benefits for the shop (`benefits`), a minimum tier (`grants_tier`), and the
  program's donation to the member's charity on each payment.
"""
from __future__ import annotations

from datetime import datetime

from loyalty import events, outbox
from loyalty.charity import donations
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import PLAN_PERKS, TransferCode
from loyalty.ledger.models import Asset, Transfer
from loyalty.memberships.models import Membership, PlanPayment
from loyalty.program.spec import Program
from loyalty.purchases.refunds import take_back


async def post_period_credit(program: Program, payment: PlanPayment, now: datetime) -> Transfer | None:
    """The period's plan credit, once (inside the transaction that holds the member's lock)."""
    if payment.credit_minor <= 0 or payment.credit_transfer_id is not None or payment.refund_id is not None:
        return None
    membership = await Membership.get(id=payment.membership_id)
    plan = program.plan(payment.plan_code)
    account = await lock_member_account(membership.member_id, Asset.CREDIT)
    memo = {"plan": payment.plan_code, "plan_name": plan.name if plan else payment.plan_code,
            "period_start": payment.period_start.isoformat()}
    transfer = await book.credit_member(
        account, payment.credit_minor,
        book.Entry(TransferCode.PLAN_PERK, f"plan-perk:{membership.id}:{payment.payment_id}", membership.member_id,
                   now, payment.payment_id, memo=memo),
        PLAN_PERKS,
    )
    payment.credit_transfer_id = transfer.id
    await payment.save(update_fields=["credit_transfer_id"])
    await outbox.emit(events.PLAN_CREDIT_POSTED, membership.member_id, {
        "membership_id": membership.id, "plan": payment.plan_code, "plan_name": memo["plan_name"],
        "credit_minor": payment.credit_minor, "currency": program.program.currency,
    })
    return transfer


async def take_back_period_credit(program: Program, payment: PlanPayment, refund_id: str, now: datetime) -> int:
    """Takes back the refunded payment's plan credit; returns what the member owes of it."""
    if payment.credit_transfer_id is None:
        return 0
    earn = await Transfer.get(id=payment.credit_transfer_id)
    account = await lock_member_account(earn.member_id, Asset.CREDIT)
    memo = {"plan": payment.plan_code, "refund": refund_id}
    return await take_back(
        account, earn, earn.amount, PLAN_PERKS,
        book.Entry(TransferCode.PLAN_PERK_CLAWBACK, f"plan-refund:{refund_id}:credit", earn.member_id, now,
                   refund_id, reverses_id=earn.id, memo=memo),
        book.Entry(TransferCode.SHORTFALL, f"plan-refund:{refund_id}:credit_shortfall", earn.member_id, now,
                   refund_id, reverses_id=earn.id, memo={**memo, "asset": Asset.CREDIT.value}),
    )


async def donate(program: Program, member_id: int, payment_id: str, now: datetime) -> None:
    await donations.donate_for_plan(program, member_id, payment_id, now)
