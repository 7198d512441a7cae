"""Redeeming points for a reward: one transaction, exactly once per idempotency key.

In order, under the member's lock: the tier, the segment (for a reward limited to segments),
the member's limit for the period, one from stock (guarded), the points (from the lots that
expire first), then the coupon. Any refusal (TIER_REQUIRED, NOT_AVAILABLE, LIMIT_REACHED,
OUT_OF_STOCK, INSUFFICIENT_POINTS, NOT_FOUND) rolls the whole
transaction back: balances, stock and coupons are as they were.
"""
from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from loyalty import changes, clock, events, outbox
from loyalty.actions.periods import period_start
from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from loyalty.idempotency import check_key, check_replay, fingerprint
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import ISSUANCE, REDEMPTION, TransferCode
from loyalty.ledger.models import Account, Asset
from loyalty.money import to_minor
from loyalty.program.spec import Program, Reward, RewardKind
from loyalty.rewards import coupons, stock
from loyalty.rewards.models import IssuedReward, IssuedSource, IssuedStatus
from loyalty.staff.blocks import refuse_if_blocked
from loyalty.segments.conditions import open_to, segment_of
from loyalty.tiers import current


def find_reward(program: Program, reward_code: str) -> Reward:
    try:
        return program.reward(reward_code)
    except KeyError:
        raise NotFound("No reward with that id.", field="reward_id") from None


async def tier_allows(program: Program, reward: Reward, member_id: int, now: datetime) -> bool:
    if reward.minimum_tier is None:
        return True
    level = await current.level_for(program, member_id, now)
    return program.tiers.rank(level.code) >= program.tiers.rank(reward.minimum_tier)


async def segment_allows(reward: Reward, member_id: int) -> bool:
    """A reward limited to segments is for the members of one of them."""
    return not reward.segments or open_to(reward.segments, await segment_of(member_id))


async def redeemed_in_period(program: Program, reward: Reward, member_id: int, now: datetime) -> int:
    """Coupons of `reward` the member bought in the limit's current period (canceled ones
    do not count)."""
    query = IssuedReward.filter(
        member_id=member_id, reward_code=reward.code, source=IssuedSource.REDEEMED.value,
    ).exclude(status=IssuedStatus.CANCELED.value)
    start = period_start(reward.limit.per, now, program.program.zone) if reward.limit else None
    if start is not None:
        query = query.filter(issued_at__gte=start)
    return await query.count()


async def _replay(key: str, request_hash: str) -> IssuedReward | None:
    existing = await IssuedReward.get_or_none(idempotency_key=key)
    if existing is not None:
        check_replay(existing.request_hash or "", request_hash, "redemption")
    return existing


async def redeem_reward(program: Program, member_id: int, reward_code: str, idempotency_key: str) -> IssuedReward:
    key = f"redeem:{member_id}:{check_key(idempotency_key, 'idempotency_key')}"
    request_hash = fingerprint(member=member_id, reward=reward_code)
    if (existing := await _replay(key, request_hash)) is not None:
        return existing
    reward = find_reward(program, reward_code)
    now = clock.now()
    try:
        async with changes.member_change():
            account = await lock_member_account(member_id, Asset.POINTS)
            # A request with the same key that held the lock before us has committed by now.
            if (existing := await _replay(key, request_hash)) is not None:
                return existing
            await refuse_if_blocked(member_id)
            return await _redeem(program, reward, account, key, request_hash, now)
    except IntegrityError:
        if (existing := await _replay(key, request_hash)) is not None:
            return existing
        raise


async def _redeem(program: Program, reward: Reward, account: Account, key: str, request_hash: str, now: datetime) -> IssuedReward:
    member_id = account.member_id
    if reward.minimum_tier is not None and not await tier_allows(program, reward, member_id, now):
        tier = program.tier_level(reward.minimum_tier)
        raise LoyaltyError(f"This reward is for {tier.name} members and above.", field="reward_id",
                           code=ErrorCode.TIER_REQUIRED)
    if not await segment_allows(reward, member_id):
        raise LoyaltyError("This reward is offered to other members.", field="reward_id",
                           code=ErrorCode.NOT_AVAILABLE)
    if reward.limit is not None and await redeemed_in_period(program, reward, member_id, now) >= reward.limit.count:
        raise LoyaltyError(f"You can redeem this reward {reward.limit.render()}.", field="reward_id",
                           code=ErrorCode.LIMIT_REACHED)
    await stock.take_one(reward)
    memo = {"reward": reward.code, "reward_name": reward.name}
    try:
        spend = await book.debit_member(
            account, reward.cost_points,
            book.Entry(TransferCode.REDEEM_REWARD, f"{key}:spend", member_id, now, memo=memo),
            REDEMPTION, field="reward_id",
        )
    except book.InsufficientFunds:
        raise LoyaltyError(
            f"This reward costs {reward.cost_points} points; you have {account.posted} to spend.",
            field="reward_id", code=ErrorCode.INSUFFICIENT_POINTS,
        ) from None
    credit_id, status = None, IssuedStatus.ACTIVE
    if reward.kind is RewardKind.STORE_CREDIT:
        settings = program.program
        assert reward.value is not None, "a store credit reward has a value (the program file requires it)"
        value_minor = to_minor(reward.value, settings.minor_units)
        credit_account = await lock_member_account(member_id, Asset.CREDIT)
        credit = await book.credit_member(
            credit_account, value_minor,
            book.Entry(TransferCode.REWARD_CREDIT, f"{key}:credit", member_id, now,
                       memo={**memo, "amount_minor": value_minor, "currency": settings.currency}),
            ISSUANCE,
        )
        credit_id, status = credit.id, IssuedStatus.USED  # applied to the wallet at once
    issued = await coupons.issue(
        reward, member_id, now, source=IssuedSource.REDEEMED, points=reward.cost_points, idempotency_key=key,
        request_hash=request_hash, spend_transfer_id=spend.id, credit_transfer_id=credit_id, status=status,
    )
    await outbox.emit(events.REWARD_REDEEMED, member_id, coupons.payload(
        issued, points=reward.cost_points, expires_at=issued.expires_at.isoformat() if issued.expires_at else None,
    ))
    return issued
