"""Blocking a member for review: earning goes on, spending does not.

`block_member` and `unblock_member` run under the member's lock, as does every operation
that takes value from a member and calls `refuse_if_blocked` after taking that lock: a
block committed before such an operation took the lock refuses it, and none that started
before the block can finish after it. Blocking a blocked member, or unblocking one who is
not blocked, changes nothing and writes no audit entry; a change emits `member.blocked` or
`member.unblocked` for the brand's webhooks.
"""
from __future__ import annotations

from datetime import datetime

from loyalty import changes, events, outbox
from loyalty.audit.record import Actor, check_reason, record
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.models import Asset
from loyalty.staff.models import MemberBlock


class MemberBlocked(LoyaltyError):
    code = ErrorCode.MEMBER_BLOCKED

    def __init__(self) -> None:
        super().__init__(
            "This account is blocked for review: it cannot spend, redeem, donate or transfer points or credit "
            "for now. Points it earns are kept."
        )


async def is_blocked(member_id: int) -> bool:
    return await MemberBlock.exists(member_id=member_id)


async def refuse_if_blocked(member_id: int) -> None:
    """MEMBER_BLOCKED when the member is blocked. Call it holding the member's lock."""
    if await is_blocked(member_id):
        raise MemberBlocked()


async def block_of(member_id: int) -> MemberBlock | None:
    return await MemberBlock.get_or_none(member_id=member_id)


async def block_member(actor: Actor, member_id: int, reason: str | None, now: datetime) -> MemberBlock:
    reason = check_reason(reason)
    async with changes.member_change():
        await lock_member_account(member_id, Asset.POINTS)
        existing = await MemberBlock.get_or_none(member_id=member_id)
        if existing is not None:
            return existing
        block = await MemberBlock.create(member_id=member_id, reason=reason or "", actor=actor.name[:128], blocked_at=now)
        await record(actor, "member.block", member_id, reason, {"blocked": False}, {"blocked": True}, at=now)
        await outbox.emit(events.MEMBER_BLOCKED, member_id, {
            "reason": reason or "", "actor": block.actor, "blocked_at": now.isoformat()})
        changes.touch(member_id)
        return block


async def unblock_member(actor: Actor, member_id: int, reason: str | None, now: datetime) -> None:
    reason = check_reason(reason)
    async with changes.member_change():
        await lock_member_account(member_id, Asset.POINTS)
        existing = await MemberBlock.get_or_none(member_id=member_id)
        if existing is None:
            return
        await MemberBlock.filter(member_id=member_id).delete()
        await record(actor, "member.unblock", member_id, reason,
                     {"blocked": True, "blocked_at": existing.blocked_at.isoformat(), "blocked_by": existing.actor},
                     {"blocked": False}, at=now)
        await outbox.emit(events.MEMBER_UNBLOCKED, member_id, {
            "reason": reason or "", "actor": actor.name[:128], "blocked_at": existing.blocked_at.isoformat()})
        changes.touch(member_id)
