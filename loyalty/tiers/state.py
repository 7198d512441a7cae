"""A member's tier state: reading it, the level in force, and announcing changes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from loyalty import outbox
from loyalty.events import TIER_DOWNGRADED, TIER_UPGRADED
from loyalty.program.spec import Program, TierPeriod
from loyalty.tiers import periods
from loyalty.tiers.models import TierState


def rank_of(program: Program, code: str | None) -> int:
    """The rank of a stored level; a level the program no longer has counts as the entry level."""
    if code is None:
        return 0
    try:
        return program.tiers.rank(code)
    except KeyError:
        return 0


def override_active(state: TierState | None, at: datetime) -> bool:
    return state is not None and state.override_level is not None and state.override_until is not None \
        and state.override_until > at


def effective_rank(program: Program, state: TierState | None, at: datetime) -> int:
    """The rank the member holds at `at`: an operator's setting while it lasts, else the earned one."""
    if state is None:
        return 0
    return rank_held(program, state.level, state.override_level, state.override_until, at)


def rank_held(program: Program, level: str, override_level: str | None, override_until: datetime | None,
              at: datetime) -> int:
    """`effective_rank` from a tier state's values."""
    if override_level is not None and override_until is not None and override_until > at:
        return rank_of(program, override_level)
    return rank_of(program, level)


def baseline_end(program: Program, joined_at: datetime | None, now: datetime) -> datetime:
    """How long what the member holds at `now` stays the level a refund can return them to:
    the end of the current period (for rolling_12_months, as long as a purchase made today
    counts towards the tier)."""
    if program.tiers.period is TierPeriod.ROLLING_12_MONTHS:
        return periods.keep_until(program, joined_at, now)
    return periods.current_period(program, joined_at, now).end


async def load_state(member_id: int) -> TierState | None:
    return await TierState.get_or_none(member_id=member_id)


async def state_for_update(
    program: Program, member_id: int, joined_at: datetime | None, now: datetime,
) -> TierState:
    """The member's state, made at the entry level when they have none. Call it inside the
    transaction that holds the member's lock."""
    state = await TierState.get_or_none(member_id=member_id)
    if state is None:
        entry = program.tiers.levels[0].code
        state = await TierState.create(
            member_id=member_id, level=entry, valid_until=None, baseline_level=entry,
            baseline_valid_until=None, baseline_until=baseline_end(program, joined_at, now), updated_at=now,
        )
    return state


def tier_event(
    program: Program, before: int, after: int, valid_until: datetime | None,
) -> tuple[str, dict[str, Any]] | None:
    """(topic, payload) of tier.upgraded or tier.downgraded when the level in force changed."""
    if before == after:
        return None
    levels = program.tiers.levels
    payload: dict[str, Any] = {
        "tier": levels[after].code, "tier_name": levels[after].name,
        "previous": levels[before].code, "previous_name": levels[before].name,
    }
    if after > before:
        payload["valid_until"] = valid_until.isoformat() if valid_until else None
        return TIER_UPGRADED, payload
    return TIER_DOWNGRADED, payload


async def announce(program: Program, member_id: int, before: int, after: int, valid_until: datetime | None) -> None:
    """tier.upgraded or tier.downgraded when the level in force changed."""
    event = tier_event(program, before, after, valid_until)
    if event is not None:
        await outbox.emit(event[0], member_id, event[1])
