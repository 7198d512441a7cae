"""Credit pass breakage: expire-passes moves what expired credit passes hold to the expiry
account by a few statements per range of passes (one PASS_EXPIRY transfer each), keeps
the ledger's rules, and a second run changes nothing."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from loyalty import changes, clock
from loyalty.ledger import batches
from loyalty.ledger.models import Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.passes.credit import balance_minor
from loyalty.passes.models import Pass, PassHistory
from loyalty.purchases import refunds, service
from tests.passes.helpers import T0, bought, program_balance, run_job
from tests.support.members import new_member

EXPIRY = T0 + timedelta(days=730)


async def spend(program, member: int, pass_id: int, order: str, credit: str, at: datetime) -> None:
    with clock.frozen_at(at):
        await service.record_purchase(program, service.PurchaseRequest(
            member_id=member, order_id=order, amount=Decimal(credit), currency="EUR", brand="harbor",
            pass_id=pass_id, pass_credit_to_spend=Decimal(credit)))


async def three_passes(program) -> list[Pass]:
    """Three members' kitchen passes (EUR 130 each): one spends 45, one all 130, one nothing."""
    with clock.frozen_at(T0 - timedelta(days=1)):
        members = [await new_member(f"m{n}@example.com") for n in range(3)]
    passes = [await bought(program, m, "kitchen-credit-100", T0, payment_id=f"pi-{n}") for n, m in enumerate(members)]
    await spend(program, members[0], passes[0].id, "HK-0", "45.00", T0 + timedelta(days=1))
    await spend(program, members[1], passes[1].id, "HK-1", "130.00", T0 + timedelta(days=1))
    return passes


@pytest.mark.parametrize("size", [1, 2, 1000])
async def test_breakage_is_exact_in_ranges_of_any_size_and_a_second_run_changes_nothing(program, monkeypatch, size):
    passes = await three_passes(program)
    monkeypatch.setattr(batches, "BATCH_SIZE", size)
    transactions = []
    real = changes.set_based_change

    def counted():
        transactions.append(1)
        return real()

    monkeypatch.setattr(changes, "set_based_change", counted)
    assert await run_job(EXPIRY - timedelta(seconds=1)) == 3  # not yet due: the three reminders only
    transactions.clear()
    assert await run_job(EXPIRY) == 3
    # the visit passes' transaction, then one per range of credit passes, then the reminders' (one per product)
    assert len(transactions) == 1 + (3 if size == 1 else 2 if size == 2 else 1) + 3
    assert [await balance_minor(p) for p in passes] == [0, 0, 0]
    assert [(await Pass.get(id=p.id)).status for p in passes] == ["EXPIRED"] * 3
    assert await program_balance("PASS", "expiry") == 8500 + 13000
    assert await program_balance("PASS", "pass_sales") == -39000
    assert await program_balance("PASS", "credit_redemption") == 4500 + 13000
    expired = await Transfer.filter(code="PASS_EXPIRY").order_by("id").values_list(
        "member_id", "debit_account_id", "amount", "memo")
    assert expired == [
        (passes[0].member_id, passes[0].credit_account_id, 8500,
         {"pass_name": "Harbor Kitchen prepaid", "amount_minor": 8500, "currency": "EUR"}),
        (passes[2].member_id, passes[2].credit_account_id, 13000,
         {"pass_name": "Harbor Kitchen prepaid", "amount_minor": 13000, "currency": "EUR"}),
    ]
    events = await OutboxEvent.filter(topic="pass.expired").order_by("member_id").values_list("member_id", "payload")
    assert [(m, p["credit_minor"]) for m, p in events] == [(p.member_id, c) for p, c in zip(passes, (8500, 0, 13000))]
    # the pass that expired empty has a history entry; the others have their transfers
    assert await PassHistory.filter(code="PASS_EXPIRED").values_list("pass_id", flat=True) == [passes[1].id]
    assert await verify_ledger() == []
    before = (await Transfer.all().count(), await OutboxEvent.all().count(), await PassHistory.all().count())
    assert await run_job(EXPIRY + timedelta(days=1)) == 0
    assert (await Transfer.all().count(), await OutboxEvent.all().count(), await PassHistory.all().count()) == before
    assert await program_balance("PASS", "expiry") == 21500


async def test_credit_refunded_back_after_expiry_is_swept_on_the_next_run(program):
    passes = await three_passes(program)
    assert await run_job(EXPIRY) == 3
    with clock.frozen_at(EXPIRY + timedelta(hours=1)):  # the fully pass-paid order, refunded after the expiry
        await refunds.refund_purchase(program, refunds.RefundRequest("HK-1", "R-1", Decimal("30.00")))
    assert await balance_minor(passes[1]) == 3000
    assert await run_job(EXPIRY + timedelta(days=1)) == 1
    assert await balance_minor(passes[1]) == 0
    assert await program_balance("PASS", "expiry") == 8500 + 13000 + 3000
    assert await OutboxEvent.filter(topic="pass.expired").count() == 3  # a sweep is no second expiry
    assert await run_job(EXPIRY + timedelta(days=2)) == 0
    assert await verify_ledger() == []
