"""recordPurchase's lean path (FAST_PURCHASES, PostgreSQL): two round trips for a purchase paid
with no balance, whatever the member's history, with the rows, balances, events and tier
changes the full path makes; idempotency found by the insert itself."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bench.round_trips import counting
from loyalty import clock
from loyalty.audit.record import CLI
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.gdpr.erasure import erase
from loyalty.ledger.accounts import program_balances
from loyalty.ledger.models import Account, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.purchases import fast
from loyalty.purchases.models import Purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.staff.blocks import block_member
from loyalty.tiers.models import TierState, TierTotal
from tests.conftest import requires_postgres
from tests.support.members import new_member
from tests.support.program import demo_without_new_member_bonus, use_program

pytestmark = requires_postgres

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
async def program(runtime):
    program = await use_program(runtime, demo_without_new_member_bonus())
    fast.enable(True)
    yield program
    fast.enable(False)


async def buy(program, member: int, order: str, amount: str, at: datetime = NOW, **extra):
    with clock.frozen_at(at):
        return await record_purchase(program, PurchaseRequest(member, order, Decimal(amount), "EUR", **extra))


async def rows_of(member: int) -> tuple:
    """What a purchase leaves behind, without ids and times of writing."""
    transfers = [(t.code, t.amount, t.status, t.memo, t.available_at, t.lot_expires_at)
                 for t in await Transfer.filter(member_id=member).order_by("id")]
    accounts = sorted((a.asset, a.posted, a.pending_in, a.pending_out, a.lifetime_earned)
                      for a in await Account.filter(member_id=member))
    events = sorted(((e.created_at, e.topic, json.dumps(e.payload, sort_keys=True))
                     for e in await OutboxEvent.filter(member_id=member)))  # one frozen moment: ties
    events = [(topic, json.loads(payload)) for _, topic, payload in events]
    state = await TierState.get(member_id=member)
    totals = [(t.day, t.spend_minor, t.purchases, t.points) for t in await TierTotal.filter(member_id=member)]
    return transfers, accounts, events, (state.level, state.valid_until, state.baseline_level), totals


async def test_a_steady_state_purchase_takes_two_round_trips(program):
    ann = await new_member()
    await buy(program, ann, "O-1", "10.00")  # the first: accounts and tier state are made on the full path
    with counting() as counted:
        await buy(program, ann, "O-2", "20.00")
    with counting() as warm:
        bought = await buy(program, ann, "O-3", "30.00")
    # Each pooled connection prepares the two statements the first time it runs them, once.
    assert (len(counted.statements), counted.prepares <= 2) == (fast.ROUND_TRIPS, True), counted.statements
    assert (len(warm.statements), warm.prepares <= 2) == (fast.ROUND_TRIPS, True), warm.statements
    assert (bought.points_awarded, bought.order_id) == (30, "O-3")
    assert await Purchase.filter(member_id=ann).count() == 3
    assert [str(v) for v in await verify_ledger()] == []


async def test_a_member_with_a_long_history_takes_the_same_round_trips(program):
    ann = await new_member()
    for day in range(40):
        await buy(program, ann, f"H-{day}", "1.00", NOW - timedelta(days=day))
    with counting() as warm:
        await buy(program, ann, "O-1", "5.00")
    assert (len(warm.statements), warm.prepares <= 2) == (fast.ROUND_TRIPS, True), warm.statements
    assert sum(t.purchases for t in await TierTotal.filter(member_id=ann)) == 41
    assert [str(v) for v in await verify_ledger()] == []


async def test_the_lean_path_leaves_what_the_full_path_leaves(program):
    ann, bob = await new_member("ann@example.com"), await new_member("bob@example.com")
    for member, name in ((ann, "ann"), (bob, "bob")):
        await buy(program, member, f"first-{name}", "100.00")  # the full path: the member's first purchase
    await buy(program, ann, "silver-ann", "450.00")  # reaches Silver: a tier event
    await buy(program, ann, "cashback-ann", "80.00")
    await buy(program, ann, "more-ann", "30.00")  # cashback on the lean path, the credit account made
    fast.enable(False)
    for order in ("silver", "cashback", "more"):
        await buy(program, bob, f"{order}-bob", {"silver": "450.00", "cashback": "80.00", "more": "30.00"}[order])
    lean, full = await rows_of(ann), await rows_of(bob)
    assert repr(lean).replace("-ann", "-X") == repr(full).replace("-bob", "-X")
    assert lean[3][0] == "silver"
    assert [str(v) for v in await verify_ledger()] == []


async def test_a_repeated_order_is_replayed_and_a_changed_one_refused_changing_nothing(program):
    ann = await new_member()
    await buy(program, ann, "O-1", "10.00")
    first = await buy(program, ann, "O-2", "20.00")
    again = await buy(program, ann, "O-2", "20.00")
    assert (again.id, again.points_awarded) == (first.id, 20)
    before = await rows_of(ann)
    with pytest.raises(LoyaltyError) as refused:
        await buy(program, ann, "O-2", "25.00")
    assert refused.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert await rows_of(ann) == before
    assert await Purchase.filter(member_id=ann).count() == 2


async def test_a_purchase_paying_with_points_takes_the_full_path(program):
    ann = await new_member()
    await buy(program, ann, "O-1", "100.00", occurred_at=NOW - timedelta(days=30))  # posted: 100 points
    with counting() as counted:
        paid = await buy(program, ann, "O-2", "20.00", points_to_spend=100)
    assert len(counted.statements) > fast.ROUND_TRIPS + 4
    assert (paid.points_spent, paid.points_awarded) == (100, 19)


async def test_purchases_book_against_the_sub_accounts_and_reports_sum_them(program):
    members = [await new_member(f"m{i}@example.com") for i in range(10)]
    for member in members:
        await buy(program, member, f"A-{member}", "10.00")
        await buy(program, member, f"B-{member}", "15.00")
    sub_accounts = await Account.filter(kind="program", asset="POINTS", code__startswith="issuance#")
    assert len(sub_accounts) > 1 and sum(a.pending_out for a in sub_accounts) > 0
    issuance = program_balances()
    assert (await issuance)[("POINTS", "issuance")] == (0, 0, 10 * 25)
    assert [str(v) for v in await verify_ledger()] == []


async def test_a_gold_member_with_cashback_takes_two_round_trips(program):
    ann = await new_member()
    await buy(program, ann, "O-1", "1600.00")  # gold: 2x points and 5% cashback
    await buy(program, ann, "O-2", "10.00")  # the credit account is made
    with counting() as warm:
        bought = await buy(program, ann, "O-3", "10.00")
    assert (len(warm.statements), warm.prepares <= 2) == (fast.ROUND_TRIPS, True), warm.statements
    assert (bought.points_awarded, bought.cashback_minor) == (20, 50)
    assert [str(v) for v in await verify_ledger()] == []


async def test_an_erased_member_is_refused_on_the_lean_path_as_on_the_full_one(program):
    ann, bob = await new_member("ann@example.com"), await new_member("bob@example.com")
    for member, name in ((ann, "ann"), (bob, "bob")):
        await buy(program, member, f"first-{name}", "10.00")
        await buy(program, member, f"second-{name}", "10.00")  # the lean path would take the next one
        await erase(member, f"erase-{name}", "cli", NOW)
    refused = {}
    for member, on in ((ann, True), (bob, False)):
        fast.enable(on)
        before = await rows_of(member)
        with counting() as counted, pytest.raises(LoyaltyError) as error:
            await buy(program, member, f"after-{member}", "20.00")
        refused[on] = (error.value.code, error.value.field, str(error.value))
        assert await rows_of(member) == before
        assert await Purchase.filter(member_id=member, order_id=f"after-{member}").count() == 0
        if on:  # refused from the facts: nothing written
            assert [s.split("(")[0] for s in counted.statements][:1] == ["SELECT loyalty_purchase_facts"]
            assert not [s for s in counted.statements if "loyalty_record_purchase" in s]
    assert refused[True] == refused[False] == (ErrorCode.NOT_FOUND, "member_id", "No member with that id or number.")
    assert [str(v) for v in await verify_ledger()] == []


async def test_a_blocked_member_earns_on_the_lean_path_as_on_the_full_one_and_cannot_pay(program):
    ann, bob = await new_member("ann@example.com"), await new_member("bob@example.com")
    for member, name in ((ann, "ann"), (bob, "bob")):
        await buy(program, member, f"first-{name}", "100.00", NOW - timedelta(days=30))  # posted: 100 points
        await block_member(CLI, member, "review", NOW)
    fast.enable(True)
    with counting() as counted:
        lean = await buy(program, ann, "earn-ann", "20.00")
    assert len(counted.statements) == fast.ROUND_TRIPS
    fast.enable(False)
    full = await buy(program, bob, "earn-bob", "20.00")
    assert (lean.points_awarded, full.points_awarded) == (20, 20)
    assert repr(await rows_of(ann)).replace("-ann", "-X") == repr(await rows_of(bob)).replace("-bob", "-X")
    fast.enable(True)
    with pytest.raises(LoyaltyError) as paying:
        await buy(program, ann, "pay-ann", "20.00", points_to_spend=100)
    assert paying.value.code is ErrorCode.MEMBER_BLOCKED
    assert await Purchase.filter(member_id=ann, order_id="pay-ann").count() == 0
    assert [str(v) for v in await verify_ledger()] == []
