"""What a shop applies at checkout for a member: from the member's tier and, while its
membership is ACTIVE, their plan. The largest discount wins; free shipping from either."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from loyalty.memberships.active import active_plan
from loyalty.program.spec import Program
from loyalty.tiers import current


class BenefitKind(StrEnum):
    DISCOUNT_PERCENT = "DISCOUNT_PERCENT"  # percent off the order
    FREE_SHIPPING = "FREE_SHIPPING"
    DESCRIPTION = "DESCRIPTION"  # a benefit line of the tier or plan, for display


@dataclass(frozen=True)
class Benefit:
    kind: BenefitKind
    source: str  # "tier:<code>" or "plan:<code>"
    description: str
    percent: Decimal | None = None


async def member_benefits(program: Program, member_id: int, at: datetime) -> list[Benefit]:
    level = await current.level_for(program, member_id, at)
    plan = await active_plan(program, member_id, at)
    out = [Benefit(BenefitKind.DESCRIPTION, f"tier:{level.code}", line) for line in level.benefits]
    if plan is None:
        return out
    source = f"plan:{plan.code}"
    if plan.discount_percent:
        percent = plan.discount_percent.normalize()
        out.insert(0, Benefit(BenefitKind.DISCOUNT_PERCENT, source, f"{format(percent, 'f')}% off", percent))
    if plan.free_shipping:
        out.insert(0, Benefit(BenefitKind.FREE_SHIPPING, source, "Free shipping"))
    out.extend(Benefit(BenefitKind.DESCRIPTION, source, line) for line in plan.benefits)
    return out
