"""Properties of tiers over random histories: purchases in two brands, partial and full
refunds (also of purchases from an earlier period), actions, days passing and the daily jobs.

- The qualifying amount always equals what the member's purchases (net of refunds), points
  earned (net of what refunds took back) or visits in the current period add up to, counted
  from the purchase and action records rather than the ledger.
- After any purchase or refund the member holds at least the level that amount reaches.
- Tier changes never break a ledger rule (verify-ledger is clean after every example).
- The tier review run a second time at the same moment changes nothing.

As in tests/ledger/test_ledger_model.py, examples run in a worker thread and each step on
the test's event loop, with the clock frozen at the example's time.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty import clock
from loyalty.actions.models import ActionRecord
from loyalty.actions.service import record_action
from loyalty.jobs import JOBS
from loyalty.ledger.verify import verify_ledger
from loyalty.members import service as members
from loyalty.outbox import OutboxEvent
from loyalty.program.spec import ActionKind, Program
from loyalty.purchases.models import Purchase
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.tiers import periods, qualifying
from loyalty.tiers.models import TierState
from loyalty.tiers.review import review_tiers
from loyalty.tiers.state import effective_rank, load_state
from tests.conftest import _clear_tables
from tests.support.tiers import tier_program

T = TypeVar("T")
START = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)

STEP = st.one_of(
    st.tuples(st.just("buy"), st.integers(1, 90_000), st.sampled_from(["northwind", "harbor"])),
    st.tuples(st.just("refund"), st.integers(0, 30), st.sampled_from(["part", "rest"])),
    st.tuples(st.just("action"), st.just(0), st.just("")),
    st.tuples(st.just("wait"), st.integers(1, 200), st.just("")),
    st.tuples(st.just("jobs"), st.just(0), st.just("")),
)
PROGRAMS = {
    (period, metric, downgrade): tier_program(period, metric, downgrade)
    for period in ("calendar_year", "rolling_12_months", "anniversary_year")
    for metric in ("SPEND", "POINTS_EARNED", "VISITS")
    for downgrade in ("one_tier", "to_qualified")
}


async def expected_units(program: Program, member_id: int, now: datetime) -> int:
    """The period's total from the purchase and action records."""
    period = await periods.period_containing(program, member_id, now)
    inside = [p for p in await Purchase.filter(member_id=member_id) if period.start <= p.occurred_at < period.end]
    metric = program.tiers.metric.value
    if metric == "SPEND":
        return sum(p.amount_minor - p.refunded_minor for p in inside)
    if metric == "VISITS":
        return sum(1 for p in inside if p.refunded_minor < p.amount_minor)
    actions = [a for a in await ActionRecord.filter(member_id=member_id) if period.start <= a.occurred_at < period.end]
    return sum(p.points_awarded - p.points_clawed_back for p in inside) + sum(a.points_awarded for a in actions)


async def tier_snapshot() -> tuple[list[dict], int]:
    states = await TierState.all().order_by("member_id").values()
    return states, await OutboxEvent.filter(topic__startswith="tier.").count()


async def play(program: Program, steps: list[tuple]) -> None:
    await _clear_tables()
    now = START
    with clock.frozen_at(now):
        data = members.validate_new_member(members.NewMember("ann@example.com", "x" * 12, "Ann"), "en")
        ann = (await members.create_member(data, "hash")).id
    orders: list[str] = []
    for n, (kind, value, extra) in enumerate(steps):
        if kind == "wait":
            now += timedelta(days=value, hours=value % 7)
            continue
        with clock.frozen_at(now):
            if kind == "buy":
                orders.append(f"O-{n}")
                amount = Decimal(value).scaleb(-2)
                await record_purchase(program, PurchaseRequest(ann, orders[-1], amount, "EUR", brand=extra))
            elif kind == "refund" and orders:
                purchase = await Purchase.get(order_id=orders[value % len(orders)])
                left = purchase.amount_minor - purchase.refunded_minor
                if left:
                    amount = left if extra == "rest" else max(1, left // 3)
                    request = RefundRequest(purchase.order_id, f"R-{n}", Decimal(amount).scaleb(-2))
                    await refund_purchase(program, request)
            elif kind == "action":
                await record_action(program, ann, ActionKind.SOCIAL_SHARE, f"share-{n}")
            elif kind == "jobs":
                for job in JOBS.values():
                    if job is not review_tiers:
                        await job(now)
                await review_tiers(now, program)
                once = await tier_snapshot()
                await review_tiers(now, program)
                assert await tier_snapshot() == once, "a second tier review changed something"
            period = await periods.period_containing(program, ann, now)
            units = await qualifying.qualifying_units(program, ann, period)
            assert units == await expected_units(program, ann, now), (kind, now)
            if kind in ("buy", "refund"):
                state = await load_state(ann)
                assert effective_rank(program, state, now) >= qualifying.supported_rank(program, units)
    assert [str(v) for v in await verify_ledger()] == []


async def test_qualifying_amounts_levels_and_the_ledger_over_random_histories(runtime):
    loop = asyncio.get_running_loop()

    def run(make: Callable[[], Awaitable[T]]) -> T:
        return asyncio.run_coroutine_threadsafe(make(), loop).result()

    @settings(max_examples=30, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(setting=st.sampled_from(sorted(PROGRAMS)), steps=st.lists(STEP, min_size=1, max_size=25))
    def examples(setting: tuple[str, str, str], steps: list[tuple]) -> None:
        run(lambda: play(PROGRAMS[setting], steps))

    await asyncio.to_thread(examples)
