"""A generated year of a program: members buy at both brands, pay with points, are refunded
(some after their points posted and were spent), donate, redeem rewards, and let points
expire; the daily jobs run between. The same seed makes the same history."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from loyalty import clock
from loyalty.charity.choices import choose_charity
from loyalty.charity.donations import donate_points
from loyalty.errors import LoyaltyError
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.expiry import expire_points
from loyalty.program.spec import Program
from loyalty.purchases.models import Purchase
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.rewards.redeem import redeem_reward
from loyalty.wallet import get_wallet
from tests.support.members import new_member

YEAR = datetime(2026, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Holdings:
    """The sum of the member accounts at one moment, read from the wallets."""

    points: int
    pending: int
    owed: int
    credit_minor: int


@dataclass
class History:
    members: list[int]
    snapshots: dict[datetime, Holdings] = field(default_factory=dict)


async def holdings(members: list[int], at: datetime) -> Holdings:
    wallets = [await get_wallet(m, at) for m in members]
    return Holdings(
        sum(w.points for w in wallets), sum(w.pending_points for w in wallets), sum(w.points_owed for w in wallets),
        sum(w.credit_minor + w.credit_pending_minor for w in wallets),
    )


async def _step(program: Program, rng: random.Random, history: History, day: int, orders: list[str]) -> None:
    member = rng.choice(history.members)
    roll = rng.random()
    try:
        if roll < 0.45:
            wallet = await get_wallet(member, clock.now())
            spend = rng.choice([0, 0, min(wallet.points, rng.randint(1, 80))])
            order = f"O-{day}-{len(orders)}"
            await record_purchase(program, PurchaseRequest(
                member, order, Decimal(rng.randint(500, 20000)).scaleb(-2), "EUR",
                brand=rng.choice(["northwind", "harbor", None]), points_to_spend=spend or None,
            ))
            orders.append(order)
        elif roll < 0.65 and orders:
            purchase = await Purchase.get(order_id=rng.choice(orders))
            left = purchase.amount_minor - purchase.refunded_minor
            if left > 0:
                amount = Decimal(rng.randint(1, left)).scaleb(-2)
                await refund_purchase(program, RefundRequest(purchase.order_id, f"R-{day}-{rng.random()}", amount))
        elif roll < 0.8:
            await donate_points(program, member, rng.choice(["wildlife", "safe-home"]), rng.randint(1, 40),
                                f"give-{day}-{rng.random()}")
        elif roll < 0.9:
            await redeem_reward(program, member, "free-shipping", f"redeem-{day}-{rng.random()}")
        else:
            await choose_charity(program, member, "civil-rights", rng.choice([0, 10, 25]))
    except LoyaltyError:
        pass  # not enough points, nothing left to refund: refused and nothing changed


async def generate(program: Program, *, seed: int = 18, members: int = 12, days: int = 365,
                   snapshot_days: tuple[int, ...] = ()) -> History:
    rng = random.Random(seed)
    with clock.frozen_at(YEAR):
        history = History([await new_member(f"m{i}@example.com") for i in range(members)])
    orders: list[str] = []
    for day in range(0, days, 3):
        if day in snapshot_days:
            at = YEAR + timedelta(days=day)
            history.snapshots[at] = await holdings(history.members, at)
        for hour in (9, 13, 17):
            with clock.frozen_at(YEAR + timedelta(days=day, hours=hour)):
                await _step(program, rng, history, day, orders)
        with clock.frozen_at(YEAR + timedelta(days=day, hours=23)):
            await activate_pending(clock.now())
            await expire_points(clock.now(), program)
    return history
