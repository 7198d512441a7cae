"""The tier review: what happens when a tier's time is up, and the daily `tier-review` job.

When a member's `valid_until` passes, the period that ends then is judged. If its
qualifying amount reaches the level held (or a higher one), the member keeps that level
until the end of the next period. Otherwise the program's `tiers.downgrade` applies:
`one_tier` moves the member one level down, `to_qualified` to the level the amount reaches.
A level given this way is kept until the end of the next period too, so that under
`one_tier` a member without activity steps down one level per period. Operator overrides
whose date has come lapse, and the member is back at the level they earned.

The job also warns (`tier.at_risk`, once per validUntil) members whose tier lapses within
`tiers.at_risk_days` and who have not yet qualified to keep it. It is idempotent: a member it
settled has nothing left due, and a warning is remembered.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from loyalty import changes, outbox, sql
from loyalty.events import TIER_AT_RISK
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.models import Asset
from loyalty.program.spec import Program, TierDowngrade
from loyalty.tiers import periods, qualifying, state as states
from loyalty.tiers.models import TierState
from loyalty.tiers.status import tier_status

BATCH = 500


async def settle(program: Program, state: TierState, joined_at: datetime | None, now: datetime) -> bool:
    """Applies what is due at `now`: lapsed overrides and ended periods. Returns whether the
    state changed (it is saved then, and the change announced)."""
    before = states.rank_of(program, state.override_level if state.override_level else state.level)
    changed = False
    if state.override_until is not None and state.override_until <= now:
        state.override_level, state.override_until = None, None
        changed = True
    while states.rank_of(program, state.level) > 0 and state.valid_until is not None and state.valid_until <= now:
        ended = periods.period_ending(program, joined_at, state.valid_until)
        reached = qualifying.supported_rank(program, await qualifying.qualifying_units(program, state.member_id, ended))
        held = states.rank_of(program, state.level)
        if reached >= held:
            level = reached
        elif program.tiers.downgrade is TierDowngrade.ONE_TIER:
            level = held - 1
        else:
            level = reached
        # Kept until the end of the period that began when `ended` ended.
        valid_until = periods.keep_until(program, joined_at, ended.end - timedelta(microseconds=1)) if level else None
        state.level, state.valid_until = program.tiers.levels[level].code, valid_until
        state.baseline_level, state.baseline_valid_until = state.level, state.valid_until
        state.baseline_until = states.baseline_end(program, joined_at, now)
        changed = True
    if changed:
        state.updated_at = now
        await state.save()
        changes.touch(state.member_id)
        after = states.effective_rank(program, state, now)
        await states.announce(program, state.member_id, before, after, state.valid_until)
    return changed


async def _warn_if_at_risk(program: Program, state: TierState, now: datetime) -> bool:
    valid_until = state.valid_until
    if valid_until is None or not now < valid_until <= now + timedelta(days=program.tiers.at_risk_days):
        return False
    if state.at_risk_warned_for == valid_until or states.override_active(state, now):
        return False
    status = await tier_status(program, state.member_id, now)
    state.at_risk_warned_for = valid_until
    await state.save(update_fields=["at_risk_warned_for"])
    if status.remaining_to_keep > 0:
        await outbox.emit(TIER_AT_RISK, state.member_id, {
            "tier": status.level.code, "tier_name": status.level.name,
            "remaining_to_keep": str(status.remaining_to_keep), "period_end": valid_until.isoformat(),
            "metric": program.tiers.metric.value,
        })
        return True
    return False


async def _due_members(now: datetime, horizon: datetime, after_id: int) -> list[int]:
    rows = await sql.fetch(
        "SELECT member_id FROM tier_states WHERE member_id > ? AND (valid_until <= ? OR override_until <= ? "
        "OR (valid_until <= ? AND (at_risk_warned_for IS NULL OR at_risk_warned_for <> valid_until))) "
        "ORDER BY member_id LIMIT ?",
        after_id, now, now, horizon, BATCH,
    )
    return [int(r["member_id"]) for r in rows]


async def review_member(program: Program, member_id: int, now: datetime) -> bool:
    async with changes.member_change():
        await lock_member_account(member_id, Asset.POINTS)
        state = await TierState.get(member_id=member_id)
        joined_at = await periods.joined_at_of(program, member_id)
        settled = await settle(program, state, joined_at, now)
        warned = await _warn_if_at_risk(program, state, now)
    return settled or warned


async def review_tiers(now: datetime, program: Program | None = None) -> int:
    """The `tier-review` job: settles every member with something due at `now`, a batch of
    members at a time, each in a transaction of its own. Returns how many it changed or warned."""
    if program is None:
        from loyalty.program.store import load_current

        current = await load_current()
        if current is None:
            return 0
        program = current.program
    horizon = now + timedelta(days=program.tiers.at_risk_days)
    done, after_id = 0, 0
    while members := await _due_members(now, horizon, after_id):
        for member_id in members:
            done += await review_member(program, member_id, now)
        after_id = members[-1]
    return done
