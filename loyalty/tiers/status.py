"""A member's tier status, as the member app shows it: every number exact.

- `qualifying_amount`: what counts in the current period so far (money for SPEND).
- `remaining_to_next`: what the next level still needs in this period; None at the top.
- `remaining_to_keep`: what this period still needs for the level held to be kept past
  `valid_until`; 0 at the entry level and once the level is kept past this period.
- `valid_until`: when the level held lapses unless kept (an operator's setting lapses on
  its date); None at the entry level.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from loyalty.program.spec import Program, TierLevel
from loyalty.tiers import periods, qualifying, state as states
from loyalty.tiers.periods import Period


@dataclass(frozen=True)
class TierStatus:
    level: TierLevel
    rank: int
    next_level: TierLevel | None
    period: Period
    qualifying_amount: Decimal
    remaining_to_next: Decimal | None
    remaining_to_keep: Decimal
    valid_until: datetime | None
    override_until: datetime | None  # set while an operator's setting is in force


async def tier_status(program: Program, member_id: int, now: datetime) -> TierStatus:
    joined_at = await periods.joined_at_of(program, member_id)
    state = await states.load_state(member_id)
    period = periods.current_period(program, joined_at, now)
    units = await qualifying.qualifying_units(program, member_id, period)
    levels = program.tiers.levels
    rank = states.effective_rank(program, state, now)
    earned = states.rank_of(program, state.level) if state else 0
    overridden = states.override_active(state, now)
    valid_until = (state.override_until if overridden else state.valid_until) if rank and state else None
    kept_past_period = (
        state is not None and earned >= rank and state.valid_until is not None
        and state.valid_until >= periods.keep_until(program, joined_at, now)
    )
    to_keep = 0 if rank == 0 or kept_past_period else qualifying.threshold_units(program, levels[rank]) - units
    next_level = levels[rank + 1] if rank + 1 < len(levels) else None
    to_next = None if next_level is None else max(0, qualifying.threshold_units(program, next_level) - units)
    return TierStatus(
        level=levels[rank], rank=rank, next_level=next_level, period=period,
        qualifying_amount=qualifying.as_decimal(program, units),
        remaining_to_next=None if to_next is None else qualifying.as_decimal(program, to_next),
        remaining_to_keep=qualifying.as_decimal(program, max(0, to_keep)),
        valid_until=valid_until, override_until=state.override_until if overridden else None,
    )
