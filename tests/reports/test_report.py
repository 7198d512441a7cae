from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty import clock
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.verify import verify_ledger
from loyalty.reports.build import program_report
from loyalty.reports.figures import CharityTotal, ExpiryMonth, Memberships, PointsFlows, TierCount, TierMovement
from loyalty.wallet import get_wallet
from tests.reports.scenes import START, T0, plans_tiers_and_a_referral, two_members_history as _two_members_history

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


async def test_a_report_counts_plans_tiers_and_referrals(runtime):
    program = runtime.program.program
    ann, bob, cat = await plans_tiers_and_a_referral(program)
    report = await program_report(program, START, T0 + timedelta(days=20))
    assert report.memberships == Memberships(revenue_minor=500, payments=2, refunds=1, active=1, started=2,
                                             churned=1)
    assert (report.referrals_completed, report.referral_points, report.referral_cost_minor) == (1, 500, 500)
    assert report.tier_movements == (TierMovement("bronze", 0, 0), TierMovement("silver", 1, 0),
                                     TierMovement("gold", 0, 0))
    assert report.tier_distribution == (TierCount("bronze", 2), TierCount("silver", 1), TierCount("gold", 0))
    wallets = [await get_wallet(m, clock.now()) for m in (ann, bob, cat)]
    assert report.liability.credit_minor == sum(w.credit_minor + w.credit_pending_minor for w in wallets) == 500
    assert report.flows.issued == 600 + 30 + 500
    assert [str(v) for v in await verify_ledger()] == []
