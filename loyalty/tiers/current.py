"""The tier level a member holds at a moment: what the earning pipeline and the rewards read."""
from __future__ import annotations

from datetime import datetime

from loyalty.program.spec import Program, TierLevel
from loyalty.tiers import state as states


async def level_for(program: Program, member_id: int, at: datetime) -> TierLevel:
    """The level `member_id` holds at `at`: an operator's setting while it lasts, else the
    level earned (the entry level until the member has one)."""
    state = await states.load_state(member_id)
    return program.tier_levels[states.effective_rank(program, state, at)]
