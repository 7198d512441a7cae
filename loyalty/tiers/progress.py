"""Moving up as activity happens, and back when a refund undoes it.

`track` runs inside the member change that records a purchase, a refund or an action, under
the member's lock. It first settles what the review would have done (a period that ended, an
override that lapsed), then compares the current period's qualifying amount with the
thresholds:

- reaching a level above the one held at the start of the period moves the member up at
  once, kept until the end of the next period;
- reaching the level held at the start of the period again requalifies it: it is kept until
  the end of the next period;
- a refund that takes the amount back under a threshold returns the member to the highest
  of what the amount still reaches and what they held before this period's activity.

Only a refund takes a member down. Other activity never lowers what they hold: under
rolling_12_months the amount also falls as old purchases leave the last 12 months, and a
level reached on a day holds until 12 months after it whatever the amount does later.
"""
from __future__ import annotations

from datetime import datetime

from loyalty import changes
from loyalty.program.spec import Program
from loyalty.tiers import periods, qualifying, state as states
from loyalty.tiers.models import TierState
from loyalty.tiers.review import settle


def _snapshot(state: TierState) -> tuple[object, ...]:
    return (state.level, state.valid_until, state.baseline_level, state.baseline_valid_until, state.baseline_until)


def _below(program: Program, level: int, valid_until: datetime | None, state: TierState) -> bool:
    """Whether `level` until `valid_until` is less than what `state` holds."""
    held = states.rank_of(program, state.level)
    if level != held:
        return level < held
    return valid_until is not None and state.valid_until is not None and valid_until < state.valid_until


async def track(program: Program, member_id: int, now: datetime, *, refund: bool = False) -> TierState:
    """Brings the member's tier up to date after activity (`refund=True` after a refund)."""
    joined_at = await periods.joined_at_of(program, member_id)
    state = await states.state_for_update(program, member_id, joined_at, now)
    await settle(program, state, joined_at, now)
    before = states.effective_rank(program, state, now)
    kept = _snapshot(state)
    if state.baseline_until <= now:  # a new period: what the member holds now is where it starts
        state.baseline_level, state.baseline_valid_until = state.level, state.valid_until
        state.baseline_until = states.baseline_end(program, joined_at, now)
    period = periods.current_period(program, joined_at, now)
    reached = qualifying.supported_rank(program, await qualifying.qualifying_units(program, member_id, period))
    base = states.rank_of(program, state.baseline_level)
    valid_until: datetime | None
    if reached > base or (reached == base > 0):
        keep = periods.keep_until(program, joined_at, now)
        level, valid_until = reached, keep
        if reached == base and state.baseline_valid_until is not None:
            valid_until = max(keep, state.baseline_valid_until)
    else:
        level, valid_until = base, state.baseline_valid_until
    if not refund and _below(program, level, valid_until, state):
        level, valid_until = states.rank_of(program, state.level), state.valid_until
    state.level, state.valid_until = program.tiers.levels[level].code, valid_until
    if _snapshot(state) != kept:
        state.updated_at = now
        await state.save()
        changes.touch(member_id)
    await states.announce(program, member_id, before, states.effective_rank(program, state, now), state.valid_until)
    return state
