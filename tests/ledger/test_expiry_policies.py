"""Each expiry policy: what Wallet.expiringPoints shows, what expire-points takes and when,
the warnings ahead of it, and that no sequence of purchases, refunds and jobs under any
policy breaks a ledger rule."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty import clock
from loyalty.errors import LoyaltyError
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.expiry import expire_points
from loyalty.ledger.verify import verify_ledger
from loyalty.ledger.warnings import expiry_warnings
from loyalty.outbox import OutboxEvent
from loyalty.program.spec import Program
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.wallet import Expiry, get_wallet
from tests.conftest import _clear_tables
from tests.support.members import new_member
from tests.support.program import demo_at_base_rate, use_program, with_keys

UTC = timezone.utc
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ACTIVE = T0 + timedelta(days=14)

PER_LOT_EXACT = dict(round_to_month_end="false")
INACTIVITY = dict(policy='"inactivity"', months=6, round_to_month_end=None)
NEVER = dict(policy='"never"', months=None, round_to_month_end=None)


def expiry_program(**expiry: object) -> str:
    """The demo without its new-member bonus, with these [expiry] keys."""
    return with_keys(demo_at_base_rate(), "expiry", **expiry)


async def buy(program: Program, member: int, order: str, amount: str, at: datetime) -> None:
    with clock.frozen_at(at):
        await record_purchase(program, PurchaseRequest(member, order, Decimal(amount), "EUR", occurred_at=at))


async def member_at(at: datetime, email: str = "ann@example.com") -> int:
    with clock.frozen_at(at):
        return await new_member(email)


async def points_and_expiring(program: Program, member: int, now: datetime) -> tuple[int, tuple[Expiry, ...]]:
    wallet = await get_wallet(member, now, program)
    return wallet.points, wallet.expiring


async def test_per_lot_rounded_to_month_end_expires_on_the_first_moment_after_that_month(runtime):
    program = await use_program(runtime, expiry_program())
    ann = await member_at(T0)
    await buy(program, ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    end_of_march = datetime(2028, 3, 31, 22, 0, tzinfo=UTC)  # 1 April 2028, 00:00 in Amsterdam
    assert await points_and_expiring(program, ann, ACTIVE) == (100, (Expiry(100, end_of_march),))
    assert await expire_points(end_of_march - timedelta(seconds=1), program) == 0
    assert await expire_points(end_of_march, program) == 100
    assert await expire_points(end_of_march, program) == 0
    assert await points_and_expiring(program, ann, end_of_march) == (0, ())
    assert await verify_ledger() == []


async def test_per_lot_without_rounding_expires_to_the_minute_24_months_on(runtime):
    program = await use_program(runtime, expiry_program(**PER_LOT_EXACT))
    ann = await member_at(T0)
    await buy(program, ann, "O-1", "100.00", T0)
    await buy(program, ann, "O-2", "50.00", T0 + timedelta(days=1))
    await activate_pending(ACTIVE + timedelta(days=1))
    assert (await points_and_expiring(program, ann, ACTIVE))[1] == (
        Expiry(100, datetime(2028, 3, 10, 12, 0, tzinfo=UTC)), Expiry(50, datetime(2028, 3, 11, 12, 0, tzinfo=UTC)))
    assert await expire_points(datetime(2028, 3, 10, 12, 0, tzinfo=UTC), program) == 100
    assert await points_and_expiring(program, ann, datetime(2028, 3, 10, 12, 0, tzinfo=UTC)) == (
        50, (Expiry(50, datetime(2028, 3, 11, 12, 0, tzinfo=UTC)),))
    assert await verify_ledger() == []


async def test_inactivity_expires_the_whole_balance_months_after_the_last_purchase(runtime):
    program = await use_program(runtime, expiry_program(**INACTIVITY))
    ann = await member_at(T0 - timedelta(days=60))
    await buy(program, ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    # 10 March 13:00 in Amsterdam (CET) is 10 September 13:00 (CEST): 11:00 UTC.
    assert await points_and_expiring(program, ann, ACTIVE) == (
        100, (Expiry(100, datetime(2026, 9, 10, 11, 0, tzinfo=UTC)),))
    second = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    await buy(program, ann, "O-2", "50.00", second)
    await activate_pending(second + timedelta(days=14))
    deadline = datetime(2026, 11, 1, 13, 0, tzinfo=UTC)  # the purchase moved the date on
    assert await points_and_expiring(program, ann, second + timedelta(days=14)) == (150, (Expiry(150, deadline),))
    assert await expire_points(datetime(2026, 9, 10, 11, 0, tzinfo=UTC), program) == 0
    assert await expire_points(deadline - timedelta(seconds=1), program) == 0
    assert await expire_points(deadline, program) == 150
    assert await expire_points(deadline, program) == 0
    assert await points_and_expiring(program, ann, deadline) == (0, ())
    assert (await OutboxEvent.filter(topic="points.expired").first()).payload["points"] == 150
    assert await verify_ledger() == []


async def test_inactivity_counts_from_joining_until_the_first_purchase_and_spares_the_active(runtime):
    program = await use_program(runtime, expiry_program(**INACTIVITY))
    ann = await member_at(T0)
    bob = await member_at(T0, "bob@example.com")
    await buy(program, ann, "O-1", "100.00", T0)
    await buy(program, bob, "O-2", "70.00", T0)
    await activate_pending(ACTIVE)
    later = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)
    await buy(program, bob, "O-3", "10.00", later)
    assert await expire_points(datetime(2026, 9, 10, 11, 0, tzinfo=UTC), program) == 100
    assert (await get_wallet(ann, later, program)).points == 0
    assert (await get_wallet(bob, later, program)).points == 70
    assert await verify_ledger() == []


async def test_inactivity_spares_a_member_who_bought_after_the_job_found_them_due(runtime, monkeypatch):
    from loyalty.ledger import expiry

    program = await use_program(runtime, expiry_program(**INACTIVITY))
    ann = await member_at(T0)
    await buy(program, ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    deadline = datetime(2026, 9, 10, 11, 0, tzinfo=UTC)
    found = await expiry.inactive_accounts(program, deadline)
    assert [member for _, member, _ in found] == [ann]

    async def found_before_the_purchase(program: Program, until: datetime):
        return found

    # The job found Ann due; she buys before it takes her lock.
    await buy(program, ann, "O-2", "10.00", deadline - timedelta(hours=1))
    monkeypatch.setattr(expiry, "inactive_accounts", found_before_the_purchase)
    assert await expire_points(deadline, program) == 0
    assert (await get_wallet(ann, deadline, program)).points == 100
    assert await verify_ledger() == []


async def test_never_shows_no_expiry_and_expires_nothing(runtime):
    program = await use_program(runtime, expiry_program(**NEVER))
    ann = await member_at(T0)
    await buy(program, ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    far = datetime(2040, 1, 1, tzinfo=UTC)
    assert await points_and_expiring(program, ann, ACTIVE) == (100, ())
    assert await expire_points(far, program) == 0
    assert await expiry_warnings(far, program) == 0
    assert (await get_wallet(ann, far, program)).points == 100


async def test_a_per_lot_warning_goes_out_warning_days_before_once_per_lot(runtime):
    program = await use_program(runtime, expiry_program(**PER_LOT_EXACT))
    ann = await member_at(T0)
    await buy(program, ann, "O-1", "100.00", T0)
    await buy(program, ann, "O-2", "50.00", T0 + timedelta(days=5))
    await activate_pending(ACTIVE + timedelta(days=5))
    # The lots expire on 10 and 15 March 2028 at 13:00 in Amsterdam; the daily run at 03:00
    # warns 30 days ahead of those days: on 9 and 14 February.
    def run(day: int) -> datetime:
        return datetime(2028, 2, day, 2, 0, tzinfo=UTC)
    assert await expiry_warnings(run(8), program) == 0
    assert await expiry_warnings(run(9), program) == 1
    assert await expiry_warnings(run(9), program) == 0
    assert await expiry_warnings(run(13), program) == 0
    assert await expiry_warnings(run(14), program) == 1  # the second lot, 5 days later
    assert await expiry_warnings(run(19), program) == 0
    events = await OutboxEvent.filter(topic="points.expiring").order_by("created_at")
    assert [(e.member_id, e.payload) for e in events] == [
        (ann, {"points": 100, "expires_at": "2028-03-10T12:00:00+00:00"}),
        (ann, {"points": 50, "expires_at": "2028-03-15T12:00:00+00:00"}),
    ]


async def test_an_inactivity_warning_goes_out_once_per_deadline(runtime):
    program = await use_program(runtime, expiry_program(**INACTIVITY))
    ann = await member_at(T0)
    await buy(program, ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    # The deadline: 2026-09-10 11:00 UTC, 13:00 in Amsterdam.
    assert await expiry_warnings(datetime(2026, 8, 10, 1, 0, tzinfo=UTC), program) == 0
    assert await expiry_warnings(datetime(2026, 8, 11, 1, 0, tzinfo=UTC), program) == 1  # 30 days before 10 September
    assert await expiry_warnings(datetime(2026, 8, 12, 1, 0, tzinfo=UTC), program) == 0
    events = await OutboxEvent.filter(topic="points.expiring")
    assert [e.payload for e in events] == [{"points": 100, "expires_at": "2026-09-10T11:00:00+00:00"}]


async def test_points_that_expire_as_a_month_ends_are_warned_of_on_the_first_of_the_month_before(runtime):
    program = await use_program(runtime, expiry_program())  # the demo: 24 months, to the month's end
    ann = await member_at(T0)
    await buy(program, ann, "O-1", "100.00", T0)
    await activate_pending(ACTIVE)
    # Earned in March 2026: gone as 1 April 2028 begins in Amsterdam; warned on 2 March, the
    # day 30 days before, at any time of that day.
    assert await expiry_warnings(datetime(2028, 3, 1, 22, 59, tzinfo=UTC), program) == 0  # 1 March, 23:59
    assert await expiry_warnings(datetime(2028, 3, 1, 23, 0, tzinfo=UTC), program) == 1  # 2 March, 00:00
    events = await OutboxEvent.filter(topic="points.expiring")
    assert [e.payload for e in events] == [{"points": 100, "expires_at": "2028-03-31T22:00:00+00:00"}]


# --- the property ------------------------------------------------------------------

STEP = st.one_of(
    st.tuples(st.just("buy"), st.integers(1, 2), st.integers(1, 30_000)),
    st.tuples(st.just("refund"), st.integers(0, 10), st.integers(1, 30_000)),
    st.tuples(st.just("spend"), st.integers(1, 2), st.integers(1, 500)),
    st.tuples(st.just("days"), st.integers(1, 400), st.just(0)),
)
POLICIES = st.sampled_from([{}, PER_LOT_EXACT, INACTIVITY, NEVER])


@pytest.mark.parametrize("seed", [0])
async def test_expiry_under_any_policy_never_breaks_a_ledger_rule(runtime, seed):
    loop = asyncio.get_running_loop()

    def run(coroutine_factory, now):
        async def step():
            with clock.frozen_at(now):
                return await coroutine_factory()

        return asyncio.run_coroutine_threadsafe(step(), loop).result()

    @settings(max_examples=20, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(policy=POLICIES, steps=st.lists(STEP, min_size=1, max_size=25))
    def scenario(policy, steps):
        run(_clear_tables, T0)
        program = run(lambda: use_program(runtime, expiry_program(**policy)), T0)
        now = T0
        members = [run(lambda: new_member("a@example.com"), now), run(lambda: new_member("b@example.com"), now)]
        orders: list[tuple[str, int]] = []
        for n, (kind, a, b) in enumerate(steps):
            try:
                if kind == "buy":
                    order = f"O-{n}"
                    request = PurchaseRequest(members[a - 1], order, Decimal(b).scaleb(-2), "EUR")
                    run(lambda: record_purchase(program, request), now)
                    orders.append((order, b))
                elif kind == "refund" and orders:
                    order, amount = orders[a % len(orders)]
                    request = RefundRequest(order, f"R-{n}", Decimal(min(b, amount)).scaleb(-2))
                    run(lambda: refund_purchase(program, request), now)
                elif kind == "spend":
                    request = PurchaseRequest(members[a - 1], f"S-{n}", Decimal("50.00"), "EUR", points_to_spend=b)
                    run(lambda: record_purchase(program, request), now)
                elif kind == "days":
                    now += timedelta(days=a)
                    run(lambda: activate_pending(now), now)
                    run(lambda: expire_points(now, program), now)
                    run(lambda: expiry_warnings(now, program), now)
            except LoyaltyError:
                pass  # refused (not enough points, refund exceeding the order): changes nothing
            assert [str(v) for v in run(verify_ledger, now)] == []
        for member in members:
            wallet = run(lambda: get_wallet(member, now, program), now)
            assert wallet.points >= 0
            assert sum(e.points for e in wallet.expiring) <= wallet.points
        # A second run of the day's jobs changes nothing.
        assert run(lambda: expire_points(now, program), now) == 0
        assert run(lambda: expiry_warnings(now, program), now) == 0

    await asyncio.to_thread(scenario)
