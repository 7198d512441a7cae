"""Cashback as store credit: the tier's percent of what the member paid in money, pending
with the points, taken back by refunds like points; store credit as payment, all or nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty import clock
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.descriptions import describe
from loyalty.ledger.models import Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.purchases.models import Purchase
from loyalty.purchases.refunds import RefundRequest, refund_purchase, share
from loyalty.purchases.service import Item, PurchaseRequest, cashback_minor, record_purchase
from loyalty.wallet import get_wallet
from tests.support.members import new_member
from tests.support.program import demo_without_new_member_bonus, use_program
from tests.support.tiers import hold_tier

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
ACTIVE = T0 + timedelta(days=14)


@pytest.fixture
async def program(runtime):
    return await use_program(runtime, demo_without_new_member_bonus())


@pytest.fixture
async def gold_ann(program, monkeypatch) -> int:
    with clock.frozen_at(T0 - timedelta(days=100)):
        ann = await new_member()
    hold_tier(monkeypatch, ann, "gold")
    return ann


async def buy(program, member: int, order: str, amount: str, at: datetime, **extra) -> Purchase:
    with clock.frozen_at(at):
        return await record_purchase(program, PurchaseRequest(member, order, Decimal(amount), "EUR", occurred_at=at,
                                                              **extra))


async def refund(program, order: str, refund_id: str, amount: str, at: datetime) -> Purchase:
    with clock.frozen_at(at):
        return await refund_purchase(program, RefundRequest(order, refund_id, Decimal(amount)))


async def credit(member: int, at: datetime = ACTIVE) -> tuple[int, int]:
    wallet = await get_wallet(member, at)
    return wallet.credit_minor, wallet.credit_pending_minor


def test_cashback_is_the_percent_of_the_spend_rounded_down_to_the_cent():
    assert cashback_minor(Decimal(5), 10000) == 500
    assert cashback_minor(Decimal(5), 1999) == 99  # 99.95 cents
    assert cashback_minor(Decimal(2), 49) == 0
    assert cashback_minor(Decimal(0), 10000) == 0


async def test_gold_cashback_is_pending_for_the_return_window_then_activates(program, gold_ann):
    purchase = await buy(program, gold_ann, "O-1", "100.00", T0)
    assert (purchase.points_awarded, purchase.cashback_minor) == (200, 500)
    assert await credit(gold_ann, T0) == (0, 500)
    assert await activate_pending(ACTIVE - timedelta(seconds=1)) == 0
    assert await activate_pending(ACTIVE) == 2  # the points and the credit
    assert await credit(gold_ann) == (500, 0)
    assert [e.topic for e in await OutboxEvent.all().order_by("created_at")][:2] == ["points.earned", "credit.earned"]
    assert await verify_ledger() == []


async def test_a_bronze_member_earns_no_cashback_and_silver_earns_two_percent(program, monkeypatch):
    with clock.frozen_at(T0 - timedelta(days=100)):
        bob, cat = await new_member("bob@example.com"), await new_member("cat@example.com")
    hold_tier(monkeypatch, cat, "silver")
    assert (await buy(program, bob, "O-B", "80.00", T0)).cashback_minor == 0
    assert (await buy(program, cat, "O-C", "80.00", T0)).cashback_minor == 160
    assert await credit(bob, T0) == (0, 0)
    assert await credit(cat, T0) == (0, 160)


async def test_a_refund_takes_back_cashback_in_proportion_and_a_full_refund_exactly_what_was_given(program, gold_ann):
    await buy(program, gold_ann, "O-1", "99.99", T0)  # 499 cents of cashback
    await activate_pending(ACTIVE)
    assert await credit(gold_ann) == (499, 0)
    p = await refund(program, "O-1", "R-1", "33.33", ACTIVE)
    assert p.cashback_clawed_back_minor == 499 * 3333 // 9999 == 166
    assert await credit(gold_ann) == (333, 0)
    p = await refund(program, "O-1", "R-2", "66.66", ACTIVE)
    assert p.cashback_clawed_back_minor == 499
    assert await credit(gold_ann) == (0, 0)
    assert await verify_ledger() == []


async def test_a_refund_inside_the_window_takes_cashback_back_before_it_posts(program, gold_ann):
    await buy(program, gold_ann, "O-1", "100.00", T0)
    await refund(program, "O-1", "R-1", "40.00", T0 + timedelta(days=2))
    assert await credit(gold_ann, T0) == (0, 300)
    await activate_pending(ACTIVE)
    assert await credit(gold_ann) == (300, 0)
    assert await verify_ledger() == []


async def test_cashback_already_spent_is_owed_after_a_refund(program, gold_ann):
    await buy(program, gold_ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    await buy(program, gold_ann, "O-2", "10.00", ACTIVE, credit_to_spend=Decimal("4.00"))
    # O-2 paid 6.00 in money: 30 cents pending; O-1's 5.00 less the 4.00 spent leaves 1.00.
    assert await credit(gold_ann) == (100, 30)
    await refund(program, "O-1", "R-1", "100.00", ACTIVE)
    assert await credit(gold_ann) == (0, 30)
    owed = await Transfer.filter(code="SHORTFALL", asset="CREDIT").values_list("amount", flat=True)
    assert owed == [400]
    assert (await get_wallet(gold_ann, ACTIVE)).credit_owed_minor == 400
    # The next credit pays the debt first.
    await activate_pending(ACTIVE + timedelta(days=14))
    assert await credit(gold_ann, ACTIVE + timedelta(days=14)) == (0, 0)
    assert (await get_wallet(gold_ann, ACTIVE)).credit_owed_minor == 370
    assert await verify_ledger() == []


async def test_credit_pays_part_of_an_order_and_only_the_money_paid_earns(program, gold_ann):
    await buy(program, gold_ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    p = await buy(program, gold_ann, "O-2", "50.00", ACTIVE, credit_to_spend=Decimal("3.00"))
    assert (p.credit_spent_minor, p.points_awarded, p.cashback_minor) == (300, 94, 235)
    assert await credit(gold_ann) == (200, 235)
    assert (await OutboxEvent.filter(topic="credit.spent").first()).payload == {
        "credit_minor": 300, "currency": "EUR", "order": "O-2"}


async def test_points_and_credit_together_earn_on_the_rest(program, gold_ann):
    await buy(program, gold_ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    p = await buy(program, gold_ann, "O-2", "20.00", ACTIVE, points_to_spend=100, credit_to_spend=Decimal("5.00"))
    # 100 points pay 1.00, credit 5.00: 14.00 earns 28 points and 70 cents.
    assert (p.points_spent, p.credit_spent_minor, p.points_awarded, p.cashback_minor) == (100, 500, 28, 70)


async def test_the_history_says_which_part_of_an_order_paid_with_credit_earned(program, gold_ann):
    await buy(program, gold_ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    await buy(program, gold_ann, "O-2", "50.00", ACTIVE, credit_to_spend=Decimal("3.00"))
    earned = await Transfer.get(code="EARN_PURCHASE", reference="O-2")
    cashback = await Transfer.get(code="CASHBACK", reference="O-2")
    # EUR 47.00 paid in money at Gold: 47 x 2 = 94 points and 5% = EUR 2.35.
    assert (earned.amount, cashback.amount) == (94, 235)
    assert describe(earned.code, earned.memo, earned.amount, "en") == (
        "Purchase of EUR 50.00 (order O-2), EUR 47.00 of it paid in money: 1 point per EUR, 2X Gold tier")
    assert describe(cashback.code, cashback.memo, cashback.amount, "en") == (
        "Cashback of 5% of EUR 47.00 paid in money on order O-2")
    plain = await Transfer.get(code="CASHBACK", reference="O-1")
    assert describe(plain.code, plain.memo, plain.amount, "en") == "Cashback of 5% on order O-1"


async def test_spending_more_credit_than_the_member_has_is_insufficient_credit_and_changes_nothing(program, gold_ann):
    await buy(program, gold_ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    before = (await Transfer.all().count(), await credit(gold_ann))
    with pytest.raises(LoyaltyError) as refused:
        await buy(program, gold_ann, "O-2", "50.00", ACTIVE, credit_to_spend=Decimal("5.01"))
    assert (refused.value.code, refused.value.field) == (ErrorCode.INSUFFICIENT_CREDIT, "credit_to_spend")
    assert (await Transfer.all().count(), await credit(gold_ann)) == before
    assert not await Purchase.exists(order_id="O-2")


async def test_pending_credit_cannot_be_spent(program, gold_ann):
    await buy(program, gold_ann, "O-1", "100.00", T0)
    with pytest.raises(LoyaltyError) as refused:
        await buy(program, gold_ann, "O-2", "50.00", T0 + timedelta(days=1), credit_to_spend=Decimal("1.00"))
    assert refused.value.code == ErrorCode.INSUFFICIENT_CREDIT


@pytest.mark.parametrize(("credit_to_spend", "points", "message"), [
    ("50.01", None, "The points and credit are worth more than the order."),
    ("49.01", 100, "The points and credit are worth more than the order."),
    ("-1.00", None, "The amount must be greater than zero."),
    ("1.001", None, "The amount has more than 2 decimals."),
])
async def test_credit_cannot_exceed_the_order_or_be_malformed(program, gold_ann, credit_to_spend, points, message):
    with pytest.raises(LoyaltyError) as refused:
        await buy(program, gold_ann, "O-9", "50.00", T0, credit_to_spend=Decimal(credit_to_spend),
                  points_to_spend=points)
    assert (refused.value.field, refused.value.message) == ("credit_to_spend", message)
    assert await Transfer.all().count() == 0


async def test_a_refund_gives_back_the_credit_spent_in_proportion(program, gold_ann):
    await buy(program, gold_ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    await buy(program, gold_ann, "O-2", "30.00", ACTIVE, credit_to_spend=Decimal("4.99"))
    assert await credit(gold_ann) == (1, 125)
    p = await refund(program, "O-2", "R-1", "10.00", ACTIVE)
    assert (p.credit_restored_minor, p.cashback_clawed_back_minor) == (499 * 1000 // 3000, 125 * 1000 // 3000)
    assert await credit(gold_ann) == (1 + 166, 125 - 41)
    p = await refund(program, "O-2", "R-2", "20.00", ACTIVE)
    assert (p.credit_restored_minor, p.cashback_clawed_back_minor) == (499, 125)
    assert await credit(gold_ann) == (500, 0)
    assert await verify_ledger() == []


async def test_a_replayed_purchase_with_credit_is_the_first_result_and_other_credit_is_a_conflict(program, gold_ann):
    await buy(program, gold_ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    first = await buy(program, gold_ann, "O-2", "10.00", ACTIVE, credit_to_spend=Decimal("2.00"))
    again = await buy(program, gold_ann, "O-2", "10.00", ACTIVE, credit_to_spend=Decimal("2.0"))
    assert again.id == first.id
    assert await credit(gold_ann) == (300, 40)
    with pytest.raises(LoyaltyError) as conflict:
        await buy(program, gold_ann, "O-2", "10.00", ACTIVE, credit_to_spend=Decimal("3.00"))
    assert conflict.value.code == ErrorCode.IDEMPOTENCY_CONFLICT


async def test_cashback_counts_every_line_and_is_described(program, gold_ann):
    items = (Item("pan", 1, Decimal("60.00"), "cookware"), Item("bread", 1, Decimal("40.00"), "food"))
    p = await buy(program, gold_ann, "O-1", "100.00", T0, brand="harbor", items=items)
    assert p.cashback_minor == 500
    row = await Transfer.get(code="CASHBACK")
    assert (row.asset, row.status, row.memo["percent"]) == ("CREDIT", "pending", "5")


@given(
    cashback=st.integers(0, 10**7), amount=st.integers(1, 10**7),
    cuts=st.lists(st.integers(1, 10**7), min_size=0, max_size=8),
)
def test_refund_parts_take_back_cashback_that_adds_up_to_what_was_given(cashback, amount, cuts):
    """Whatever the parts, each takes a non-negative amount and all of them exactly the cashback."""
    points = sorted({c % amount for c in cuts} - {0}) + [amount]
    taken, before = [], 0
    for refunded in points:
        taken.append(share(cashback, refunded, amount) - before)
        before += taken[-1]
    assert all(t >= 0 for t in taken)
    assert sum(taken) == cashback
