from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty.rewards.listing import catalog_page
from loyalty.rewards.models import IssuedReward as IssuedRow
from schema.connection import after_key
from schema.context import context_of
from schema.permissions import may_read_member
from schema.relay import int_key, register_node
from schema.rewards.types import IssuedReward, Reward, RewardConnection


def _program(info: Info):
    return context_of(info).runtime.program.program


async def _reward_node(info: Info, code: str) -> Reward | None:
    program = _program(info)
    reward = next((r for r in program.rewards if r.code == code), None)
    return Reward.from_spec(program, reward) if reward else None


async def _issued_node(info: Info, key: str) -> IssuedReward | None:
    issued_id = int_key(key)
    row = None if issued_id is None else await IssuedRow.get_or_none(id=issued_id)
    if row is None or not may_read_member(info, row.member_id):
        return None
    return IssuedReward.from_row(row)


register_node("Reward", _reward_node)
register_node("IssuedReward", _issued_node)


@strawberry.type
class RewardQueries:
    @strawberry.field(
        description="The reward catalog, cheapest first; `available` on each says whether the signed-in member "
                    "can redeem it now."
    )
    def rewards(self, info: Info, first: int | None = None, after: str | None = None) -> RewardConnection:
        program = _program(info)
        page = catalog_page(program, first, after_key(after))
        return RewardConnection.build(page, lambda reward: Reward.from_spec(program, reward), after)
