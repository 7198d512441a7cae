"""Driving memberships in domain tests: subscribe, pay, refund and run the job at set times."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from loyalty import clock
from loyalty.ledger.verify import verify_ledger
from loyalty.memberships import payments, subscriptions
from loyalty.memberships.models import Membership
from loyalty.memberships.renewals import renew_memberships
from loyalty.program.spec import Program
from loyalty.wallet import get_wallet

PRICES = {"plus-monthly": "5.00", "plus-yearly": "25.00", "lifetime": "30.00"}


async def subscribe(program: Program, member: int, plan: str, at: datetime, key: str = "k1") -> Membership:
    with clock.frozen_at(at):
        return await subscriptions.subscribe(program, member, plan, key, at)


async def pay(program: Program, membership_id: int, payment_id: str, at: datetime, amount: str | None = None,
              plan: str = "plus-monthly", currency: str = "EUR") -> Membership:
    with clock.frozen_at(at):
        return await payments.record_payment(
            program, payments.Payment(membership_id, payment_id, Decimal(amount or PRICES[plan]), currency), at
        )


async def refund(program: Program, payment_id: str, refund_id: str, at: datetime) -> Membership:
    with clock.frozen_at(at):
        return await payments.refund_payment(program, payment_id, refund_id, at)


async def cancel(program: Program, member: int, at_period_end: bool, at: datetime) -> Membership:
    with clock.frozen_at(at):
        return await subscriptions.cancel(program, member, at_period_end, at)


async def run_job(program: Program, at: datetime) -> int:
    with clock.frozen_at(at):
        return await renew_memberships(at, program)


async def credit_minor(member: int, at: datetime) -> int:
    return (await get_wallet(member, at)).credit_minor


async def ledger_violations() -> list:
    return await verify_ledger()
