"""Putting members at a tier level for a test.

`hold_tier(monkeypatch, member_id, "gold")` makes `loyalty.tiers.current.level_for` answer
"gold" for that member. Domain code must call it as `current.level_for(...)` (through the
module) for this to take effect.

`set_tier(program, member_id, "gold", until=date(2027, 3, 1))` sets the level for real, as
an operator does with `loyalty set-tier`: it lapses on that date.

`tier_program(period=..., metric=..., downgrade=...)` is the demo program with other tier
settings, without multipliers (so that points stay 1 per euro whatever the tier) and without the
promotion for lapsed members.
"""
from __future__ import annotations

from datetime import date, datetime

import pytest

from loyalty import clock
from loyalty.program.spec import DEMO_PATH, Program, TierLevel, parse_program
from loyalty.tiers import current, override
from loyalty.tiers.models import TierState

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


async def set_tier(program: Program, member_id: int, code: str, *, until: date) -> TierState:
    return await override.set_tier(program, member_id, code, until, clock.now())


def tier_program_text(period: str = "calendar_year", metric: str = "SPEND", downgrade: str = "one_tier") -> str:
    text = DEMO_PATH.read_text(encoding="utf-8")
    replacements = [
        ('period = "calendar_year"', f'period = "{period}"'),
        # Programs by visits that were written when purchases counted as visits keep that behaviour.
        ('metric = "SPEND"', f'metric = "{metric}"' + ("\nvisits_include_purchases = true" if metric == "VISITS" else "")),
        ('downgrade = "one_tier"', f'downgrade = "{downgrade}"'),
        ('points_multiplier = "1.25"', 'points_multiplier = "1"'),
        ('points_multiplier = "2"\ncashback', 'points_multiplier = "1"\ncashback'),
        ('new_member_multiplier = "2"', ''),
        ('new_member_days = 30', ''),
        # Nor the promotion for members the nightly scoring finds lapsed: tiers alone.
        ('[[bonuses.promotions]]\ncode = "we-miss-you"\nname = "200 extra points on your next purchase"\n'
         'starts_on = 2026-01-01\nends_on = 2027-12-31\n'
         'segments = ["at_risk", "lapsed"]  # optional: only members in these segments (see [segments])\n'
         'bonus_points = 200\n', ''),
    ]
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def tier_program(period: str = "calendar_year", metric: str = "SPEND", downgrade: str = "one_tier") -> Program:
    return parse_program(tier_program_text(period, metric, downgrade), "tier program")
