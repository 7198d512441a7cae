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

from dataclasses import dataclass
from datetime import datetime

from loyalty import changes
from loyalty.program.spec import Program
from loyalty.tiers import periods, qualifying, state as states
from loyalty.tiers.models import TierState
from loyalty.tiers.review import settle


@dataclass(frozen=True)
class Standing:
    """What `track` decides from: the earned level and the baseline of a member's tier state."""

    level: str
    valid_until: datetime | None
    baseline_level: str
    baseline_valid_until: datetime | None
    baseline_until: datetime

    @classmethod
    def of(cls, state: TierState) -> Standing:
        return cls(state.level, state.valid_until, state.baseline_level, state.baseline_valid_until,
                   state.baseline_until)


def _below(program: Program, level: int, valid_until: datetime | None, held: Standing) -> bool:
    """Whether `level` until `valid_until` is less than what `held` holds."""
    rank = states.rank_of(program, held.level)
    if level != rank:
        return level < rank
    return valid_until is not None and held.valid_until is not None and valid_until < held.valid_until


def advance(
    program: Program, standing: Standing, joined_at: datetime | None, now: datetime, units: int, *,
    refund: bool = False,
) -> Standing:
    """The standing after activity, given the current period's qualifying `units`: pure, for
    a state that has nothing due (`review.settle` has run)."""
    baseline_level, baseline_valid_until, baseline_until = (
        standing.baseline_level, standing.baseline_valid_until, standing.baseline_until)
    if baseline_until <= now:  # a new period: what the member holds now is where it starts
        baseline_level, baseline_valid_until = standing.level, standing.valid_until
        baseline_until = states.baseline_end(program, joined_at, now)
    reached = qualifying.supported_rank(program, units)
    base = states.rank_of(program, baseline_level)
    valid_until: datetime | None
    if reached > base or (reached == base > 0):
        keep = periods.keep_until(program, joined_at, now)
        level, valid_until = reached, keep
        if reached == base and baseline_valid_until is not None:
            valid_until = max(keep, baseline_valid_until)
    else:
        level, valid_until = base, baseline_valid_until
    if not refund and _below(program, level, valid_until, standing):
        level, valid_until = states.rank_of(program, standing.level), standing.valid_until
    return Standing(program.tiers.levels[level].code, valid_until, baseline_level, baseline_valid_until,
                    baseline_until)


async def track(program: Program, member_id: int, now: datetime, *, refund: bool = False) -> TierState:
    """Brings the member's tier up to date after activity (`refund=True` after a refund)."""
    joined_at = await periods.joined_at_of(program, member_id)
    state = await states.state_for_update(program, member_id, joined_at, now)
    await settle(program, state, joined_at, now)
    before = states.effective_rank(program, state, now)
    kept = Standing.of(state)
    period = periods.current_period(program, joined_at, now)
    units = await qualifying.running_units(program, member_id, period)
    after = advance(program, kept, joined_at, now, units, refund=refund)
    if after != kept:
        state.level, state.valid_until = after.level, after.valid_until
        state.baseline_level, state.baseline_valid_until = after.baseline_level, after.baseline_valid_until
        state.baseline_until = after.baseline_until
        state.updated_at = now
        await state.save()
        changes.touch(member_id)
    await states.announce(program, member_id, before, states.effective_rank(program, state, now), state.valid_until)
    return state
