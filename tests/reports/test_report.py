from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from loyalty import clock
from loyalty.charity.donations import donate_points
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.verify import verify_ledger
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.reports.build import program_report
from loyalty.reports.figures import CharityTotal, ExpiryMonth, PointsFlows, TierCount
from tests.support.members import new_member

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
START = T0 - timedelta(days=1)


async def _two_members_history(program) -> tuple[int, int]:
    """Ann buys for EUR 100 and Bob for EUR 50; their points post after the return window;
    Ann gives 20 points to the Wildlife Trust and pays 30 points of a EUR 10 order; Bob's
    order is refunded by EUR 20."""
    with clock.frozen_at(T0):
        ann, bob = await new_member("ann@example.com"), await new_member("bob@example.com")
        await record_purchase(program, PurchaseRequest(ann, "O-1", Decimal("100.00"), "EUR", brand="northwind"))
        await record_purchase(program, PurchaseRequest(bob, "O-2", Decimal("50.00"), "EUR", brand="harbor"))
    with clock.frozen_at(T0 + timedelta(days=15)):
        assert await activate_pending(clock.now()) == 2
    with clock.frozen_at(T0 + timedelta(days=16)):
        await donate_points(program, ann, "wildlife", 20, "give-1")
        await record_purchase(program, PurchaseRequest(ann, "O-3", Decimal("10.00"), "EUR", brand="harbor",
                                                       points_to_spend=30))
    with clock.frozen_at(T0 + timedelta(days=17)):
        await refund_purchase(program, RefundRequest("O-2", "R-1", Decimal("20.00")))
    return ann, bob


async def test_a_report_gives_the_balances_at_its_end_and_the_flows_posted_within_it(runtime):
    program = runtime.program.program
    await _two_members_history(program)
    with clock.frozen_at(T0 + timedelta(days=30)):
        report = await program_report(program, START, T0 + timedelta(days=20))
    held = report.liability
    # Ann: 100 - 20 - 30 = 50 posted and 9 pending (EUR 9.70 earned on O-3); Bob: 50 - 20 = 30.
    assert (held.points_posted, held.points_pending, held.points_owed, held.credit_minor) == (80, 9, 0, 0)
    assert (report.points_liability, report.points_liability_value_minor) == (89, 89)
    # Earned on 10 and 26 March 2026: they expire at the end of March 2028.
    assert held.by_expiry_month == (ExpiryMonth("2028-03", 89, 89),)
    assert report.flows == PointsFlows(issued=150, clawed_back=20, redeemed=30, restored=0, expired=0,
                                       donated=20, adjusted=0)
    assert (report.breakage_rate, report.redemption_rate) == (Decimal("0.0000"), Decimal("0.2000"))
    assert report.active_members == 2
    assert report.tier_distribution == (TierCount("bronze", 2), TierCount("silver", 0), TierCount("gold", 0))
    assert report.donations == (CharityTotal("wildlife", 20, 20, 20),)
    assert [str(v) for v in await verify_ledger()] == []


async def test_a_report_ending_inside_the_return_window_holds_the_points_as_pending(runtime):
    program = runtime.program.program
    await _two_members_history(program)
    report = await program_report(program, START, T0 + timedelta(days=10))
    held = report.liability
    assert (held.points_posted, held.points_pending, report.points_liability) == (0, 150, 150)
    assert report.flows.issued == 0
    assert held.by_expiry_month == (ExpiryMonth("2028-03", 150, 150),)


async def test_a_brand_narrows_the_flows_to_its_purchases(runtime):
    program = runtime.program.program
    await _two_members_history(program)
    end = T0 + timedelta(days=20)
    northwind = await program_report(program, START, end, "northwind")
    harbor = await program_report(program, START, end, "harbor")
    assert (northwind.flows.issued, northwind.flows.clawed_back, northwind.flows.redeemed) == (100, 0, 0)
    assert (harbor.flows.issued, harbor.flows.clawed_back, harbor.flows.redeemed) == (50, 20, 30)
    assert (northwind.flows.donated, harbor.flows.donated) == (0, 0)  # a donation is no brand's
    assert (northwind.active_members, harbor.active_members) == (1, 2)
    assert northwind.points_liability == harbor.points_liability == 89  # points are the whole program's


@pytest.mark.parametrize(("starts_at", "ends_at", "brand", "field", "code"), [
    (T0, T0, None, "ends_at", ErrorCode.INVALID),
    (T0, T0 - timedelta(days=1), None, "ends_at", ErrorCode.INVALID),
    (T0.replace(tzinfo=None), T0 + timedelta(days=1), None, "starts_at", ErrorCode.INVALID),
    (T0, T0 + timedelta(days=1), "nowhere", "brand", ErrorCode.NOT_FOUND),
])
async def test_a_period_that_does_not_hold_together_is_refused(runtime, starts_at, ends_at, brand, field, code):
    with pytest.raises(LoyaltyError) as refused:
        await program_report(runtime.program.program, starts_at, ends_at, brand)
    assert (refused.value.field, refused.value.code) == (field, code)
