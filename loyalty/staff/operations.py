"""Staff operations that other domains carry out, with their audit entry in the same
transaction: setting a tier (`loyalty.tiers.override`) and canceling an issued reward
(`loyalty.rewards.coupons`). The GraphQL mutations and the `loyalty` commands both call these."""
from __future__ import annotations

from datetime import date, datetime

from loyalty import changes
from loyalty.audit.record import Actor, check_reason, record
from loyalty.errors import LoyaltyError, NotFound
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.models import Asset
from loyalty.members.models import Member
from loyalty.program.spec import Program
from loyalty.rewards import coupons
from loyalty.rewards.codes import normalize_coupon
from loyalty.rewards.models import IssuedReward
from loyalty.tiers import current, override
from loyalty.tiers.models import TierState


async def set_tier(
    program: Program, actor: Actor, member_id: int, code: str, until: date, reason: str | None, now: datetime,
) -> TierState:
    reason = check_reason(reason)
    if code not in {level.code for level in program.tiers.levels}:
        known = ", ".join(level.code for level in program.tiers.levels)
        raise LoyaltyError(f"The program has no tier {code!r} (it has {known}).", field="tier")
    if not await Member.exists(id=member_id):
        raise NotFound("No member with that id or number.", field="member_id")
    async with changes.member_change():
        await lock_member_account(member_id, Asset.POINTS)
        before = (await current.level_for(program, member_id, now)).code
        state = await override.set_tier(program, member_id, code, until, now)
        await record(actor, "member.set_tier", member_id, reason, {"tier": before},
                     {"tier": code, "until": until.isoformat()}, at=now)
    return state


async def cancel_reward(actor: Actor, code_text: str, reason: str | None, now: datetime) -> IssuedReward:
    reason = check_reason(reason)
    code = normalize_coupon(code_text)
    found = await IssuedReward.get_or_none(code=code) if code else None
    async with changes.member_change():
        row = await coupons.cancel(code_text)
        await record(actor, "reward.cancel", row.member_id, reason,
                     {"code": row.code, "status": found.status if found else None},
                     {"code": row.code, "status": row.status, "points_returned": row.points}, at=now)
    return row
