"""The tier level a member holds at a moment: what the earning pipeline and the rewards read."""
from __future__ import annotations

from datetime import datetime

from loyalty.memberships.active import active_plan
from loyalty.program.spec import Program, TierLevel
from loyalty.tiers import state as states


async def level_for(program: Program, member_id: int, at: datetime) -> TierLevel:
    """The level `member_id` holds at `at`: an operator's setting while it lasts, else the
    level earned (the entry level until the member has one); at least the level an ACTIVE
    paid plan grants (`grants_tier`)."""
    state = await states.load_state(member_id)
    rank = states.effective_rank(program, state, at)
    if any(plan.grants_tier for plan in program.plans):
        plan = await active_plan(program, member_id, at)
        if plan is not None and plan.grants_tier is not None:
            rank = max(rank, program.tiers.rank(plan.grants_tier))
    return program.tier_levels[rank]
