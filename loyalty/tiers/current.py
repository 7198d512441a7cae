"""The tier level a member holds at a moment: what the earning pipeline and the rewards read."""
from __future__ import annotations

from datetime import datetime

from loyalty.program.spec import Program, TierLevel


async def level_for(program: Program, member_id: int, at: datetime) -> TierLevel:
    """The level `member_id` holds at `at` (the entry level until the member has one)."""
    return program.tier_levels[0]
