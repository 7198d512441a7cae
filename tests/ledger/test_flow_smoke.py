from datetime import datetime, timedelta, timezone
from decimal import Decimal

from loyalty import clock
from loyalty.actions.service import record_action
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.expiry import expire_points
from loyalty.ledger.verify import verify_ledger
from loyalty.members import service as members
from loyalty.program.spec import ActionKind
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.wallet import get_wallet

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


async def _member() -> int:
    data = members.validate_new_member(members.NewMember("m@example.com", "x" * 12, "M"), "en")
    return (await members.create_member(data, "hash")).id


async def test_purchase_refund_activation_expiry_smoke(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        member_id = await _member()
        p = await record_purchase(program, PurchaseRequest(member_id, "O-1", Decimal("100.00"), "EUR"))
        assert p.points_awarded == 100
        w = await get_wallet(member_id, clock.now())
        assert (w.points, w.pending_points) == (0, 100)
        await refund_purchase(program, RefundRequest("O-1", "R-1", Decimal("33.33")))
        w = await get_wallet(member_id, clock.now())
        assert (w.points, w.pending_points) == (0, 67)
        r = await record_action(program, member_id, ActionKind.PRODUCT_REVIEW, "rev-1")
        assert r.points_awarded > 0
    with clock.frozen_at(T0 + timedelta(days=15)):
        assert await activate_pending(clock.now()) == 2
        assert await activate_pending(clock.now()) == 0
        w = await get_wallet(member_id, clock.now())
        assert (w.points, w.pending_points) == (67 + r.points_awarded, 0)
        p2 = await record_purchase(program, PurchaseRequest(member_id, "O-2", Decimal("10.00"), "EUR", points_to_spend=50))
        assert p2.points_spent == 50
        await refund_purchase(program, RefundRequest("O-1", "R-2", Decimal("66.67")))
        w = await get_wallet(member_id, clock.now())
        assert (w.points, w.points_owed, w.lifetime_points) == (0, 30, 20)
        await refund_purchase(program, RefundRequest("O-2", "R-3", Decimal("10.00")))
        w = await get_wallet(member_id, clock.now())
        assert (w.points, w.points_owed) == (20, 0)
        assert [str(v) for v in await verify_ledger()] == []
    with clock.frozen_at(T0 + timedelta(days=3 * 365)):
        expired = await expire_points(clock.now())
        assert expired > 0
        assert await expire_points(clock.now()) == 0
        assert [str(v) for v in await verify_ledger()] == []
        w = await get_wallet(member_id, clock.now())
        assert w.points == 0
