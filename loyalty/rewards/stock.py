"""Limited stock: taken with a guarded UPDATE, so it never goes below zero."""
from __future__ import annotations

from loyalty import sql
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.program.spec import Reward
from loyalty.rewards.models import RewardStock


async def take_one(reward: Reward) -> None:
    """Takes one from the reward's stock, or raises OUT_OF_STOCK. Inside the caller's
    transaction: a rollback puts it back."""
    if reward.stock is None:
        return
    await sql.execute(
        "INSERT INTO reward_stock (reward_code, issued) VALUES (?, 0) ON CONFLICT (reward_code) DO NOTHING",
        reward.code,
    )
    taken = await sql.execute(
        "UPDATE reward_stock SET issued = issued + 1 WHERE reward_code = ? AND issued < ?",
        reward.code, reward.stock,
    )
    if taken != 1:
        raise LoyaltyError("This reward is out of stock.", field="reward_id", code=ErrorCode.OUT_OF_STOCK)


async def put_back(reward_code: str) -> None:
    await sql.execute(
        "UPDATE reward_stock SET issued = issued - 1 WHERE reward_code = ? AND issued > 0", reward_code
    )


async def remaining(reward: Reward) -> int | None:
    """What is left; None when the stock is unlimited."""
    if reward.stock is None:
        return None
    row = await RewardStock.get_or_none(reward_code=reward.code)
    return max(0, reward.stock - (row.issued if row else 0))
