"""Store credit, bonus days and reward jobs under concurrent requests (PostgreSQL: real
concurrent connections, each transaction on its own)."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from loyalty import clock
from loyalty.bonuses.days import choose_bonus_day
from loyalty.bonuses.models import BonusDay, RewardGrant
from loyalty.bonuses.rewards import birthday_rewards, yearly_rewards
from loyalty.errors import LoyaltyError
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.models import Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.wallet import get_wallet
from tests.conftest import requires_postgres
from tests.support.members import new_member
from tests.support.program import demo_without_new_member_bonus, use_program
from tests.support.tiers import hold_tier

pytestmark = requires_postgres

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
ACTIVE = T0 + timedelta(days=14)


@pytest.fixture
async def program(runtime):
    return await use_program(runtime, demo_without_new_member_bonus())


async def attempt(make) -> str:
    try:
        with clock.frozen_at(ACTIVE):
            await make()
    except LoyaltyError as exc:
        return exc.code.value
    return "OK"


async def test_30_concurrent_payments_of_1_euro_credit_on_10_euros_succeed_exactly_10_times(program, monkeypatch):
    with clock.frozen_at(T0 - timedelta(days=100)):
        ann = await new_member()
    hold_tier(monkeypatch, ann, "gold")
    with clock.frozen_at(T0):
        await record_purchase(program, PurchaseRequest(ann, "O-0", Decimal("200.00"), "EUR"))  # 10.00 back
    await activate_pending(ACTIVE)
    results = await asyncio.gather(*(
        attempt(lambda n=n: record_purchase(program, PurchaseRequest(
            ann, f"O-{n + 1}", Decimal("1.00"), "EUR", credit_to_spend=Decimal("1.00"))))
        for n in range(30)
    ))
    assert sorted(results) == ["INSUFFICIENT_CREDIT"] * 20 + ["OK"] * 10
    assert (await get_wallet(ann, ACTIVE)).credit_minor == 0
    assert await verify_ledger() == []


async def test_concurrent_refunds_take_back_cashback_once_in_total(program, monkeypatch):
    with clock.frozen_at(T0 - timedelta(days=100)):
        ann = await new_member()
    hold_tier(monkeypatch, ann, "gold")
    with clock.frozen_at(T0):
        await record_purchase(program, PurchaseRequest(ann, "O-1", Decimal("100.00"), "EUR"))
    await activate_pending(ACTIVE)
    results = await asyncio.gather(*(
        attempt(lambda n=n: refund_purchase(program, RefundRequest("O-1", f"R-{n}", Decimal("25.00"))))
        for n in range(8)
    ))
    assert sorted(results) == ["OK"] * 4 + ["REFUND_EXCEEDS_PURCHASE"] * 4
    assert (await get_wallet(ann, ACTIVE)).credit_minor == 0
    assert await Transfer.filter(code="CASHBACK_CLAWBACK").values_list("amount", flat=True) == [125] * 4
    assert await verify_ledger() == []


async def test_concurrent_bonus_day_choices_keep_one_day(program, monkeypatch):
    with clock.frozen_at(T0):
        ann = await new_member()
    hold_tier(monkeypatch, ann, "gold")
    days = [date(2026, 6, d) for d in range(1, 11)]
    results = await asyncio.gather(*(attempt(lambda d=d: choose_bonus_day(program, ann, d)) for d in days))
    assert sorted(results) == ["BONUS_DAY_ALREADY_CHOSEN"] * 9 + ["OK"]
    assert await BonusDay.filter(member_id=ann).count() == 1


async def test_concurrent_runs_of_the_reward_jobs_give_each_reward_once(program, monkeypatch):
    with clock.frozen_at(T0 - timedelta(days=400)):
        ids = [await new_member(f"m{n}@example.com", birthday=date(1990, 5, 6)) for n in range(5)]
    for member in ids:
        hold_tier(monkeypatch, member, "gold")
    monday = datetime(2026, 5, 4, 5, 0, tzinfo=timezone.utc)
    given = await asyncio.gather(*(birthday_rewards(monday, program) for _ in range(3)),
                                 *(yearly_rewards(monday, program) for _ in range(3)))
    assert sum(given[:3]) == 5 and sum(given[3:]) == 5
    assert await RewardGrant.all().count() == 10
    for member in ids:
        wallet = await get_wallet(member, monday)
        assert (wallet.points, wallet.credit_minor) == (250, 1000 + 2500)
    assert await verify_ledger() == []
