"""Gathering what the earning pipeline needs to know about a purchase and its member."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from loyalty.bonuses.days import bonus_day_for
from loyalty.earning.pipeline import Line, PurchaseFacts
from loyalty.members.models import Member
from loyalty.memberships.active import active_plan
from loyalty.program.spec import Program
from loyalty.segments.conditions import segment_of
from loyalty.tiers import current


async def purchase_facts(
    program: Program, member_id: int, eligible_minor: int, brand: str | None, items: list[dict[str, Any]],
    occurred_at: datetime,
) -> PurchaseFacts:
    """The facts of a purchase: its lines, the member's tier at the time, when they joined,
    the bonus day they chose for the period, and the paid plan whose perks they have."""
    row = await Member.filter(id=member_id).first().values("joined_at")  # None without the member
    joined_at: datetime | None = row["joined_at"] if row else None
    tier = await current.level_for(program, member_id, occurred_at)
    # Only a tier with the perk has a bonus day to look up.
    bonus_day = await bonus_day_for(program, member_id, occurred_at) if tier.bonus_day_multiplier else None
    # Only promotions limited to segments need the member's.
    segment = await segment_of(member_id) if any(p.segments for p in program.bonuses.promotions) else None
    return PurchaseFacts(
        eligible_minor=eligible_minor, brand=brand,
        categories=tuple(i["category"] for i in items if i["category"]), occurred_at=occurred_at,
        lines=tuple(Line(i["category"], i["amount_minor"]) for i in items),
        tier=tier, joined_at=joined_at, bonus_day=bonus_day, plan=await active_plan(program, member_id, occurred_at),
        segment=segment,
    )
