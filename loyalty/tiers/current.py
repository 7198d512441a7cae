"""The tier level a member holds at a moment: what the earning pipeline and the rewards read."""
from __future__ import annotations

from datetime import datetime

from loyalty.program.spec import Program, TierLevel
from loyalty.tiers import granted, state as states


async def level_for(program: Program, member_id: int, at: datetime) -> TierLevel:
    """The level `member_id` holds at `at`: an operator's setting while it lasts, else the
    level earned (the entry level until the member has one); at least the level an ACTIVE
    paid plan grants (`grants_tier`, see `loyalty.tiers.granted`)."""
    state = await states.load_state(member_id)
    rank = states.effective_rank(program, state, at)
    grant = await granted.grant_at(program, member_id, at)
    return program.tier_levels[max(rank, grant.rank)]
