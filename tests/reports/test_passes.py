"""Passes in the report: sales and refunds by product, visits by kind of pass and by location,
and the credit passes' credit, reconciled with the pass payments, the visits and the pass
accounts. Credit passes are valid for 30 days here, so that one expires within the period."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty import clock
from loyalty.ledger.models import Account, AccountKind, Asset
from loyalty.ledger.verify import verify_ledger
from loyalty.passes.models import Pass, PassPayment
from loyalty.reports.build import program_report
from loyalty.reports.figures import Passes, PassSales, VisitCount
from loyalty.visits.models import Visit
from tests.passes.helpers import run_job
from tests.reports.scenes import START, T0, pass_history
from tests.support.program import demo_at_base_rate, use_program

END = T0 + timedelta(days=40)


@pytest.fixture
async def program(runtime):
    return await use_program(runtime, demo_at_base_rate().replace("valid_days = 730", "valid_days = 30", 1))


async def expired_history(program) -> None:
    await pass_history(program)
    assert await run_job(T0 + timedelta(days=31)) == 1  # Bob's prepaid


async def _pass_accounts() -> int:
    accounts = await Account.filter(kind=AccountKind.PASS.value, asset=Asset.PASS_CREDIT.value)
    return sum(a.posted + a.pending_in - a.pending_out for a in accounts)


async def test_the_report_counts_passes_sold_visits_and_pass_credit(program):
    await expired_history(program)
    report = await program_report(program, START, END)
    assert report.passes == Passes(
        sales=(PassSales("climbing-5", "VISIT_PACK", 1, 0, 6000), PassSales("climbing-6-months", "TIME_PASS", 1, 1, 0),
               PassSales("kitchen-credit-100", "CREDIT_PASS", 2, 1, 10000)),
        visits=3, visits_by_kind=(VisitCount("PUNCH_CARD", 1), VisitCount("VISIT_PACK", 2)),
        visits_by_location=(VisitCount("climbing-hall", 2), VisitCount("harbor-kitchen", 1)),
        credit_liability_minor=0, credit_issued_minor=26000, credit_spent_minor=1500, credit_expired_minor=11500,
        credit_canceled_minor=13000,
    )
    passes = report.passes
    assert (passes.revenue_minor, passes.sold, passes.refunds) == (16000, 4, 2)
    assert passes.credit_breakage_rate == Decimal("0.4423")
    # Before the expiry, Bob's pass held EUR 115: the report's liability is the pass accounts'.
    with clock.frozen_at(T0 + timedelta(days=10)):
        middle = await program_report(program, START, T0 + timedelta(days=10))
    assert middle.passes.credit_liability_minor == 11500
    assert [str(v) for v in await verify_ledger()] == []


async def test_the_pass_figures_reconcile_with_the_payments_the_visits_and_the_pass_accounts(program):
    await expired_history(program)
    bounds = [START, T0 + timedelta(hours=12), T0 + timedelta(days=10), END]
    before = 0
    for start, end in zip(bounds, bounds[1:]):
        p = (await program_report(program, start, end)).passes
        assert p.credit_liability_minor - before == (
            p.credit_issued_minor - p.credit_spent_minor - p.credit_expired_minor - p.credit_canceled_minor)
        before = p.credit_liability_minor
    assert before == await _pass_accounts() == 0
    whole = (await program_report(program, START, END)).passes
    payments = await PassPayment.all()
    assert whole.revenue_minor == sum(p.amount_minor for p in payments) - sum(
        p.amount_minor for p in payments if p.refunded_at is not None)
    kinds = {p.id: p.kind for p in await Pass.all()}
    visits = await Visit.all()
    assert {v.item: v.visits for v in whole.visits_by_kind} == Counter(kinds[v.pass_id] for v in visits)
    assert {v.item: v.visits for v in whole.visits_by_location} == Counter(v.location for v in visits)
