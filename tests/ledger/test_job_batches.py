"""The nightly ledger jobs split their work into ranges of members or accounts, one
transaction each (`loyalty.ledger.batches`): with one id per range, three members take three
transactions, and the outcome is exactly the outcome of one."""
from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty import changes, clock
from loyalty.ledger import batches
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.expiry import expire_points
from loyalty.ledger.models import Transfer
from loyalty.outbox import OutboxEvent
from tests.ledger.test_ledger_rules import AVAILABLE, T0, amsterdam_month_end, assert_ledger_is_consistent, buy, \
    new_member, wallet


def test_ranges_hold_at_most_the_batch_size_of_the_ids_due():
    assert batches.ranges([9, 3, 4, 3, 20, 1], size=2) == [(1, 3), (4, 9), (20, 20)]
    assert batches.ranges([], size=2) == []
    assert batches.ranges([5], size=2) == [(5, 5)]


@pytest.mark.parametrize("size", [1, 2, 1000])
async def test_both_jobs_give_the_same_outcome_whatever_the_batch_size(runtime, monkeypatch, size):
    monkeypatch.setattr(batches, "BATCH_SIZE", size)
    program = runtime.program.program
    transactions = []
    real = changes.set_based_change

    def counted():
        transactions.append(1)
        return real()

    monkeypatch.setattr(changes, "set_based_change", counted)
    with clock.frozen_at(T0):
        ids = [await new_member(f"m{n}@example.com") for n in range(3)]
        for n, member_id in enumerate(ids):
            await buy(program, member_id, f"O-{n}", f"{10 * (n + 1)}.00")
    with clock.frozen_at(AVAILABLE):
        assert await activate_pending(AVAILABLE) == 3
        assert [await wallet(m) for m in ids] == [(10, 0, 10, 0), (20, 0, 20, 0), (30, 0, 30, 0)]
        assert len(transactions) == (3 if size == 1 else 2 if size == 2 else 1)
        assert await activate_pending(AVAILABLE) == 0
    expiry = amsterdam_month_end(2028, 3)
    transactions.clear()
    with clock.frozen_at(expiry):
        assert await expire_points(expiry) == 60
        assert [await wallet(m) for m in ids] == [(0, 0, 10, 0), (0, 0, 20, 0), (0, 0, 30, 0)]
        assert len(transactions) == (3 if size == 1 else 2 if size == 2 else 1)
        expired = await Transfer.filter(code="EXPIRY").order_by("member_id").values_list("member_id", "amount")
        assert expired == [(ids[0], 10), (ids[1], 20), (ids[2], 30)]
        assert await OutboxEvent.filter(topic="points.expired").count() == 3
        assert await expire_points(expiry + timedelta(days=1)) == 0
        await assert_ledger_is_consistent()
