"""Putting members at a tier level for a test.

`hold_tier(monkeypatch, member_id, "gold")` makes `loyalty.tiers.current.level_for` answer
"gold" for that member. Domain code must call it as `current.level_for(...)` (through the
module) for this to take effect.
"""
from __future__ import annotations

from datetime import datetime

import pytest

from loyalty.program.spec import Program, TierLevel
from loyalty.tiers import current

_HELD = "_held_tiers"


def hold_tier(monkeypatch: pytest.MonkeyPatch, member_id: int, code: str) -> None:
    held: dict[int, str] | None = getattr(current.level_for, _HELD, None)
    if held is None:
        held = {}
        original = current.level_for

        async def level_for(program: Program, member: int, at: datetime) -> TierLevel:
            if member in held:
                return program.tier_level(held[member])
            return await original(program, member, at)

        setattr(level_for, _HELD, held)
        monkeypatch.setattr(current, "level_for", level_for)
    held[member_id] = code
