"""The membership lifecycle against a plain model: a hypothesis state machine subscribes,
pays (right and wrong amounts, replays), moves the clock, runs the renewal job, cancels both
ways, refunds and changes plan, and after every step checks the status, the period end, the
plan credit in the wallet and whether perks apply against the model, and that verify-ledger
finds nothing. Runs like tests/ledger/test_ledger_model.py: in a worker thread, each step on
the test's loop with the clock frozen at the model's time; each example starts empty."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from loyalty import clock
from loyalty.errors import LoyaltyError
from loyalty.ledger.verify import verify_ledger
from loyalty.memberships import payments, subscriptions
from loyalty.memberships.active import active_plan
from loyalty.memberships.models import Membership
from loyalty.memberships.periods import period_end
from loyalty.memberships.renewals import renew_memberships
from loyalty.program.spec import PlanInterval, Program
from loyalty.wallet import get_wallet
from tests.conftest import _clear_tables
from tests.support.members import new_member

T = TypeVar("T")
UTC = timezone.utc
START = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
PLANS = ("plus-monthly", "plus-yearly", "lifetime")
MODEL_SETTINGS = settings(max_examples=20, stateful_step_count=25, deadline=None, database=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
LIVE = ("PENDING_PAYMENT", "ACTIVE", "PAST_DUE")


@dataclass
class Paid:
    start: datetime
    end: datetime | None
    credit: int
    membership_id: int
    posted: bool = False
    refunded: bool = False


@dataclass
class Model:
    now: datetime
    status: str | None = None
    plan: str | None = None
    next_plan: str | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    grace_end: datetime | None = None
    cancel_at_end: bool = False
    paid: dict[str, Paid] = field(default_factory=dict)  # the member's, over every membership

    def credit(self) -> int:
        return sum(p.credit for p in self.paid.values() if p.posted and not p.refunded)

    def perks(self) -> str | None:
        if self.status != "ACTIVE" or self.period_start is None or self.period_start > self.now:
            return None
        return self.plan if self.period_end is None or self.now < self.period_end else None


def make_machine(loop: asyncio.AbstractEventLoop, program: Program) -> type[RuleBasedStateMachine]:
    zone = program.program.zone

    def plan_of(code: str):
        plan = program.plan(code)
        assert plan is not None
        return plan

    class MembershipMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.m = Model(START)
            self.member = 0
            self.membership_id: int | None = None
            self.counter = 0

        def run(self, make: Callable[[], Awaitable[T]]) -> T:
            async def step() -> T:
                with clock.frozen_at(self.m.now):
                    return await make()
            return asyncio.run_coroutine_threadsafe(step(), loop).result()

        def attempt(self, make: Callable[[], Awaitable[Any]]) -> str:
            try:
                self.run(make)
            except LoyaltyError as exc:
                return exc.code.value
            return "OK"

        def new_id(self, prefix: str) -> str:
            self.counter += 1
            return f"{prefix}-{self.counter}"

        @initialize()
        def start(self) -> None:
            async def fresh() -> int:
                await _clear_tables()
                return await new_member()
            self.member = self.run(fresh)

        # --- the member ---------------------------------------------------------------

        @rule(plan=st.sampled_from(PLANS))
        def subscribe(self, plan: str) -> None:
            m = self.m
            got = self.attempt(lambda: subscriptions.subscribe(program, self.member, plan, self.new_id("k"), m.now))
            if m.status not in LIVE:
                assert got == "OK"
                self.m = Model(m.now, status="PENDING_PAYMENT", plan=plan, paid=m.paid)
                self.membership_id = self.run(lambda: Membership.get(live_member_id=self.member)).id
                return
            lifetime_held = plan_of(m.plan).interval is PlanInterval.LIFETIME and m.status == "ACTIVE"
            if plan == (m.next_plan or m.plan) or lifetime_held:
                assert got == "ALREADY_MEMBER"
                return
            assert got == "OK"
            if m.status == "PENDING_PAYMENT":
                m.plan = plan
            else:
                m.next_plan, m.cancel_at_end = (None if plan == m.plan else plan), False

        @rule(at_end=st.booleans())
        def cancel(self, at_end: bool) -> None:
            m = self.m
            got = self.attempt(lambda: subscriptions.cancel(program, self.member, at_end, m.now))
            if m.status not in LIVE:
                assert got == "NOT_FOUND"
                return
            assert got == "OK"
            if at_end and m.status == "ACTIVE" and plan_of(m.plan).interval is not PlanInterval.LIFETIME:
                m.cancel_at_end, m.next_plan = True, None
            else:
                m.status, m.next_plan = "CANCELED", None

        # --- the payment backend -----------------------------------------------------

        def billed(self) -> str:
            return self.m.next_plan or self.m.plan

        @rule(replay=st.booleans(), wrong=st.booleans())
        def pay(self, replay: bool, wrong: bool) -> None:
            m = self.m
            if self.membership_id is None:
                return
            payment_id = next(iter(reversed(m.paid)), None) if replay and m.paid else self.new_id("pay")
            plan = plan_of(self.billed())
            amount = plan.price + (Decimal("0.01") if wrong else 0)
            request = payments.Payment(self.membership_id, payment_id, amount, "EUR")
            got = self.attempt(lambda: payments.record_payment(program, request, m.now))
            if payment_id in m.paid:
                assert got in ("OK", "IDEMPOTENCY_CONFLICT")  # the price may differ from the first time
                return
            if wrong:
                assert got == "AMOUNT_MISMATCH"
                return
            if m.status not in LIVE:
                assert got == "NOT_AVAILABLE"
                return
            current = plan_of(m.plan)
            if m.status == "ACTIVE" and current.interval is PlanInterval.LIFETIME:
                assert got == "NOT_AVAILABLE"
                return
            assert got == "OK"
            to_lifetime = plan.interval is PlanInterval.LIFETIME and plan.code != m.plan
            renews = m.status == "ACTIVE" and not to_lifetime and m.period_end is not None
            start = max(m.period_end, m.now) if renews else m.now
            end = period_end(plan.interval, start, zone)
            credit = int(plan.monthly_reward_credit * 100)
            m.paid[payment_id] = Paid(start, end, credit, self.membership_id, posted=start <= m.now and credit > 0)
            m.plan, m.next_plan = plan.code, None
            if not renews:
                m.period_start = start
            m.period_end, m.grace_end, m.status = end, None, "ACTIVE"

        @rule()
        def refund_last(self) -> None:
            m = self.m
            live = [pid for pid, p in m.paid.items() if not p.refunded]
            if not live:
                return
            pid = live[-1]
            got = self.attempt(lambda: payments.refund_payment(program, pid, f"re-{pid}", m.now))
            assert got == "OK"
            p = m.paid[pid]
            p.refunded = True
            if p.membership_id != self.membership_id:  # an earlier membership, already ended
                return
            running = p.start <= m.now and (p.end is None or p.end > m.now)
            if p.start > m.now and m.status == "ACTIVE":
                m.period_end = p.start
            elif running and m.status == "ACTIVE":
                m.period_end = m.now if p.end is not None else None
                m.status, m.next_plan = "EXPIRED", None

        # --- time and the job --------------------------------------------------------

        @rule(hours=st.sampled_from([1, 24, 24 * 7, 24 * 29, 24 * 31, 24 * 366]))
        def clock_moves(self, hours: int) -> None:
            self.m.now += timedelta(hours=hours)

        @rule()
        def renewal_job(self) -> None:
            m = self.m
            self.run(lambda: renew_memberships(m.now, program))
            if m.status == "ACTIVE" and m.period_end is not None and m.period_end <= m.now:
                if m.cancel_at_end:
                    m.status = "CANCELED"
                else:
                    if m.next_plan and plan_of(m.next_plan).interval is not PlanInterval.LIFETIME:
                        m.plan, m.next_plan = m.next_plan, None
                    m.status, m.grace_end = "PAST_DUE", m.period_end + timedelta(days=plan_of(m.plan).grace_days)
            if m.status == "PAST_DUE" and m.grace_end is not None and m.grace_end <= m.now:
                m.status, m.next_plan = "EXPIRED", None
            for p in m.paid.values():
                if (p.credit and not p.posted and not p.refunded and p.start <= m.now and m.status == "ACTIVE"
                        and p.membership_id == self.membership_id):
                    p.posted = True

        # --- after every step ----------------------------------------------------------

        @invariant()
        def matches_the_model(self) -> None:
            m = self.m
            if self.membership_id is None:
                return

            async def read() -> tuple:
                row = await Membership.get(id=self.membership_id)
                plan = await active_plan(program, self.member, m.now)
                wallet = await get_wallet(self.member, m.now)
                return row, plan.code if plan else None, wallet.credit_minor, wallet.credit_owed_minor, \
                    await verify_ledger()

            row, perks, credit, owed, violations = self.run(read)
            assert (row.status, row.plan_code, row.next_plan_code) == (m.status, m.plan, m.next_plan)
            assert row.current_period_end == m.period_end
            if m.status in LIVE:
                assert row.cancel_at_period_end == m.cancel_at_end
            assert perks == m.perks()
            assert credit - owed == m.credit()
            assert violations == []

    return MembershipMachine


async def test_the_lifecycle_against_a_plain_model(runtime):
    program = runtime.program.program
    machine = make_machine(asyncio.get_running_loop(), program)
    await asyncio.to_thread(run_state_machine_as_test, machine, settings=MODEL_SETTINGS)
