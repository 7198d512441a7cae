"""A referral whose referrer or friend has been erased never completes: the referrer gets no
points and no message, and a referral of two kept members completes beside them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from loyalty import clock
from loyalty.events import REFERRAL_COMPLETED
from loyalty.gdpr.erasure import erase
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.codes import TransferCode
from loyalty.ledger.models import Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.referrals.completion import complete_referrals
from loyalty.referrals.models import Referral, ReferralStatus
from loyalty.wallet import get_wallet
from tests.support.members import new_member

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
POSTED = T0 + timedelta(days=15)


async def _referred(program, referrer: str, friend: str, order: str) -> tuple[int, int]:
    """`referrer` brought `friend`, whose EUR 30 first purchase qualifies once it posts."""
    with clock.frozen_at(T0):
        referrer_id, friend_id = await new_member(f"{referrer}@example.com"), await new_member(f"{friend}@example.com")
        await Referral.create(referrer_id=referrer_id, friend_id=friend_id, status=ReferralStatus.PENDING.value,
                              created_at=T0)
        await record_purchase(program, PurchaseRequest(friend_id, order, Decimal("30.00"), "EUR"))
    return referrer_id, friend_id


async def test_an_erased_referrer_is_not_rewarded_and_an_erased_friend_completes_nothing(runtime):
    program = runtime.program.program
    ann, cat = await _referred(program, "ann", "cat", "O-1")  # Ann is erased
    bob, dan = await _referred(program, "bob", "dan", "O-2")  # Dan is erased
    eve, fay = await _referred(program, "eve", "fay", "O-3")  # both kept
    with clock.frozen_at(T0 + timedelta(days=1)):
        await erase(ann, "erase-ann", "staff", clock.now())
        await erase(dan, "erase-dan", "staff", clock.now())
    with clock.frozen_at(POSTED):
        await activate_pending(clock.now())
        assert await complete_referrals(clock.now()) == 1
        assert await complete_referrals(clock.now()) == 0  # and again: nothing more
        wallets = {who: await get_wallet(member, clock.now()) for who, member in (("ann", ann), ("bob", bob),
                                                                                     ("eve", eve))}
    assert {who: (w.points, w.pending_points) for who, w in wallets.items()} == {
        "ann": (0, 0), "bob": (0, 0), "eve": (500, 0)}
    statuses = {r.friend_id: (r.status, r.points, r.transfer_id is None) for r in await Referral.all()}
    assert statuses == {cat: ("PENDING", 0, True), dan: ("PENDING", 0, True), fay: ("COMPLETED", 500, False)}
    rewarded = await Transfer.filter(code=TransferCode.REFERRAL.value).values_list("member_id", "amount")
    assert rewarded == [(eve, 500)]
    told = await OutboxEvent.filter(topic=REFERRAL_COMPLETED).values_list("member_id", flat=True)
    assert told == [eve]
    assert [str(v) for v in await verify_ledger()] == []
