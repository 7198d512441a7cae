"""Five members whose scores the tests state exactly, at NOW."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from loyalty import clock
from loyalty.program.spec import Program
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from tests.support.members import new_member

NOW = datetime(2026, 6, 15, 1, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Members:
    ann: int  # 13 purchases of EUR 120 in the last 30 days
    bob: int  # 5 purchases of EUR 100, 200 to 204 days ago
    cat: int  # one purchase 400 days ago
    dan: int  # never bought
    eve: int  # one purchase of EUR 100 ten days ago, EUR 40 of it refunded


async def _buy(program: Program, member: int, order: str, amount: str, days_ago: int) -> None:
    with clock.frozen_at(NOW - timedelta(days=days_ago)):
        await record_purchase(program, PurchaseRequest(member, order, Decimal(amount), "EUR"))


async def five_members(program: Program) -> Members:
    with clock.frozen_at(NOW - timedelta(days=500)):
        ids = [await new_member(f"{name}@example.com") for name in ("ann", "bob", "cat", "dan", "eve")]
    found = Members(*ids)
    for i in range(13):
        await _buy(program, found.ann, f"A-{i}", "120.00", 29 - 2 * i)
    for i in range(5):
        await _buy(program, found.bob, f"B-{i}", "100.00", 204 - i)
    await _buy(program, found.cat, "C-1", "80.00", 400)
    await _buy(program, found.eve, "E-1", "100.00", 10)
    with clock.frozen_at(NOW - timedelta(days=9)):
        await refund_purchase(program, RefundRequest("E-1", "ER-1", Decimal("40.00")))
    return found
