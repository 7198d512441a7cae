"""Visit packs: bought pending, activated by the payment (the amount is the price), used one
visit at a time until USED_UP, EXPIRED past validUntil with what was left, canceled by a
refund of the payment."""
from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.verify import verify_ledger
from loyalty.passes.models import Pass, PassPayment
from loyalty.visits.models import Visit
from tests.passes.helpers import T0, buy, pass_state, pay, refund, run_job, visit

HALL = "climbing-hall"


async def refused(code: ErrorCode, call) -> LoyaltyError:
    with pytest.raises(LoyaltyError) as caught:
        await call
    assert caught.value.code is code
    return caught.value


async def test_five_plus_one_visits_then_used_up_and_the_seventh_is_refused(program, ann):
    pack = await buy(program, ann, "climbing-5", T0)
    assert (pack.status, pack.visits_total) == ("PENDING_PAYMENT", 6)
    await refused(ErrorCode.PASS_NOT_VALID, visit(program, ann, "early", T0, location=HALL, pass_id=pack.id))
    await refused(ErrorCode.AMOUNT_MISMATCH, pay(program, pack.id, "pay-1", T0, amount="50.00"))
    assert await pass_state(pack.id) == ("PENDING_PAYMENT", 0, 6, None)
    paid = await pay(program, pack.id, "pay-1", T0)
    assert (paid.status, paid.valid_from, paid.valid_until) == ("ACTIVE", T0, T0 + timedelta(days=365))
    for n in range(6):
        result = await visit(program, ann, f"C-{n}", T0 + timedelta(days=n + 1), location=HALL)
        assert (result.pass_row.id, result.pass_row.visits_used) == (pack.id, n + 1)
    assert await pass_state(pack.id) == ("USED_UP", 6, 6, None)
    error = await refused(ErrorCode.PASS_USED_UP,
                          visit(program, ann, "C-6", T0 + timedelta(days=8), location=HALL, pass_id=pack.id))
    assert error.message == "Every visit of the pass is used."
    await refused(ErrorCode.NO_VALID_PASS, visit(program, ann, "C-7", T0 + timedelta(days=8), location=HALL))
    assert await Visit.filter(member_id=ann).count() == 6
    assert await verify_ledger() == []


async def test_buying_is_idempotent_and_a_punch_card_is_not_bought(program, ann):
    first, again = await buy(program, ann, "climbing-5", T0), await buy(program, ann, "climbing-5", T0)
    assert first.id == again.id
    await refused(ErrorCode.IDEMPOTENCY_CONFLICT, buy(program, ann, "climbing-6-months", T0))
    await refused(ErrorCode.NOT_AVAILABLE, buy(program, ann, "coffee-card", T0, key="k2"))
    await refused(ErrorCode.NOT_FOUND, buy(program, ann, "no-such-pass", T0, key="k3"))
    assert await Pass.filter(member_id=ann).count() == 1


async def test_a_payment_is_recorded_once_per_payment_id(program, ann):
    pack = await buy(program, ann, "climbing-5", T0)
    await refused(ErrorCode.AMOUNT_MISMATCH, pay(program, pack.id, "pay-3", T0, currency="USD"))
    await pay(program, pack.id, "pay-1", T0)
    replay = await pay(program, pack.id, "pay-1", T0 + timedelta(hours=1))
    assert (replay.status, replay.valid_from) == ("ACTIVE", T0)
    await refused(ErrorCode.IDEMPOTENCY_CONFLICT, pay(program, pack.id, "pay-1", T0, amount="61.00"))
    await refused(ErrorCode.NOT_AVAILABLE, pay(program, pack.id, "pay-2", T0))
    assert await PassPayment.all().count() == 1


async def test_past_valid_until_the_pack_expires_with_what_was_left(program, ann):
    pack = await buy(program, ann, "climbing-5", T0)
    await pay(program, pack.id, "pay-1", T0)
    await visit(program, ann, "C-1", T0 + timedelta(days=1), location=HALL)
    until = T0 + timedelta(days=365)
    await refused(ErrorCode.PASS_NOT_VALID, visit(program, ann, "C-2", until, location=HALL, pass_id=pack.id))
    assert await run_job(until - timedelta(seconds=1)) == 1  # the reminder, within seven days
    assert await run_job(until) == 1
    assert await pass_state(pack.id) == ("EXPIRED", 1, 6, 5)
    assert await run_job(until + timedelta(days=1)) == 0


async def test_refunding_the_payment_cancels_the_pack_and_reports_the_visits_used(program, ann):
    pack = await buy(program, ann, "climbing-5", T0)
    await pay(program, pack.id, "pay-1", T0)
    for n in range(2):
        await visit(program, ann, f"C-{n}", T0 + timedelta(days=n + 1), location=HALL)
    canceled = await refund(program, "pay-1", "ref-1", T0 + timedelta(days=5))
    assert (canceled.status, canceled.visits_used, canceled.visits_left_at_end) == ("CANCELED", 2, 4)
    assert (await refund(program, "pay-1", "ref-1", T0 + timedelta(days=6))).status == "CANCELED"
    await refused(ErrorCode.IDEMPOTENCY_CONFLICT, refund(program, "pay-1", "ref-2", T0 + timedelta(days=6)))
    await refused(ErrorCode.NOT_FOUND, refund(program, "pay-9", "ref-3", T0 + timedelta(days=6)))
    payment = await PassPayment.get(payment_id="pay-1")
    assert (payment.refund_id, payment.visits_used_at_refund) == ("ref-1", 2)
    await refused(ErrorCode.PASS_NOT_VALID,
                  visit(program, ann, "C-9", T0 + timedelta(days=7), location=HALL, pass_id=pack.id))
