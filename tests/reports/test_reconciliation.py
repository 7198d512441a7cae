"""The report's figures against the member accounts, over a generated year with refunds,
expiry and donations: balances at any end equal the sum of the wallets then, and the flows
of a period explain exactly how the balances moved."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from loyalty import clock
from loyalty.charity.models import Donation, DonationSource
from loyalty.ledger.codes import TransferCode
from loyalty.ledger.models import Account, AccountKind, Asset, Lot, Transfer, TransferStatus
from loyalty.ledger.verify import verify_ledger
from loyalty.purchases.models import Purchase
from loyalty.reports.build import program_report
from loyalty.rewards.models import IssuedReward, IssuedSource
from tests.reports.history import YEAR, Holdings, generate, holdings
from tests.support.program import demo_at_base_rate, use_program, with_keys

SNAPSHOTS = (60, 180, 300)  # days of the year, multiples of the history's step
END = YEAR + timedelta(days=366)


@pytest.fixture
async def year(runtime):
    # Points expire two months after they are earned, so that a year sees plenty expire.
    program = await use_program(runtime, with_keys(demo_at_base_rate(), "expiry", months=2, round_to_month_end="false"))
    history = await generate(program, snapshot_days=SNAPSHOTS)
    assert [str(v) for v in await verify_ledger()] == []
    return program, history


def _held(report) -> Holdings:
    held = report.liability
    return Holdings(held.points_posted, held.points_pending, held.points_owed, held.credit_minor)


async def test_the_balances_at_the_end_of_any_period_are_the_sum_of_the_wallets_then(year):
    program, history = year
    with clock.frozen_at(END):
        now = await holdings(history.members, END)
        assert _held(await program_report(program, YEAR, END)) == now
    assert now.points > 0 and now.pending > 0 and now.credit_minor > 0
    # Refunds took back points already spent: members came to owe, and paid it off.
    assert await Transfer.filter(code=TransferCode.SHORTFALL.value).count() > 0
    for at, then in history.snapshots.items():
        assert _held(await program_report(program, YEAR, at)) == then


async def test_the_flows_of_a_period_explain_how_the_balances_moved(year):
    program, history = year
    bounds = [YEAR, *history.snapshots, END]
    totals = Counter()
    for start, end in zip(bounds, bounds[1:]):
        before = _held(await program_report(program, YEAR, start)) if start != YEAR else Holdings(0, 0, 0, 0)
        report = await program_report(program, start, end)
        after, f = _held(report), report.flows
        moved = f.issued - f.clawed_back + f.restored - f.redeemed - f.expired - f.donated + f.adjusted
        assert (after.points - after.owed) - (before.points - before.owed) == moved
        totals.update(issued=f.issued, clawed_back=f.clawed_back, redeemed=f.redeemed, restored=f.restored,
                      expired=f.expired, donated=f.donated)
    whole = (await program_report(program, YEAR, END)).flows
    assert totals == Counter(issued=whole.issued, clawed_back=whole.clawed_back, redeemed=whole.redeemed,
                             restored=whole.restored, expired=whole.expired, donated=whole.donated)
    assert min(totals.values()) > 0


async def test_the_years_flows_match_what_the_domain_recorded(year):
    program, history = year
    with clock.frozen_at(END):
        report = await program_report(program, YEAR, END)
    f = report.flows
    purchases = await Purchase.all()
    coupons = await IssuedReward.filter(source=IssuedSource.REDEEMED.value)
    given = await Donation.filter(source__in=[DonationSource.MEMBER.value, DonationSource.AUTOMATIC.value])
    assert f.redeemed == sum(p.points_spent for p in purchases) + sum(c.points for c in coupons)
    assert f.restored == sum(p.points_restored for p in purchases)
    posted = {t.id for t in await Transfer.filter(status=TransferStatus.POSTED.value, code=TransferCode.EARN_PURCHASE.value)}
    assert f.clawed_back == sum(p.points_clawed_back for p in purchases if p.earn_transfer_id in posted)
    assert f.donated == sum(d.points for d in given)
    expired = await Transfer.filter(code=TransferCode.EXPIRY.value)
    assert f.expired == sum(t.amount for t in expired) > 0
    lifetime = await Account.filter(kind=AccountKind.MEMBER.value, asset=Asset.POINTS.value)
    assert f.issued - f.clawed_back == sum(a.lifetime_earned for a in lifetime)
    by_charity = Counter()
    for d in await Donation.all():
        by_charity[d.charity_code] += d.value_minor
    assert {d.charity: d.value_minor for d in report.donations} == dict(by_charity)
    assert sum(d.member_points for d in report.donations) == f.donated


async def test_the_liability_by_expiry_month_is_the_lots_and_pending_points_by_month(year):
    program, history = year
    zone = program.program.zone
    expected = Counter()
    for lot in await Lot.filter(remaining__gt=0):
        expected[(lot.expires_at - timedelta(microseconds=1)).astimezone(zone).strftime("%Y-%m")] += lot.remaining
    for pending in await Transfer.filter(status=TransferStatus.PENDING.value, asset=Asset.POINTS.value):
        expires_at = pending.lot_expires_at or (await Transfer.get(id=pending.reverses_id)).lot_expires_at
        sign = 1 if pending.code != TransferCode.CLAWBACK.value else -1
        expected[(expires_at - timedelta(microseconds=1)).astimezone(zone).strftime("%Y-%m")] += sign * pending.amount
    with clock.frozen_at(END):
        report = await program_report(program, YEAR, END)
    months = report.liability.by_expiry_month
    assert {m.month: m.points for m in months} == {k: v for k, v in expected.items() if v}
    assert [m.month for m in months] == sorted(m.month for m in months)
    assert sum(m.points for m in months) == report.points_liability
