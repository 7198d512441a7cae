"""Erasing a member who holds passes: what their credit passes hold is forfeited to the
expiry account (a FORFEIT transfer, recorded on the erasure), and their open passes are
canceled with what they had left; the ledger stays balanced and a repeat changes nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from loyalty import clock
from loyalty.gdpr.erasure import erase
from loyalty.gdpr.export import export_member_data
from loyalty.ledger.models import Account, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.members.models import Member
from loyalty.passes.credit import balance_minor
from loyalty.passes.models import Pass
from loyalty.purchases import service
from tests.passes.helpers import bought, buy, program_balance, run_job, visit
from tests.support.members import new_member
from tests.support.program import demo_without_new_member_bonus, use_program

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
async def program(runtime):
    return await use_program(runtime, demo_without_new_member_bonus())


async def test_erasure_forfeits_pass_credit_and_cancels_open_passes(program):
    with clock.frozen_at(T0 - timedelta(days=1)):
        ann, bob = await new_member("ann@example.com"), await new_member("bob@example.com")
    kitchen = await bought(program, ann, "kitchen-credit-100", T0, payment_id="pi-k")
    pack = await bought(program, ann, "climbing-5", T0, payment_id="pi-p")
    pending = await buy(program, ann, "climbing-6-months", T0, key="half-year")
    bobs = await bought(program, bob, "kitchen-credit-100", T0, payment_id="pi-b")
    with clock.frozen_at(T0 + timedelta(days=1)):
        await service.record_purchase(program, service.PurchaseRequest(
            member_id=ann, order_id="HK-1", amount=Decimal("45.00"), currency="EUR", brand="harbor",
            pass_id=kitchen.id, pass_credit_to_spend=Decimal("45.00")))
    for n in range(2):
        await visit(program, ann, f"wall-{n}", T0 + timedelta(days=2, minutes=n), location="climbing-hall",
                    pass_id=pack.id)
    for n in range(3):
        await visit(program, ann, f"till-{n}", T0 + timedelta(days=3, minutes=n), location="harbor-kitchen")
    card = await Pass.get(member_id=ann, kind="PUNCH_CARD")
    at = T0 + timedelta(days=4)

    with clock.frozen_at(at):
        erasure = await erase(ann, "gdpr-1", "privacy desk", at)

    assert (erasure.points_forfeited, erasure.credit_forfeited_minor, erasure.pass_credit_forfeited_minor) == (
        20, 0, 8500)  # the two days' visit points; the kitchen pass's EUR 85.00
    forfeits = await Transfer.filter(member_id=ann, code="FORFEIT").order_by("asset").values_list(
        "asset", "amount", "debit_account_id", "memo")
    assert forfeits == [("PASS", 8500, kitchen.credit_account_id, {"erasure": erasure.id, "amount_minor": 8500}),
                        ("POINTS", 20, forfeits[1][2], {"erasure": erasure.id})]
    assert await balance_minor(kitchen) == 0
    assert await balance_minor(bobs) == 13000  # another member's pass is untouched
    assert await program_balance("PASS", "expiry") == 8500
    assert await program_balance("PASS", "pass_sales") == -26000
    assert await program_balance("PASS", "credit_redemption") == 4500
    states = {p.id: (p.status, p.visits_used, p.visits_left_at_end, p.open_card_key, p.ended_at)
              for p in await Pass.filter(member_id=ann)}
    assert states == {
        kitchen.id: ("CANCELED", 0, None, None, at),
        pack.id: ("CANCELED", 2, 4, None, at),
        pending.id: ("CANCELED", 0, None, None, at),
        card.id: ("CANCELED", 3, 7, None, at),
    }
    assert (await Pass.get(id=bobs.id)).status == "ACTIVE"
    assert await verify_ledger() == []

    counts = (await Transfer.all().count(), await Account.filter(kind="program", code="expiry").values_list("posted"))
    with clock.frozen_at(at + timedelta(hours=1)):
        again = await erase(ann, "gdpr-1", "privacy desk", at + timedelta(hours=1))
    assert again.id == erasure.id
    assert await run_job(T0 + timedelta(days=730)) == 1  # only bob's pass expires: ann's are canceled
    assert await program_balance("PASS", "expiry") == 8500 + 13000
    assert counts[0] + 1 == await Transfer.all().count()
    assert await verify_ledger() == []


async def test_the_export_holds_the_members_passes_payments_visits_and_their_history(program):
    with clock.frozen_at(T0 - timedelta(days=1)):
        ann = await new_member("ann@example.com")
    pack = await bought(program, ann, "climbing-5", T0, payment_id="pi-p")
    await visit(program, ann, "wall-1", T0 + timedelta(days=1), location="climbing-hall", pass_id=pack.id)
    with clock.frozen_at(T0 + timedelta(days=2)):
        document = await export_member_data(await Member.get(id=ann), "EUR")
    assert [(p["product_code"], p["status"], p["visits_used"]) for p in document["passes"]] == [("climbing-5", "ACTIVE", 1)]
    assert [(p["payment_id"], p["amount_minor"]) for p in document["pass_payments"]] == [("pi-p", 6000)]
    assert [v["reference"] for v in document["visits"]] == ["wall-1"]
    assert [h["code"] for h in document["pass_history"]] == ["PASS_BOUGHT", "PASS_PAID"]  # the visit: its points entry
    assert document["pass_credit_spends"] == []
