"""Tiers under real concurrency on PostgreSQL: purchases that cross a threshold together, and
the review running beside them. The member's lock serializes them: one upgrade, one state."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

from loyalty import clock
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.tiers.models import TierState
from loyalty.tiers.review import review_tiers
from tests.conftest import requires_postgres
from tests.support.tiers import tier_program
from tests.tiers.scenario import Member

pytestmark = requires_postgres


async def test_purchases_crossing_a_threshold_together_upgrade_the_member_once(clean_db):
    program = tier_program()
    ann = Member(program)
    with clock.frozen_at(datetime(2026, 3, 10, 12, tzinfo=UTC)):
        await ann.do(("join",))
        await asyncio.gather(*(
            record_purchase(program, PurchaseRequest(ann.id, f"O-{n}", Decimal("300.00"), "EUR")) for n in range(6)
        ))
        assert await TierState.filter(member_id=ann.id).count() == 1
        state = await TierState.get(member_id=ann.id)
        assert (state.level, state.valid_until) == ("gold", datetime(2027, 12, 31, 23, tzinfo=UTC))
    topics = await OutboxEvent.filter(topic__startswith="tier.").order_by("created_at").values_list("topic", flat=True)
    assert sorted(topics) == ["tier.upgraded", "tier.upgraded"]  # to silver, then to gold
    assert [str(v) for v in await verify_ledger()] == []


async def test_the_review_beside_purchases_downgrades_the_member_once(clean_db):
    program = tier_program()
    ann = Member(program)
    with clock.frozen_at(datetime(2026, 3, 10, 12, tzinfo=UTC)):
        await ann.do(("join",))
        await record_purchase(program, PurchaseRequest(ann.id, "O-0", Decimal("1500.00"), "EUR"))
    with clock.frozen_at(datetime(2028, 1, 1, 9, tzinfo=UTC)):
        results = await asyncio.gather(
            review_tiers(clock.now(), program), review_tiers(clock.now(), program),
            *(record_purchase(program, PurchaseRequest(ann.id, f"O-{n}", Decimal("100.00"), "EUR"))
              for n in range(1, 4)),
        )
        state = await TierState.get(member_id=ann.id)
    assert sum(results[:2]) <= 1  # a purchase may have settled the member first
    assert (state.level, state.valid_until) == ("silver", datetime(2028, 12, 31, 23, tzinfo=UTC))
    assert await OutboxEvent.filter(topic="tier.downgraded").count() == 1
