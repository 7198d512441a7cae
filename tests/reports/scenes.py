"""Small histories whose figures the tests state exactly."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from loyalty import clock
from loyalty.charity.donations import donate_points
from loyalty.ledger.activation import activate_pending
from loyalty.program.spec import Program
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.referrals.completion import complete_referrals
from loyalty.referrals.models import Referral, ReferralStatus
from tests.memberships import helpers as plans
from tests.passes.helpers import bought, refund, visit
from tests.support.members import new_member

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
START = T0 - timedelta(days=1)


async def two_members_history(program: Program) -> tuple[int, int]:
    """Ann buys for EUR 100 and Bob for EUR 50; their points post after the return window;
    Ann gives 20 points to the Wildlife Trust and pays 30 points of a EUR 10 order; Bob's
    order is refunded by EUR 20."""
    with clock.frozen_at(T0):
        ann, bob = await new_member("ann@example.com"), await new_member("bob@example.com")
        await record_purchase(program, PurchaseRequest(ann, "O-1", Decimal("100.00"), "EUR", brand="northwind"))
        await record_purchase(program, PurchaseRequest(bob, "O-2", Decimal("50.00"), "EUR", brand="harbor"))
    with clock.frozen_at(T0 + timedelta(days=15)):
        assert await activate_pending(clock.now()) == 2
    with clock.frozen_at(T0 + timedelta(days=16)):
        await donate_points(program, ann, "wildlife", 20, "give-1")
        await record_purchase(program, PurchaseRequest(ann, "O-3", Decimal("10.00"), "EUR", brand="harbor",
                                                       points_to_spend=30))
    with clock.frozen_at(T0 + timedelta(days=17)):
        await refund_purchase(program, RefundRequest("O-2", "R-1", Decimal("20.00")))
    return ann, bob


async def plans_tiers_and_a_referral(program: Program, prefix: str = "") -> tuple[int, int, int]:
    """Ann brought Cat, whose EUR 30 first purchase qualifies the referral once it posts;
    Ann buys for EUR 600 (Silver); Ann and Bob pay for Northwind Plus, and Bob's payment is
    refunded the next day."""
    with clock.frozen_at(T0):
        ann, bob, cat = [await new_member(f"{prefix}{name}@example.com") for name in ("ann", "bob", "cat")]
        await Referral.create(referrer_id=ann, friend_id=cat, status=ReferralStatus.PENDING.value, created_at=T0)
        await record_purchase(program, PurchaseRequest(cat, f"{prefix}O-1", Decimal("30.00"), "EUR"))
        await record_purchase(program, PurchaseRequest(ann, f"{prefix}O-2", Decimal("600.00"), "EUR"))
    ann_plan = await plans.subscribe(program, ann, "plus-monthly", T0, "s-ann")
    bob_plan = await plans.subscribe(program, bob, "plus-monthly", T0, "s-bob")
    await plans.pay(program, ann_plan.id, f"{prefix}P-1", T0)
    await plans.pay(program, bob_plan.id, f"{prefix}P-2", T0)
    await plans.refund(program, f"{prefix}P-2", f"{prefix}PR-2", T0 + timedelta(days=1))
    with clock.frozen_at(T0 + timedelta(days=15)):
        await activate_pending(clock.now())
        await complete_referrals(clock.now())
    return ann, bob, cat


async def pass_history(program, prefix: str = "") -> None:
    """Ann buys a climbing 5 + 1 and climbs twice; Bob buys Harbor Kitchen prepaid (EUR 130 of
    credit), pays EUR 30 of a EUR 50 order with it, half the order is refunded (EUR 15 back)
    and the pass expires with EUR 115 on it; Cat's half year and Fay's prepaid are refunded the
    next day; Dee's coffee is stamped on the punch card. The expiry job is the caller's."""
    with clock.frozen_at(T0 - timedelta(days=1)):
        ann, bob, cat, dee, fay = [await new_member(f"{prefix}{n}@example.com") for n in ("ann", "bob", "cat", "dee", "fay")]
    await bought(program, ann, "climbing-5", T0, f"{prefix}P-ann")
    kitchen = await bought(program, bob, "kitchen-credit-100", T0, f"{prefix}P-bob")
    await bought(program, cat, "climbing-6-months", T0, f"{prefix}P-cat")
    await bought(program, fay, "kitchen-credit-100", T0, f"{prefix}P-fay")
    await visit(program, ann, f"{prefix}V-1", T0 + timedelta(hours=1), location="climbing-hall")
    await visit(program, ann, f"{prefix}V-2", T0 + timedelta(hours=2), location="climbing-hall")
    await visit(program, dee, f"{prefix}V-3", T0 + timedelta(hours=3), location="harbor-kitchen")
    with clock.frozen_at(T0 + timedelta(days=1)):
        await record_purchase(program, PurchaseRequest(bob, f"{prefix}K-1", Decimal("50.00"), "EUR", brand="harbor",
                                                       pass_id=kitchen.id, pass_credit_to_spend=Decimal("30.00")))
    await refund(program, f"{prefix}P-cat", f"{prefix}R-cat", T0 + timedelta(days=1))
    await refund(program, f"{prefix}P-fay", f"{prefix}R-fay", T0 + timedelta(days=1))
    with clock.frozen_at(T0 + timedelta(days=2)):
        await refund_purchase(program, RefundRequest(f"{prefix}K-1", f"{prefix}R-K1", Decimal("25.00")))
