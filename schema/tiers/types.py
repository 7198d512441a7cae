from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from loyalty import clock
from loyalty.members.models import Member as MemberRow
from loyalty.program import spec
from loyalty.tiers import status
from schema.context import context_of
from schema.program.types import Tier


@strawberry.type
class TierStatus:
    current: Tier
    next: Tier | None = strawberry.field(description="null at the top tier.")
    qualification_period_start: datetime
    qualification_period_end: datetime
    qualifying_amount: Decimal = strawberry.field(
        description="What counts towards the tier within the current period (money for SPEND)."
    )
    remaining_to_next: Decimal | None = strawberry.field(
        description="How much more reaches the next tier; null at the top tier."
    )
    remaining_to_keep: Decimal = strawberry.field(
        description="How much more, within this period, keeps the current tier past its end; 0 when already secured."
    )
    valid_until: datetime | None = strawberry.field(
        description="When the current tier lapses unless kept; null for the entry tier."
    )

    @classmethod
    def from_status(cls, program: spec.Program, view: status.TierStatus) -> TierStatus:
        return cls(
            current=Tier.from_spec(program, view.rank),
            next=None if view.next_level is None else Tier.from_spec(program, view.rank + 1),
            qualification_period_start=view.period.start, qualification_period_end=view.period.end,
            qualifying_amount=view.qualifying_amount, remaining_to_next=view.remaining_to_next,
            remaining_to_keep=view.remaining_to_keep, valid_until=view.valid_until,
        )


async def tier_of(info: Info, member: MemberRow) -> TierStatus:
    runtime = context_of(info).runtime
    current = runtime.program.current
    view = await status.cached_tier_status(runtime.cache, current.program, current.version, member.id, clock.now())
    return TierStatus.from_status(current.program, view)
