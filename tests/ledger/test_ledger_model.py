"""The ledger against a reference model: a hypothesis state machine drives purchases
(with pay-with-points, replays and conflicting replays), partial and full refunds,
actions, a settable clock, the activation job and the expiry job, and after every step
checks each member's wallet against the plain-Python model in reference_model.py, every
rule verify_ledger() checks, and that transfers are append-only (rule 2).

The domain code is async and bound to the session event loop the fixtures use, so the
state machine runs in a worker thread and each step runs its coroutine on the test's
loop (run_coroutine_threadsafe), with the clock frozen at the model's "now" (frozen_at,
so nothing else in the process sees it). Each example starts from an emptied database.

The run is derandomized and keeps no example database. For a longer, random search:
LEDGER_MODEL_RANDOM=1 LEDGER_MODEL_EXAMPLES=500 LEDGER_MODEL_STEPS=60 pytest this file.
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from loyalty import clock, sql
from loyalty.actions.service import record_action
from loyalty.errors import LoyaltyError
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.expiry import expire_points
from loyalty.ledger.verify import verify_ledger
from loyalty.members import service as members
from loyalty.program.spec import ActionKind, ExpiryPolicy, Program
from loyalty.purchases.models import Purchase
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.wallet import get_wallet
from tests.conftest import _clear_tables
from tests.ledger import reference_model as ref

T = TypeVar("T")
UTC = timezone.utc

# Starting moments: an ordinary day, just before midnight in Amsterdam at the end of a
# month and of a year, and the night the clocks go forward.
STARTS = (
    datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
    datetime(2026, 1, 31, 22, 30, tzinfo=UTC),
    datetime(2025, 12, 31, 22, 45, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
)

MAX_EXAMPLES = int(os.environ.get("LEDGER_MODEL_EXAMPLES", "25"))
STEPS = int(os.environ.get("LEDGER_MODEL_STEPS", "30"))
MODEL_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    database=None,  # reproducible, and nothing written into the repository
    derandomize=not os.environ.get("LEDGER_MODEL_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

AMOUNTS = st.one_of(st.integers(1, 300), st.integers(1, 60_000))  # cents
# points_to_spend: none, 0 (the same as none), some, part or all of the balance, as much as
# the order takes, one more than the balance, worth more than the order
SPEND_MODES = st.sampled_from(
    ["none", "none", "zero", "some", "part", "part", "all", "fit", "fit", "too_many", "over_order"]
)

ORDER_KINDS = st.sampled_from(["any", "paid_with_points", "posted", "pending", "open"])
# Offsets a shop may report occurredAt in.
OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5)),
                           timezone(timedelta(hours=5, minutes=45))])

TRANSFER_COLUMNS = (
    "id, asset, debit_account_id, credit_account_id, amount, code, status, idempotency_key, reference, "
    "reverses_id, member_id, purchase_id, memo, occurred_at, available_at, lot_expires_at, created_at, "
    "posted_at, voided_at, batch_id"
)
# What may change on a pending transfer, once, when it is posted or voided.
SETTLING = ("status", "posted_at", "voided_at", "batch_id")


def _as_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(UTC)


def _check_program(program: Program) -> None:
    """The model hard-codes the demo program: fail loudly if the demo changes."""
    settings_ = program.program
    assert settings_.currency == "EUR" and settings_.minor_units == 2
    assert settings_.points_per_currency_unit == Decimal(ref.POINTS_PER_EUR)
    assert settings_.point_value == Decimal("0.01")
    assert settings_.pending_days == ref.PENDING_DAYS
    assert settings_.points_rounding.value == "down"
    assert settings_.timezone == str(ref.ZONE)
    assert program.expiry.policy is ExpiryPolicy.PER_LOT
    assert program.expiry.months == ref.EXPIRY_MONTHS and program.expiry.round_to_month_end
    rules = {
        r.action.value: (r.points, r.limit.count, r.limit.per.value) for r in program.earning_rules if r.limit
    }
    assert rules == ref.EARNING_RULES, rules


def make_machine(loop: asyncio.AbstractEventLoop, program: Program) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        """One example: a fresh database, two members, and the model beside them."""

        def __init__(self) -> None:
            super().__init__()
            self.model: ref.LedgerModel | None = None
            self.order_ids: list[str] = []  # every order id tried, recorded or not
            self.refund_ids: list[str] = []
            self.counter = 0
            self.expect_unchanged = False
            self.transfers: dict[int, dict[str, Any]] = {}
            self.allocations: dict[int, tuple] = {}
            self.lots: dict[int, tuple] = {}
            self.counts: list[dict] = []

        # --- the bridge to the event loop -------------------------------------------

        def run(self, make: Callable[[], Awaitable[T]], now: datetime | None = None) -> T:
            """Runs the coroutine `make()` on the test's event loop, at the model's time."""
            now = now or self.model.now

            async def step() -> T:
                with clock.frozen_at(now):
                    return await make()

            return asyncio.run_coroutine_threadsafe(step(), loop).result()

        def refused(self, make: Callable[[], Awaitable[Any]], code: str) -> None:
            try:
                self.run(make)
            except LoyaltyError as exc:
                assert exc.code.value == code, f"expected {code}, got {exc.code.value}: {exc}"
            else:
                raise AssertionError(f"expected {code}, but the request succeeded")
            self.expect_unchanged = True

        @property
        def member_ids(self) -> list[int]:
            return list(self.model.members)

        def new_id(self, prefix: str) -> str:
            self.counter += 1
            return f"{prefix}-{self.counter}"

        # --- start ------------------------------------------------------------------

        @initialize(
            start=st.sampled_from(STARTS),
            earlier=st.lists(st.tuples(st.integers(0, 1), st.integers(100, 60_000), st.integers(0, 40 * 24)),
                             max_size=3),
        )
        def start(self, start: datetime, earlier: list[tuple[int, int, int]]) -> None:
            """A fresh database with two members, who may have bought something already
            (posted at once when reported 14 days or more after it happened)."""
            async def fresh() -> list[int]:
                await _clear_tables()
                ids = []
                for n in range(2):
                    data = members.validate_new_member(
                        members.NewMember(f"m{n}@example.com", "x" * 12, f"Member {n}"), "en"
                    )
                    ids.append((await members.create_member(data, "hash")).id)
                return ids

            self.model = ref.LedgerModel(self.run(fresh, start), start)
            for who, amount_minor, hours in earlier:
                self.new_purchase(who, amount_minor, "none", 0, start - timedelta(hours=hours))

        # --- purchases --------------------------------------------------------------

        def purchase(self, member: int, order_id: str, amount_minor: int, spend: int | None,
                     occurred_at: datetime | None, *, decimals: int = 2) -> None:
            model = self.model
            request = PurchaseRequest(
                member, order_id, Decimal(amount_minor * 10 ** (decimals - 2)).scaleb(-decimals), "EUR",
                occurred_at=occurred_at, points_to_spend=spend,
            )
            if order_id.strip() not in self.order_ids:
                self.order_ids.append(order_id.strip())
            try:
                expected, replayed = model.record_purchase(member, order_id, amount_minor, spend, occurred_at)
            except ref.Refused as refusal:
                self.refused(lambda: record_purchase(program, request), refusal.code)
                return
            got = self.run(lambda: record_purchase(program, request))
            self.expect_unchanged = replayed
            self.check_purchase(got, expected)

        def new_purchase(self, who: int, amount_minor: int, spend_mode: str, spend: int,
                         occurred_at: datetime | None) -> None:
            member = self.member_ids[who]
            balance = self.model.members[member].points
            points = {
                "none": None, "zero": 0, "some": spend, "part": max(1, balance * spend // 1000),
                "all": balance or None, "fit": min(balance, amount_minor) or None, "too_many": balance + 1,
                "over_order": amount_minor + 1,
            }[spend_mode]
            self.purchase(member, self.new_id("O"), amount_minor, points, occurred_at)

        @rule(who=st.integers(0, 1), amount_minor=AMOUNTS, spend_mode=SPEND_MODES, spend=st.integers(1, 800))
        def record_purchase(self, who: int, amount_minor: int, spend_mode: str, spend: int) -> None:
            self.new_purchase(who, amount_minor, spend_mode, spend, None)

        @rule(
            who=st.integers(0, 1), amount_minor=AMOUNTS, spend_mode=SPEND_MODES, spend=st.integers(1, 800),
            minutes=st.one_of(st.integers(-7, 0), st.integers(0, 30 * 24 * 60)), offset=OFFSETS,
        )
        def record_earlier_purchase(self, who: int, amount_minor: int, spend_mode: str, spend: int,
                                    minutes: int, offset: timezone) -> None:
            """Reported late, in the shop's time zone: pending for less than 14 days, or
            posted at once (or from a shop whose clock runs a few minutes fast)."""
            occurred_at = (self.model.now - timedelta(minutes=minutes)).astimezone(offset)
            self.new_purchase(who, amount_minor, spend_mode, spend, occurred_at)

        @precondition(lambda self: self.order_ids)
        @rule(
            pick=st.integers(0, 10**6),
            change=st.sampled_from(
                ["same", "same", "zero_for_none", "written_otherwise", "amount", "member", "points", "occurred_at"]
            ),
        )
        def replay_purchase(self, pick: int, change: str) -> None:
            order_id = self.order_ids[pick % len(self.order_ids)]
            order = self.model.orders.get(order_id)
            if order is None:  # refused the first time: a new attempt with the same id
                self.purchase(self.member_ids[pick % 2], order_id, 1000, None, None)
                return
            member, amount_minor, spend, occurred_at = order.args
            spend = spend or None
            if change == "zero_for_none" and spend is None:
                spend = 0  # the same request: no points to spend
            elif change == "amount":
                amount_minor += 1
            elif change == "member":
                member = next(m for m in self.member_ids if m != member)
            elif change == "points":
                spend = (spend or 0) + 1
            elif change == "occurred_at":
                occurred_at = (occurred_at or order.occurred_at) - timedelta(minutes=1)
            elif change == "written_otherwise":  # the same request: "12.5" as "12.500", another offset
                if occurred_at is not None:
                    occurred_at = occurred_at.astimezone(timezone(timedelta(hours=-3, minutes=-30)))
                self.purchase(member, f" {order_id}  ", amount_minor, spend, occurred_at, decimals=pick % 2 + 3)
                return
            self.purchase(member, order_id, amount_minor, spend, occurred_at)

        def check_purchase(self, got: Purchase, expected: ref.Order) -> None:
            assert got.order_id == expected.order_id
            assert (
                got.member_id, got.amount_minor, got.points_awarded, got.points_spent, got.refunded_minor,
                got.points_clawed_back, got.points_restored,
            ) == (
                expected.member, expected.amount_minor, expected.awarded, expected.spent,
                expected.refunded_minor, expected.clawed_back, expected.restored,
            ), f"purchase {expected.order_id}"

        # --- refunds ----------------------------------------------------------------

        def refund(self, order_id: str, refund_id: str, amount_minor: int) -> None:
            if refund_id.strip() not in self.refund_ids:
                self.refund_ids.append(refund_id.strip())
            request = RefundRequest(order_id, refund_id, Decimal(amount_minor).scaleb(-2))
            try:
                expected, replayed = self.model.refund(order_id, refund_id, amount_minor)
            except ref.Refused as refusal:
                self.refused(lambda: refund_purchase(program, request), refusal.code)
                return
            got = self.run(lambda: refund_purchase(program, request))
            self.expect_unchanged = replayed
            self.check_purchase(got, expected)

        def pick_order(self, pick: int, kind: str) -> ref.Order:
            """An order, preferring those of the given kind: paid with points, with posted
            or pending points, or not refunded in full."""
            orders = list(self.model.orders.values())
            wanted = [o for o in orders if {
                "any": True,
                "paid_with_points": o.spent > 0,
                "posted": o.earn_state == "posted",
                "pending": o.earn_state == "pending",
                "open": o.refunded_minor < o.amount_minor,
            }[kind]]
            candidates = wanted or orders
            return candidates[pick % len(candidates)]

        @precondition(lambda self: self.model.orders)
        @rule(
            pick=st.integers(0, 10**6), kind=ORDER_KINDS,
            part=st.sampled_from(["rest", "rest", "fraction", "fraction", "one_cent", "too_much"]),
            fraction=st.floats(0.01, 0.99),
        )
        def refund_order(self, pick: int, kind: str, part: str, fraction: float) -> None:
            order = self.pick_order(pick, kind)
            rest = order.amount_minor - order.refunded_minor
            amount = {
                "rest": rest,
                "fraction": max(1, int(rest * fraction)),
                "one_cent": 1,
                "too_much": rest + 1 + int(fraction * 100),
            }[part]
            self.refund(order.order_id, self.new_id("R"), amount)

        @precondition(lambda self: self.model.orders)
        @rule(pick=st.integers(0, 10**6), kind=ORDER_KINDS, fraction=st.floats(0.01, 1.0))
        def refund_part(self, pick: int, kind: str, fraction: float) -> None:
            order = self.pick_order(pick, kind)
            rest = order.amount_minor - order.refunded_minor
            self.refund(order.order_id, self.new_id("R"), max(1, round(rest * fraction)))

        @precondition(lambda self: self.refund_ids)
        @rule(
            pick=st.integers(0, 10**6),
            change=st.sampled_from(["same", "same", "padded", "amount", "order", "missing"]),
        )
        def replay_refund(self, pick: int, change: str) -> None:
            refund_id = self.refund_ids[pick % len(self.refund_ids)]
            earlier = self.model.refunds.get(refund_id)
            if earlier is None:  # refused the first time, or an unknown order
                order_id = self.order_ids[pick % len(self.order_ids)] if self.order_ids else "O-none"
                self.refund(order_id, refund_id, 1)
                return
            order_id, amount = earlier
            if change == "amount":
                amount += 1
            elif change == "order":
                order_id = self.order_ids[pick % len(self.order_ids)]
            elif change == "missing":
                order_id, refund_id = "O-missing", self.new_id("R")
            elif change == "padded":  # the same request
                order_id, refund_id = f"{order_id} ", f"  {refund_id}"
            self.refund(order_id, refund_id, amount)

        # --- actions ----------------------------------------------------------------

        @rule(
            who=st.integers(0, 1),
            action=st.sampled_from(sorted(ref.EARNING_RULES)),
            reference=st.sampled_from(["a", "b", "c", "d", "e", "f", " a", "b  "]),
        )
        def action(self, who: int, action: str, reference: str) -> None:
            member = self.member_ids[who]
            try:
                points, limited, replayed = self.model.record_action(member, action, reference)
            except ref.Refused as refusal:
                self.refused(lambda: record_action(program, member, ActionKind(action), reference), refusal.code)
                return
            got = self.run(lambda: record_action(program, member, ActionKind(action), reference))
            assert (got.points_awarded, got.limit_reached) == (points, limited), (action, reference)
            if replayed:
                assert got.replayed
            self.expect_unchanged = replayed

        # --- time and jobs ----------------------------------------------------------

        @rule(
            step=st.one_of(
                st.integers(1, 72).map(lambda h: timedelta(hours=h)),
                st.integers(1, 40).map(lambda d: timedelta(days=d)),
                st.integers(700, 760).map(lambda d: timedelta(days=d)),
            ),
            minutes=st.integers(0, 59),
            microseconds=st.sampled_from([0, 0, 1, 500_000, 999_999]),
            jobs=st.sampled_from(["none", "activation", "both"]),
        )
        def advance_clock(self, step: timedelta, minutes: int, microseconds: int, jobs: str) -> None:
            """Time passes; the scheduler may run the jobs at the new time."""
            self.model.now += step + timedelta(minutes=minutes, microseconds=microseconds)
            if jobs != "none":
                self.run_activation()
            if jobs == "both":
                self.run_expiry()
            self.expect_unchanged = jobs == "none"

        @rule(
            moment=st.sampled_from(["available", "expiry", "midnight"]),
            nudge=st.sampled_from([timedelta(0), timedelta(microseconds=-1), timedelta(microseconds=1)]),
            jobs=st.sampled_from(["activation", "expiry", "none"]),
        )
        def advance_to_boundary(self, moment: str, nudge: timedelta, jobs: str) -> None:
            """To the moment pending points become available, points expire, or a day
            begins in the program's time zone (or a microsecond either side)."""
            model = self.model
            if moment == "available":
                moments = [o.available_at for o in model.orders.values() if o.earn_state == "pending"]
            elif moment == "expiry":
                moments = [lot.expires_at for m in model.members.values() for lot in m.lots if lot.remaining]
            else:
                local = model.now.astimezone(ref.ZONE).date() + timedelta(days=1)
                moments = [datetime(local.year, local.month, local.day, tzinfo=ref.ZONE).astimezone(UTC)]
            later = [at + nudge for at in moments if at + nudge > model.now]
            if later:
                model.now = min(later)
            if jobs == "activation":
                self.run_activation()
            elif jobs == "expiry":
                self.run_expiry()
            else:
                self.expect_unchanged = True

        @rule()
        def run_activation(self) -> None:
            expected = self.model.activate()
            now = self.model.now
            assert self.run(lambda: activate_pending(now)) == expected

        @rule()
        def run_expiry(self) -> None:
            expected = self.model.expire()
            now = self.model.now
            assert self.run(lambda: expire_points(now)) == expected

        # --- after every step -------------------------------------------------------

        @invariant()
        def wallets_match_the_model(self) -> None:
            if self.model is None:
                return
            now = self.model.now
            for member in self.member_ids:
                wallet = self.run(lambda: get_wallet(member, now))
                expected = self.model.wallet(member)
                got = ref.Wallet(
                    points=wallet.points, pending_points=wallet.pending_points,
                    lifetime_points=wallet.lifetime_points, points_owed=wallet.points_owed,
                    expiring=tuple((e.points, _as_utc(e.expires_at)) for e in wallet.expiring),
                )
                assert got == expected, f"member {member} at {now}:\n  system {got}\n  model  {expected}"

        @invariant()
        def purchases_match_the_model(self) -> None:
            if self.model is None:
                return
            rows = self.run(lambda: Purchase.all())
            assert sorted(p.order_id for p in rows) == sorted(self.model.orders)
            for row in rows:
                self.check_purchase(row, self.model.orders[row.order_id])

        @invariant()
        def ledger_verifies(self) -> None:
            if self.model is None:
                return
            assert [str(v) for v in self.run(verify_ledger)] == []

        @invariant()
        def transfers_are_append_only(self) -> None:
            """Rule 2, and the same for lot allocations; lots change only their remainder."""
            if self.model is None:
                return

            async def read() -> tuple[list[dict], ...]:
                return (
                    await sql.fetch(f"SELECT {TRANSFER_COLUMNS} FROM ledger_transfers"),
                    await sql.fetch("SELECT id, lot_id, transfer_id, amount FROM ledger_lot_allocations"),
                    await sql.fetch(
                        "SELECT id, account_id, transfer_id, amount, earned_at, expires_at FROM ledger_lots"
                    ),
                    await sql.fetch(
                        "SELECT (SELECT COUNT(*) FROM outbox_events) AS events, (SELECT COUNT(*) FROM purchases) "
                        "AS purchases, (SELECT COUNT(*) FROM refunds) AS refunds, "
                        "(SELECT COUNT(*) FROM action_records) AS actions"
                    ),
                )

            rows, allocation_rows, lot_rows, counts = self.run(read)
            transfers = {r["id"]: r for r in rows}
            allocations = {r["id"]: tuple(r.values()) for r in allocation_rows}
            lots = {r["id"]: tuple(r.values()) for r in lot_rows}
            now = self.model.now
            for transfer_id, old in self.transfers.items():
                new = transfers.get(transfer_id)
                assert new is not None, f"transfer {transfer_id} was deleted"
                changed = {k for k in old if old[k] != new[k]}
                if not changed:
                    continue
                assert old["status"] == "pending", f"posted/voided transfer {transfer_id} changed: {changed}"
                assert changed <= set(SETTLING), f"transfer {transfer_id} changed {changed - set(SETTLING)}"
                assert new["status"] in ("posted", "voided"), (transfer_id, new["status"])
                moment = new["posted_at"] if new["status"] == "posted" else new["voided_at"]
                assert _as_utc(moment) == now, f"transfer {transfer_id} settled at {moment}, not {now}"
                assert new["batch_id"] is not None or new["status"] == "voided"
            for allocation_id, old in self.allocations.items():
                assert allocations.get(allocation_id) == old, f"lot allocation {allocation_id} changed or vanished"
            for lot_id, old in self.lots.items():
                assert lots.get(lot_id) == old, f"lot {lot_id} changed or vanished"
            if self.expect_unchanged:
                assert transfers.keys() == self.transfers.keys(), "a refused or replayed request wrote transfers"
                assert allocations.keys() == self.allocations.keys()
                assert lots.keys() == self.lots.keys()
                assert counts == self.counts, "a refused or replayed request wrote rows"
            self.transfers, self.allocations, self.lots, self.counts = transfers, allocations, lots, counts
            self.expect_unchanged = False

    return LedgerMachine


async def test_ledger_against_reference_model(runtime):
    program = runtime.program.program
    _check_program(program)
    machine = make_machine(asyncio.get_running_loop(), program)
    await asyncio.to_thread(run_state_machine_as_test, machine, settings=MODEL_SETTINGS)
