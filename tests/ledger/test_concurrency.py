"""Exactly once and never below zero under real concurrency: two `loyalty serve` processes on
PostgreSQL, each with its own connection pool, taking requests fired at the same time.
verify-ledger (the command, and the function) finds nothing after each scenario.

The servers start once for the module, after the tables were emptied once: they keep the ids
of program accounts in memory, so the tables must not be emptied under them again. Each test
has members and order ids of its own instead.
"""
from __future__ import annotations

import asyncio
import contextlib
import subprocess
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from loyalty import outbox, sql
from loyalty.auth.api_keys import create_api_key
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.models import Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.members import service as members
from loyalty.outbox import OutboxEvent
from loyalty.purchases import fast, service as purchases_service
from loyalty.purchases.models import Purchase, Refund
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.settings import Settings
from loyalty.wallet import get_wallet
from tests.conftest import requires_postgres
from tests.support.concurrency import base_rate_settings, module_runtime, post_at_once, servers  # noqa: F401 - fixtures
from tests.support.servers import LOYALTY, Server, environment, run_command

pytestmark = requires_postgres

PURCHASE_FIELDS = """
  purchase { id orderId status pointsAwarded pointsSpent pointsTakenBack pointsReturned refundedAmount { amount } }
  errors { code field message }
"""
RECORD_PURCHASE = f"mutation($input: RecordPurchaseInput!) {{ recordPurchase(input: $input) {{ {PURCHASE_FIELDS} }} }}"
REFUND_PURCHASE = f"mutation($input: RefundPurchaseInput!) {{ refundPurchase(input: $input) {{ {PURCHASE_FIELDS} }} }}"


@pytest.fixture(scope="module")
async def api_key(servers: list[Server]) -> str:
    return (await create_api_key("shop backend", frozenset({"purchases:write"})))[1]


async def new_member() -> tuple[int, str]:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    data = members.validate_new_member(members.NewMember(email, "x" * 12, "Ann"), "en")
    row = await members.create_member(data, "hash")
    return row.id, row.member_number


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def fire(servers: list[Server], key: str, requests: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Sends every request at once with the API key `key`; returns each mutation's payload, in order."""
    return await post_at_once(servers, [(key, query, variables) for query, variables in requests])


async def one(servers: list[Server], key: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    (payload,) = await fire(servers[:1], key, [(query, variables)])
    assert payload["errors"] == [], payload["errors"]
    return payload["purchase"]


def purchase_input(member_number: str, order_id: str, amount: str, **extra: Any) -> dict[str, Any]:
    return {"input": {"memberNumber": member_number, "orderId": order_id, "amount": amount,
                      "currencyCode": "EUR", **extra}}


async def wallet(member_id: int) -> tuple[int, int, int]:
    w = await get_wallet(member_id, datetime.now(timezone.utc))
    return w.points, w.pending_points, w.points_owed


async def assert_ledger_is_consistent(settings: Settings) -> None:
    assert [str(v) for v in await verify_ledger()] == []
    done = run_command(settings, "verify-ledger")
    assert (done.returncode, done.stdout) == (0, "verify-ledger: the ledger is consistent\n"), done.stderr


async def test_100_concurrent_record_purchase_calls_with_one_order_id_award_exactly_once(servers, api_key, settings):
    member_id, number = await new_member()
    order_id = unique("O")
    request = (RECORD_PURCHASE, purchase_input(number, order_id, "100.00"))

    payloads = await fire(servers, api_key, [request] * 100)

    assert [p["errors"] for p in payloads] == [[]] * 100
    assert len({p["purchase"]["id"] for p in payloads}) == 1
    assert {(p["purchase"]["orderId"], p["purchase"]["pointsAwarded"]) for p in payloads} == {(order_id, 100)}
    purchase = await Purchase.get(order_id=order_id)
    assert (await Purchase.filter(member_id=member_id).count(), purchase.points_awarded) == (1, 100)
    assert [(t.code, t.amount, t.status) for t in await Transfer.filter(member_id=member_id)] == [
        ("EARN_PURCHASE", 100, "pending")]
    assert await OutboxEvent.filter(member_id=member_id, topic="points.earned").count() == 1
    assert await wallet(member_id) == (0, 100, 0)
    await assert_ledger_is_consistent(settings)


async def test_50_concurrent_pay_with_points_of_100_on_1000_points_succeed_exactly_10_times(servers, api_key, settings):
    member_id, number = await new_member()
    past = (datetime.now(timezone.utc) - timedelta(days=30)).isoformat()
    funded = await one(servers, api_key, RECORD_PURCHASE,
                       purchase_input(number, unique("FUND"), "1000.00", occurredAt=past))
    assert funded["pointsAwarded"] == 1000
    assert await wallet(member_id) == (1000, 0, 0)  # posted at once: its return window is over

    orders = [unique("PAY") for _ in range(50)]
    payloads = await fire(servers, api_key, [
        (RECORD_PURCHASE, purchase_input(number, order_id, "1.00", pointsToSpend=100)) for order_id in orders
    ])

    paid = [order_id for order_id, p in zip(orders, payloads) if not p["errors"]]
    refused = [p for p in payloads if p["errors"]]
    assert len(paid) == 10
    assert all(
        (p["purchase"]["pointsSpent"], p["purchase"]["pointsAwarded"]) == (100, 0)  # 1.00 - 100 x 0.01 earns 0
        for p in payloads if not p["errors"]
    )
    assert len(refused) == 40
    assert all(p["purchase"] is None for p in refused)
    assert Counter((e["code"], tuple(e["field"]), e["message"]) for p in refused for e in p["errors"]) == {
        ("INSUFFICIENT_POINTS", ("input", "pointsToSpend"), "Not enough points."): 40}
    # The refused ones recorded nothing.
    assert sorted(await Purchase.filter(order_id__in=orders).values_list("order_id", flat=True)) == sorted(paid)
    spends = await Transfer.filter(member_id=member_id, code="PAY_WITH_POINTS").values_list("amount", flat=True)
    assert spends == [100] * 10
    assert await Transfer.filter(member_id=member_id).count() == 1 + 10
    assert await OutboxEvent.filter(member_id=member_id, topic="points.spent").count() == 10
    assert await wallet(member_id) == (0, 0, 0)
    await assert_ledger_is_consistent(settings)


async def test_concurrent_replays_of_one_refund_id_refund_once(servers, api_key, settings):
    member_id, number = await new_member()
    order_id, refund_id = unique("O"), unique("R")
    past = (datetime.now(timezone.utc) - timedelta(days=30)).isoformat()
    await one(servers, api_key, RECORD_PURCHASE, purchase_input(number, order_id, "100.00", occurredAt=past))
    assert await wallet(member_id) == (100, 0, 0)

    request = (REFUND_PURCHASE, {"input": {"orderId": order_id, "refundId": refund_id, "amount": "40.00"}})
    payloads = await fire(servers, api_key, [request] * 50)

    assert [p["errors"] for p in payloads] == [[]] * 50
    assert {
        (p["purchase"]["pointsTakenBack"], p["purchase"]["status"], Decimal(p["purchase"]["refundedAmount"]["amount"]))
        for p in payloads
    } == {(40, "PARTIALLY_REFUNDED", Decimal("40.00"))}
    assert await Refund.filter(refund_id=refund_id).count() == 1
    purchase = await Purchase.get(order_id=order_id)
    assert (purchase.refunded_minor, purchase.points_clawed_back) == (4000, 40)
    clawbacks = await Transfer.filter(member_id=member_id, code="CLAWBACK").values_list("amount", "status")
    assert clawbacks == [(40, "posted")]
    assert await OutboxEvent.filter(member_id=member_id, topic="points.clawed_back").count() == 1
    assert await wallet(member_id) == (60, 0, 0)
    await assert_ledger_is_consistent(settings)


async def test_concurrent_refunds_with_other_ids_never_exceed_the_purchase(servers, api_key, settings):
    member_id, number = await new_member()
    order_id = unique("O")
    await one(servers, api_key, RECORD_PURCHASE, purchase_input(number, order_id, "100.00"))  # 100 pending

    refund_ids = [unique("R") for _ in range(10)]
    payloads = await fire(servers, api_key, [
        (REFUND_PURCHASE, {"input": {"orderId": order_id, "refundId": refund_id, "amount": "20.00"}})
        for refund_id in refund_ids
    ])

    assert Counter(e["code"] for p in payloads for e in p["errors"]) == {"REFUND_EXCEEDS_PURCHASE": 5}
    assert sorted(p["purchase"]["pointsTakenBack"] for p in payloads if not p["errors"]) == [20, 40, 60, 80, 100]
    assert await Refund.filter(refund_id__in=refund_ids).count() == 5
    purchase = await Purchase.get(order_id=order_id)
    assert (purchase.refunded_minor, purchase.points_clawed_back) == (10000, 100)
    assert await Transfer.filter(member_id=member_id, code="CLAWBACK").values_list("amount", "status") == [
        (20, "pending")] * 5
    assert await wallet(member_id) == (0, 0, 0)
    await assert_ledger_is_consistent(settings)


async def test_activation_run_by_two_processes_at_once_posts_each_transfer_once(
    servers, api_key, settings, tmp_path: Path,
):
    member_id, number = await new_member()
    for amount in ("10.00", "20.00", "30.00"):
        await one(servers, api_key, RECORD_PURCHASE, purchase_input(number, unique("O"), amount))
    assert await wallet(member_id) == (0, 60, 0)
    pending = await Transfer.filter(status="pending").count()
    assert pending >= 3  # earlier tests of the module leave pending transfers too

    moment = (datetime.now(timezone.utc) + timedelta(days=15)).isoformat()
    command = [str(LOYALTY), "run-job", "activate-pending", "--now", moment]
    jobs = [
        subprocess.Popen(command, env=environment(settings), cwd=tmp_path, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [job.communicate(timeout=60) for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], outputs
    counts = sorted(int(out.split(": ")[1].split(" at ")[0]) for out, _ in outputs)
    assert counts == [0, pending]
    assert await Transfer.filter(status="pending").count() == 0
    assert await wallet(member_id) == (60, 0, 0)
    assert await OutboxEvent.filter(member_id=member_id, topic="points.activated").count() == 1
    await assert_ledger_is_consistent(settings)


# -- lock order ----------------------------------------------------------------------------------
# Each member operation locks the member's account first and program accounts after it, as
# the statements reach them. The two tests below hold two transactions at the point where
# each has one lock the other needs next, in-process on two pooled connections, and expect
# both to finish. Both deadlock today (see the reasons).

STEP_TIMEOUT = 3.0


async def _all_or_raise(*aws: Any) -> list[Any]:
    """Awaits everything, then raises the first failure (nothing is left running)."""
    results = await asyncio.gather(*aws, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


async def _funded_member(program, points: int) -> int:
    member_id, _ = await new_member()
    past = datetime.now(timezone.utc) - timedelta(days=30)
    await record_purchase(program, PurchaseRequest(member_id, unique("FUND"), Decimal(points), "EUR", occurred_at=past))
    return member_id


async def test_a_pay_with_points_purchase_and_a_refund_of_other_members_at_once_both_finish(
    module_runtime, monkeypatch,
):
    program = module_runtime.program.program
    ann, bob = await _funded_member(program, 1000), await _funded_member(program, 1000)
    bob_order = unique("O")
    await record_purchase(program, PurchaseRequest(bob, bob_order, Decimal("50.00"), "EUR", points_to_spend=100))

    both_hold_one = asyncio.Barrier(2)
    emit = outbox.emit

    async def emit_then_meet(topic: str, member_id: int | None, payload: dict) -> Any:
        row = await emit(topic, member_id, payload)
        if topic in ("points.spent", "points.clawed_back"):
            # ann's purchase has moved points to `redemption`; bob's refund has taken points back to `issuance`.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(both_hold_one.wait(), STEP_TIMEOUT)
        return row

    monkeypatch.setattr(outbox, "emit", emit_then_meet)
    await _all_or_raise(
        record_purchase(program, PurchaseRequest(ann, unique("O"), Decimal("50.00"), "EUR", points_to_spend=100)),
        refund_purchase(program, RefundRequest(bob_order, unique("R"), Decimal("50.00"))),
    )
    assert await wallet(ann) == (900, 49, 0)  # 50.00 - 1.00 paid with points earns 49, pending
    assert await wallet(bob) == (1000, 0, 0)
    assert [str(v) for v in await verify_ledger()] == []


async def test_activation_and_a_purchase_by_a_member_it_posts_for_both_finish(module_runtime, monkeypatch):
    program = module_runtime.program.program
    await _funded_member(program, 10)  # the issuance account exists, with a lower id than bob's account
    bob, _ = await new_member()
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    await record_purchase(program, PurchaseRequest(bob, unique("O"), Decimal("10.00"), "EUR", occurred_at=yesterday))
    assert await wallet(bob) == (0, 10, 0)

    holding, release = asyncio.Event(), asyncio.Event()
    purchase_backend: list[int] = []
    lock = purchases_service.lock_member_account

    async def lock_then_wait(member_id: int, asset: Any) -> Any:
        account = await lock(member_id, asset)
        purchase_backend.append((await sql.fetch_one("SELECT pg_backend_pid() AS pid"))["pid"])
        holding.set()
        await release.wait()
        return account

    async def purchase() -> Any:
        return await record_purchase(program, PurchaseRequest(bob, unique("O"), Decimal("20.00"), "EUR"))

    async def job() -> int:
        await asyncio.wait_for(holding.wait(), 60)  # fails, rather than hangs, when nothing holds the lock
        # Due: yesterday's points (in 13 days), not those of the purchase held open (in 14).
        return await activate_pending(datetime.now(timezone.utc) + timedelta(days=13, hours=12))

    async def release_when_the_job_waits() -> None:
        await asyncio.wait_for(holding.wait(), 60)
        for _ in range(int(STEP_TIMEOUT / 0.01)):
            waiting = await sql.fetch_one(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))", purchase_backend[0])
            if waiting["n"]:
                break
            await asyncio.sleep(0.01)
        release.set()

    # The full path's lock is what this holds open: the lean path locks inside its one statement.
    monkeypatch.setattr(fast, "_enabled", False)
    monkeypatch.setattr(purchases_service, "lock_member_account", lock_then_wait)
    await _all_or_raise(purchase(), job(), release_when_the_job_waits())
    assert await wallet(bob) == (10, 20, 0)
    assert [str(v) for v in await verify_ledger()] == []
