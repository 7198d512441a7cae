"""Driving passes and visits in domain tests at set times."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from loyalty import clock
from loyalty.ledger.models import Account, AccountKind
from loyalty.passes import buying, payments
from loyalty.passes.expiry import expire_passes
from loyalty.passes.models import Pass
from loyalty.program.spec import Program
from loyalty.visits import record

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # the moment most passes tests start from
PRICES = {"climbing-5": "60.00", "climbing-6-months": "240.00", "kitchen-credit-100": "100.00"}


async def buy(program: Program, member: int, product: str, at: datetime, key: str = "k1") -> Pass:
    with clock.frozen_at(at):
        return await buying.buy_pass(program, member, product, key, at)


async def pay(program: Program, pass_id: int, payment_id: str, at: datetime, amount: str | None = None,
              product: str = "climbing-5", currency: str = "EUR") -> Pass:
    with clock.frozen_at(at):
        return await payments.record_payment(
            program, payments.Payment(pass_id, payment_id, Decimal(amount or PRICES[product]), currency), at)


async def bought(program: Program, member: int, product: str, at: datetime, payment_id: str = "pay-1") -> Pass:
    row = await buy(program, member, product, at, key=f"buy-{payment_id}")
    return await pay(program, row.id, payment_id, at, product=product)


async def refund(program: Program, payment_id: str, refund_id: str, at: datetime) -> Pass:
    with clock.frozen_at(at):
        return await payments.refund_payment(program, payment_id, refund_id, at)


async def visit(program: Program, member: int, reference: str, at: datetime, *, location: str | None = None,
                pass_id: int | None = None) -> record.VisitResult:
    with clock.frozen_at(at):
        return await record.record_visit(program, record.VisitRequest(member, reference, location, pass_id))


async def run_job(at: datetime) -> int:
    with clock.frozen_at(at):
        return await expire_passes(at)


async def pass_state(pass_id: int) -> tuple:
    row = await Pass.get(id=pass_id)
    return row.status, row.visits_used, row.visits_total, row.visits_left_at_end


async def program_balance(asset: str, code: str) -> int:
    row = await Account.get_or_none(asset=asset, kind=AccountKind.PROGRAM.value, code=code)
    return row.posted if row else 0
