from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty.rewards import coupons, redeem
from schema.context import context_of
from schema.ledger.resolvers import wallet_of
from schema.permissions import current_member, require_scope
from schema.relay import from_global_id
from schema.rewards.types import (
    IssuedReward, IssuedRewardPayload, RedeemRewardInput, RedeemRewardPayload, UseIssuedRewardInput,
)


def reward_code(global_id: str) -> str:
    """The reward's code; an id of another type names no reward (NOT_FOUND)."""
    parsed = from_global_id(global_id, "Reward")
    return parsed[1] if parsed else ""


@strawberry.type
class RewardMutations:
    @strawberry.mutation
    async def redeem_reward(self, info: Info, input: RedeemRewardInput) -> RedeemRewardPayload:
        program = context_of(info).runtime.program.program
        member = await current_member(info)
        row = await redeem.redeem_reward(program, member.id, reward_code(input.reward_id), input.idempotency_key)
        return RedeemRewardPayload(issued_reward=IssuedReward.from_row(row), wallet=await wallet_of(info, member))

    @strawberry.mutation(description="Marks an issued reward's coupon as used at checkout.")
    async def use_issued_reward(self, info: Info, input: UseIssuedRewardInput) -> IssuedRewardPayload:
        require_scope(info, "purchases:write")
        row = await coupons.use(input.code, input.order_id)
        return IssuedRewardPayload(issued_reward=IssuedReward.from_row(row))
