"""An operator sets a member's tier until a date (`loyalty set-tier`).

The member holds that level from now until the start of `until` in the program's time
zone, whatever they earn meanwhile; then it lapses and they are back at the level they
earned (which keeps moving with their activity underneath). Setting it again replaces it.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time

from loyalty import changes
from loyalty.errors import LoyaltyError, NotFound
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.models import Asset
from loyalty.members.models import Member
from loyalty.program.spec import Program
from loyalty.tiers import periods, state as states
from loyalty.tiers.models import TierState
from loyalty.tiers.review import settle


def lapse_moment(program: Program, until: date) -> datetime:
    return datetime.combine(until, time(), tzinfo=program.program.zone).astimezone(UTC)


async def set_tier(program: Program, member_id: int, code: str, until: date, now: datetime) -> TierState:
    try:
        rank = program.tiers.rank(code)
    except KeyError:
        known = ", ".join(level.code for level in program.tiers.levels)
        raise LoyaltyError(f"The program has no tier {code!r} (it has {known}).", field="level") from None
    lapses = lapse_moment(program, until)
    if lapses <= now:
        raise LoyaltyError("The date a set tier lapses must be after today.", field="until")
    if not await Member.exists(id=member_id):
        raise NotFound("No member with that id or number.", field="member_id")
    async with changes.member_change():
        await lock_member_account(member_id, Asset.POINTS)
        joined_at = await periods.joined_at_of(program, member_id)
        state = await states.state_for_update(program, member_id, joined_at, now)
        await settle(program, state, joined_at, now)
        before = states.effective_rank(program, state, now)
        state.override_level, state.override_until, state.updated_at = code, lapses, now
        await state.save()
        changes.touch(member_id)
        await states.announce(program, member_id, before, rank, lapses)
    return state
