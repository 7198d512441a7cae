"""Rounding, with exact points: a purchase of 0.99, a refund in three thirds, a refund of one
cent, and points spent on an order given back in parts.

Purchases earn floor(amount x 1 point per EUR). A refund takes back
floor(awarded x refunded so far / amount) less what earlier refunds took, so the parts of a
complete refund always add up to exactly what was awarded (and likewise for points spent).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from loyalty import clock
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.models import Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.members import service as members
from loyalty.outbox import OutboxEvent
from loyalty.purchases.models import Purchase, Refund
from loyalty.purchases.refunds import RefundRequest, refund_purchase, share
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.wallet import get_wallet

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
PAST = T0 - timedelta(days=30)  # out of the return window: points post at once


async def new_member(email: str = "ann@example.com") -> int:
    data = members.validate_new_member(members.NewMember(email, "x" * 12, "Ann"), "en")
    return (await members.create_member(data, "hash")).id


async def buy(program, member_id: int, order_id: str, amount: str, *, at=None, spend=None) -> Purchase:
    return await record_purchase(program, PurchaseRequest(
        member_id, order_id, Decimal(amount), "EUR", occurred_at=at, points_to_spend=spend,
    ))


async def refund(program, order_id: str, refund_id: str, amount: str) -> Refund:
    await refund_purchase(program, RefundRequest(order_id, refund_id, Decimal(amount)))
    return await Refund.get(refund_id=refund_id)


async def points(member_id: int) -> tuple[int, int]:
    """(spendable, pending)."""
    w = await get_wallet(member_id, clock.now())
    return w.points, w.pending_points


async def amounts(code: str) -> list[tuple[int, str]]:
    return [(t.amount, t.status) for t in await Transfer.filter(code=code).order_by("id")]


async def assert_ledger_is_consistent() -> None:
    assert [str(v) for v in await verify_ledger()] == []


def test_share_is_the_floor_of_the_exact_fraction():
    assert share(100, 3333, 10000) == 33
    assert share(100, 6666, 10000) == 66
    assert share(100, 10000, 10000) == 100
    assert share(10, 1, 1000) == 0
    assert share(333, 333, 1000) == 110  # 110.889
    assert share(10**15, 1, 3) == 333333333333333  # integers: no float rounding at any size


async def test_a_purchase_of_0_99_earns_nothing_and_records_no_transfer(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        purchase = await buy(program, ann, "O-1", "0.99")
        assert (purchase.amount_minor, purchase.points_awarded, purchase.earn_transfer_id) == (99, 0, None)
        assert await Transfer.all().count() == 0
        assert await OutboxEvent.filter(topic="points.earned").count() == 0
        assert await points(ann) == (0, 0)

        part = await refund(program, "O-1", "R-1", "0.99")
        assert (part.points_clawed_back, part.points_restored) == (0, 0)
        assert await Transfer.all().count() == 0
        assert (await Purchase.get(id=purchase.id)).refunded_minor == 99
        await assert_ledger_is_consistent()


@pytest.mark.parametrize(("amount", "expected"), [("1.00", 1), ("9.99", 9), ("10.00", 10), ("100.01", 100)])
async def test_purchase_points_are_rounded_down(runtime, amount, expected):
    with clock.frozen_at(T0):
        ann = await new_member()
        purchase = await buy(runtime.program.program, ann, "O-1", amount)
        assert purchase.points_awarded == expected
        assert await amounts("EARN_PURCHASE") == [(expected, "pending")]
        await assert_ledger_is_consistent()


@pytest.mark.parametrize("posted", [False, True], ids=["while pending", "after posting"])
async def test_a_refund_in_three_thirds_takes_back_33_33_and_34(runtime, posted):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        purchase = await buy(program, ann, "O-1", "100.00", at=PAST if posted else None)
        assert purchase.points_awarded == 100
        status = "posted" if posted else "pending"

        taken, left = [], []
        for refund_id, amount in (("R-1", "33.33"), ("R-2", "33.33"), ("R-3", "33.34")):
            part = await refund(program, "O-1", refund_id, amount)
            taken.append(part.points_clawed_back)
            spendable, pending = await points(ann)
            left.append(spendable if posted else pending)
            await assert_ledger_is_consistent()

        assert taken == [33, 33, 34]
        assert left == [67, 34, 0]
        assert await amounts("CLAWBACK") == [(33, status), (33, status), (34, status)]
        purchase = await Purchase.get(id=purchase.id)
        assert (purchase.refunded_minor, purchase.points_clawed_back) == (10000, 100)

        with pytest.raises(LoyaltyError) as refused:
            await refund(program, "O-1", "R-4", "0.01")
        assert refused.value.code == ErrorCode.REFUND_EXCEEDS_PURCHASE
        assert await Refund.filter(refund_id="R-4").count() == 0
        assert await Transfer.all().count() == 4
        await assert_ledger_is_consistent()


async def test_a_refund_of_one_cent_takes_back_nothing_and_the_rest_takes_back_all(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        purchase = await buy(program, ann, "O-1", "10.00")
        assert purchase.points_awarded == 10

        cent = await refund(program, "O-1", "R-1", "0.01")  # floor(10 x 1/1000) = 0
        assert cent.points_clawed_back == 0
        assert await amounts("CLAWBACK") == []
        assert await points(ann) == (0, 10)
        await assert_ledger_is_consistent()

        rest = await refund(program, "O-1", "R-2", "9.99")  # floor(10 x 1000/1000) - 0 = 10
        assert rest.points_clawed_back == 10
        assert await amounts("CLAWBACK") == [(10, "pending")]
        assert await points(ann) == (0, 0)
        await assert_ledger_is_consistent()


async def test_equal_parts_take_back_a_point_each_time_the_running_share_crosses_one(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        await buy(program, ann, "O-1", "3.00", at=PAST)  # 3 points, posted
        taken = [(await refund(program, "O-1", f"R-{i}", "0.50")).points_clawed_back for i in range(1, 7)]
        # The k-th half euro takes floor(3 x 50k/300) - floor(3 x 50(k-1)/300).
        assert taken == [0, 1, 0, 1, 0, 1]
        assert await amounts("CLAWBACK") == [(1, "posted")] * 3
        assert await points(ann) == (0, 0)
        await assert_ledger_is_consistent()


async def test_points_spent_on_an_order_come_back_in_parts_that_add_up(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        await buy(program, ann, "O-0", "1000.00", at=PAST)
        assert await points(ann) == (1000, 0)

        # 333 points pay EUR 3.33 of 10.00; the other 6.67 earns 6.
        purchase = await buy(program, ann, "O-1", "10.00", spend=333)
        assert (purchase.points_spent, purchase.points_awarded) == (333, 6)
        assert await points(ann) == (667, 6)

        cent = await refund(program, "O-1", "R-0", "0.01")  # floor(333/1000) = 0, floor(6/1000) = 0
        assert (cent.points_restored, cent.points_clawed_back) == (0, 0)

        parts = []
        for refund_id, amount in (("R-1", "3.33"), ("R-2", "3.33"), ("R-3", "3.33")):
            part = await refund(program, "O-1", refund_id, amount)
            parts.append((part.points_restored, part.points_clawed_back, await points(ann)))
            await assert_ledger_is_consistent()
        # Refunded so far: 3.34, 6.67, 10.00 of 10.00.
        # Restored: floor(333 x 334/1000) = 111, floor(333 x 667/1000) = 222 (111 more), 333 (111 more).
        # Taken back: floor(6 x 334/1000) = 2, floor(6 x 667/1000) = 4 (2 more), 6 (2 more).
        assert parts == [(111, 2, (778, 4)), (111, 2, (889, 2)), (111, 2, (1000, 0))]
        assert await amounts("RESTORE") == [(111, "posted")] * 3
        assert await amounts("CLAWBACK") == [(2, "pending")] * 3
        purchase = await Purchase.get(id=purchase.id)
        assert (purchase.points_restored, purchase.points_clawed_back) == (333, 6)
        await assert_ledger_is_consistent()


async def test_points_spent_come_back_in_thirds_as_110_111_112(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        await buy(program, ann, "O-0", "1000.00", at=PAST)
        await buy(program, ann, "O-1", "10.00", spend=333)
        restored = [
            (await refund(program, "O-1", refund_id, amount)).points_restored
            for refund_id, amount in (("R-1", "3.33"), ("R-2", "3.33"), ("R-3", "3.34"))
        ]
        # floor(333 x 333/1000) = 110, floor(333 x 666/1000) = 221, then the rest of 333.
        assert restored == [110, 111, 112]
        assert await points(ann) == (1000, 0)
        await assert_ledger_is_consistent()
