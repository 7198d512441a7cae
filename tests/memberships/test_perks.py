"""Each plan perk by name, with exact amounts, and only while the membership is ACTIVE."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from loyalty import clock
from loyalty.charity.choices import choose_charity
from loyalty.charity.models import Donation
from loyalty.ledger.descriptions import describe
from loyalty.ledger.models import Transfer
from loyalty.memberships.benefits import member_benefits
from loyalty.memberships.dividends import plan_dividends
from loyalty.memberships.models import PlanDividend
from loyalty.program.spec import ProgramFileError, parse_program
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.wallet import get_wallet
from tests.memberships.helpers import ledger_violations, pay, refund, run_job, subscribe
from tests.support.members import new_member
from tests.support.program import demo_without_new_member_bonus, use_program
from tests.support.tiers import hold_tier

UTC = timezone.utc
T0 = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
END = datetime(2026, 2, 28, 10, 0, tzinfo=UTC)  # the first monthly period's end


@pytest.fixture
async def program(runtime):
    return await use_program(runtime, demo_without_new_member_bonus())


@pytest.fixture
async def ann(program) -> int:
    with clock.frozen_at(T0 - timedelta(days=30)):
        return await new_member()


async def member_of(program, ann: int, plan: str, at: datetime = T0) -> int:
    m = await subscribe(program, ann, plan, at)
    await pay(program, m.id, f"pay-{plan}", at, plan=plan)
    return m.id


async def buy(program, member: int, order: str, amount: str, at: datetime):
    with clock.frozen_at(at):
        return await record_purchase(program, PurchaseRequest(member, order, Decimal(amount), "EUR", occurred_at=at))


async def earned_text(purchase) -> str:
    earn = await Transfer.get(id=purchase.earn_transfer_id)
    return describe(earn.code, earn.memo, earn.amount, "en")


async def test_the_plan_multiplier_gives_1_5x_named_in_the_history(program, ann):
    await member_of(program, ann, "plus-monthly")
    purchase = await buy(program, ann, "O-1", "100.00", T0 + timedelta(hours=1))
    assert purchase.points_awarded == 150
    assert await earned_text(purchase) == (
        "Purchase of EUR 100.00 (order O-1): 1 point per EUR, 1.5X Northwind Plus")


async def test_the_plan_multiplier_adds_its_extra_to_silver_s_by_the_combining_rule(program, ann, monkeypatch):
    hold_tier(monkeypatch, ann, "silver")
    await member_of(program, ann, "plus-monthly")
    purchase = await buy(program, ann, "O-1", "100.00", T0 + timedelta(hours=1))
    assert purchase.points_awarded == 175  # add_extra: 100 + 25 + 50
    assert await earned_text(purchase) == (
        "Purchase of EUR 100.00 (order O-1): 1 point per EUR, 1.25X Silver tier, 1.5X Northwind Plus, 1.75X in all")


async def test_the_monthly_credit_posts_once_per_period_however_often_the_job_runs(program, ann):
    membership_id = await member_of(program, ann, "plus-monthly")
    assert (await get_wallet(ann, T0)).credit_minor == 500
    for hours in (1, 2, 3):
        await run_job(program, T0 + timedelta(hours=hours))
    assert (await get_wallet(ann, T0 + timedelta(hours=4))).credit_minor == 500
    await pay(program, membership_id, "pay-2", T0 + timedelta(days=20))  # the next period, paid ahead
    for minutes in (0, 1, 2):
        await run_job(program, T0 + timedelta(days=20, minutes=minutes))
    assert (await get_wallet(ann, END - timedelta(hours=1))).credit_minor == 500  # not before it starts
    for minutes in (0, 1, 2):
        await run_job(program, END + timedelta(minutes=minutes))
    assert (await get_wallet(ann, END + timedelta(hours=1))).credit_minor == 1000
    perks = await Transfer.filter(member_id=ann, code="PLAN_PERK").order_by("id")
    assert [(p.amount, describe(p.code, p.memo, p.amount, "en")) for p in perks] == [
        (500, "Northwind Plus store credit"), (500, "Northwind Plus store credit")]
    assert await ledger_violations() == []


async def test_a_refund_takes_back_the_period_credit_and_books_what_was_spent_as_owed(program, ann):
    await member_of(program, ann, "plus-monthly")
    with clock.frozen_at(T0 + timedelta(hours=1)):
        await record_purchase(program, PurchaseRequest(ann, "O-1", Decimal("3.00"), "EUR", occurred_at=T0 + timedelta(
            hours=1), credit_to_spend=Decimal("3.00")))
    await refund(program, "pay-plus-monthly", "re-1", T0 + timedelta(days=1))
    wallet = await get_wallet(ann, T0 + timedelta(days=1))
    assert (wallet.credit_minor, wallet.credit_owed_minor) == (0, 300)
    assert await ledger_violations() == []


async def test_plan_cashback_is_added_to_the_tier_s(program, ann, monkeypatch):
    hold_tier(monkeypatch, ann, "silver")
    await member_of(program, ann, "plus-yearly")
    purchase = await buy(program, ann, "O-1", "100.00", T0 + timedelta(hours=1))
    assert purchase.cashback_minor == 500  # 2% Silver + 3% plan of EUR 100


async def test_perks_stop_the_moment_the_period_ends_unpaid_and_while_past_due(program, ann):
    await member_of(program, ann, "plus-monthly")
    assert (await buy(program, ann, "O-1", "100.00", END - timedelta(minutes=1))).points_awarded == 150
    assert (await buy(program, ann, "O-2", "100.00", END)).points_awarded == 100  # the job has not run yet
    await run_job(program, END + timedelta(hours=1))
    assert (await buy(program, ann, "O-3", "100.00", END + timedelta(hours=2))).points_awarded == 100
    benefits = await member_benefits(program, ann, END + timedelta(hours=2))
    assert [b.source for b in benefits] == ["tier:bronze"] * len(benefits)


async def test_benefits_for_the_shop_come_from_the_tier_and_the_active_plan(program, ann, monkeypatch):
    hold_tier(monkeypatch, ann, "silver")
    await member_of(program, ann, "plus-yearly")
    benefits = await member_benefits(program, ann, T0 + timedelta(hours=1))
    assert [(b.kind.value, b.source, b.percent) for b in benefits][:2] == [
        ("FREE_SHIPPING", "plan:plus-yearly", None), ("DISCOUNT_PERCENT", "plan:plus-yearly", Decimal("10"))]


async def test_the_yearly_dividend_is_10_percent_of_the_year_net_of_refunds_once(program, ann):
    await member_of(program, ann, "lifetime", at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC))
    await buy(program, ann, "O-1", "200.00", datetime(2026, 4, 1, 10, 0, tzinfo=UTC))
    await buy(program, ann, "O-2", "100.00", datetime(2026, 11, 1, 10, 0, tzinfo=UTC))
    with clock.frozen_at(datetime(2026, 11, 2, 10, 0, tzinfo=UTC)):
        await refund_purchase(program, RefundRequest("O-2", "R-1", Decimal("50.00")))
    await buy(program, ann, "O-3", "400.00", datetime(2027, 1, 10, 10, 0, tzinfo=UTC))  # next year's
    before_date = datetime(2027, 2, 28, 10, 0, tzinfo=UTC)
    with clock.frozen_at(before_date):
        assert await plan_dividends(before_date, program) == 0
    on_date = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    credit_before = (await get_wallet(ann, on_date)).credit_minor
    for run in range(3):
        with clock.frozen_at(on_date + timedelta(hours=run)):
            assert await plan_dividends(on_date + timedelta(hours=run), program) == (1 if run == 0 else 0)
    assert (await get_wallet(ann, on_date + timedelta(hours=3))).credit_minor - credit_before == 2500
    row = await PlanDividend.get(member_id=ann)
    assert (row.year, row.spend_minor, row.credit_minor) == (2026, 25000, 2500)
    dividend = await Transfer.get(member_id=ann, code="PLAN_PERK", idempotency_key__startswith="plan-dividend")
    assert describe(dividend.code, dividend.memo, dividend.amount, "en") == (
        "Northwind Co-op lifetime membership dividend for 2026")
    assert await ledger_violations() == []


async def test_a_plan_that_grants_a_tier_earns_as_that_tier_while_active(runtime):
    text = demo_without_new_member_bonus().replace(
        'monthly_reward_credit = "5.00"\n', 'monthly_reward_credit = "5.00"\ngrants_tier = "silver"\n', 1)
    program = await use_program(runtime, text)
    with clock.frozen_at(T0 - timedelta(days=30)):
        ann = await new_member()
    await member_of(program, ann, "plus-monthly")
    purchase = await buy(program, ann, "O-1", "100.00", T0 + timedelta(hours=1))
    assert (purchase.points_awarded, purchase.cashback_minor) == (175, 200)  # Silver's 1.25X and 2%, plus 1.5X
    after = await buy(program, ann, "O-2", "100.00", END)  # the period ended unpaid: bronze again, no plan
    assert (after.points_awarded, after.cashback_minor) == (100, 0)


def test_a_plan_granting_an_unknown_tier_is_a_program_file_error():
    text = demo_without_new_member_bonus().replace(
        'monthly_reward_credit = "5.00"\n', 'monthly_reward_credit = "5.00"\ngrants_tier = "platinum"\n', 1)
    with pytest.raises(ProgramFileError) as caught:
        parse_program(text)
    assert 'no tier level has code "platinum"' in str(caught.value)


async def test_each_payment_gives_the_chosen_charity_its_plan_donation_once(program, ann):
    with clock.frozen_at(T0):
        await choose_charity(program, ann, "wildlife", 0)
    membership_id = await member_of(program, ann, "plus-monthly")
    await pay(program, membership_id, "pay-plus-monthly", T0 + timedelta(hours=1))  # a replay gives nothing more
    await pay(program, membership_id, "pay-2", T0 + timedelta(days=20))
    rows = await Donation.filter(member_id=ann).order_by("id").values_list("source", "points", "charity_code")
    assert rows == [("PLAN", 200, "wildlife"), ("PLAN", 200, "wildlife")]
    assert await ledger_violations() == []
