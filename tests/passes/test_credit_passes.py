"""Credit passes: the payment posts price + bonus credit to the pass's own ledger account;
recordPurchase spends it (only at the pass's brand, all or nothing, never below zero);
refundPurchase gives it back; at expiry what is left moves to the expiry account."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from loyalty import clock
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.models import Account, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.passes.credit import balance_minor
from loyalty.passes.models import Pass
from loyalty.purchases import refunds, service
from loyalty.purchases.models import Purchase
from loyalty.wallet import get_wallet
from tests.passes.helpers import T0, bought, program_balance, refund, run_job
from tests.support.members import new_member



async def spend(program, member: int, pass_id: int, order: str, amount: str, credit: str, at: datetime,
                brand: str | None = "harbor") -> Purchase:
    with clock.frozen_at(at):
        return await service.record_purchase(program, service.PurchaseRequest(
            member_id=member, order_id=order, amount=Decimal(amount), currency="EUR", brand=brand,
            pass_id=pass_id, pass_credit_to_spend=Decimal(credit)))


async def test_100_plus_30_then_45_spent_85_left_20_refunded_back_and_breakage_at_expiry(program, ann):
    kitchen = await bought(program, ann, "kitchen-credit-100", T0)
    assert (kitchen.status, await balance_minor(kitchen)) == ("ACTIVE", 13000)
    order = await spend(program, ann, kitchen.id, "K-1", "45.00", "45.00", T0 + timedelta(days=1))
    assert (order.points_awarded, order.credit_spent_minor) == (0, 0)  # what pass credit paid earns nothing
    assert await balance_minor(kitchen) == 8500
    with clock.frozen_at(T0 + timedelta(days=2)):
        await refunds.refund_purchase(program, refunds.RefundRequest("K-1", "KR-1", Decimal("20.00")))
    assert await balance_minor(kitchen) == 10500
    assert (await get_wallet(ann, T0 + timedelta(days=2))).credit_minor == 0  # never the member's store credit
    until = T0 + timedelta(days=730)
    assert kitchen.valid_until == until
    await run_job(until)
    assert (await Pass.get(id=kitchen.id)).status == "EXPIRED"
    assert await balance_minor(kitchen) == 0
    assert await program_balance("PASS", "expiry") == 10500
    assert await program_balance("PASS", "pass_sales") == -13000
    assert await program_balance("PASS", "credit_redemption") == 2500
    assert await run_job(until + timedelta(days=1)) == 0
    codes = await Transfer.filter(asset="PASS").order_by("id").values_list("code", "amount")
    assert codes == [("PASS_CREDIT", 13000), ("PAY_WITH_PASS", 4500), ("PASS_RESTORE", 2000), ("PASS_EXPIRY", 10500)]
    assert await verify_ledger() == []


async def test_pass_credit_is_refused_at_another_brand_and_beyond_its_balance_and_nothing_changes(program, ann):
    kitchen = await bought(program, ann, "kitchen-credit-100", T0)
    for order, amount, credit, brand, code in [
        ("N-1", "50.00", "20.00", "northwind", ErrorCode.PASS_NOT_VALID),
        ("N-2", "50.00", "20.00", None, ErrorCode.PASS_NOT_VALID),
        ("N-3", "250.00", "131.00", "harbor", ErrorCode.INSUFFICIENT_CREDIT),
        ("N-4", "10.00", "20.00", "harbor", ErrorCode.INVALID),
    ]:
        with pytest.raises(LoyaltyError) as refused:
            await spend(program, ann, kitchen.id, order, amount, credit, T0 + timedelta(days=1), brand=brand)
        assert refused.value.code is code, order
    assert await balance_minor(kitchen) == 13000
    assert await Purchase.all().count() == 0
    assert await verify_ledger() == []


async def test_another_members_pass_is_not_found_and_an_expired_one_is_not_valid(program, ann):
    with clock.frozen_at(T0):
        bob = await new_member("bob@example.com")
    kitchen = await bought(program, ann, "kitchen-credit-100", T0)
    with pytest.raises(LoyaltyError) as refused:
        await spend(program, bob, kitchen.id, "B-1", "50.00", "10.00", T0 + timedelta(days=1))
    assert refused.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(LoyaltyError) as expired:
        await spend(program, ann, kitchen.id, "A-1", "50.00", "10.00", T0 + timedelta(days=731))
    assert expired.value.code is ErrorCode.PASS_NOT_VALID
    assert await balance_minor(kitchen) == 13000


async def test_refunding_the_credit_pass_payment_takes_back_what_is_left(program, ann):
    kitchen = await bought(program, ann, "kitchen-credit-100", T0)
    await spend(program, ann, kitchen.id, "K-1", "30.00", "30.00", T0 + timedelta(days=1))
    canceled = await refund(program, "pay-1", "ref-1", T0 + timedelta(days=2))
    assert canceled.status == "CANCELED"
    assert await balance_minor(canceled) == 0
    assert await program_balance("PASS", "pass_sales") == -3000
    account = await Account.get(id=kitchen.credit_account_id)
    assert (account.kind, account.member_id, account.code) == ("pass", None, f"pass:{kitchen.id}")
    assert await verify_ledger() == []
