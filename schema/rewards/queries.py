from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty.errors import LoyaltyError
from loyalty.rewards import catalog
from loyalty.rewards.models import IssuedReward as IssuedRow
from schema.context import context_of
from schema.errors import as_top_level
from schema.permissions import may_read_member
from schema.relay import PageInfo, decode_cursor, encode_cursor, int_key, register_node
from schema.rewards.types import IssuedReward, Reward, RewardConnection, RewardEdge

DEFAULT_PAGE = 20
MAX_PAGE = 100


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


def _offset(first: int | None, after: str | None) -> tuple[int, int]:
    if first is not None and not 0 < first <= MAX_PAGE:
        raise as_top_level(LoyaltyError(f"first must be between 1 and {MAX_PAGE}.", field="first"))
    start = 0
    if after is not None:
        values = decode_cursor(after)
        if not values or not isinstance(values[0], int) or values[0] < 0:
            raise as_top_level(LoyaltyError("The cursor is not valid.", field="after"))
        start = values[0] + 1
    return first or DEFAULT_PAGE, start


@strawberry.type
class RewardQueries:
    @strawberry.field(
        description="The reward catalog, cheapest first; `available` on each says whether the signed-in member "
                    "can redeem it now."
    )
    def rewards(self, info: Info, first: int | None = None, after: str | None = None) -> RewardConnection:
        size, start = _offset(first, after)
        program = _program(info)
        rewards = catalog.ordered(program)
        page = rewards[start:start + size]
        edges = [RewardEdge(cursor=encode_cursor([start + i]), node=Reward.from_spec(program, r))
                 for i, r in enumerate(page)]
        return RewardConnection(edges=edges, page_info=PageInfo(
            has_next_page=start + size < len(rewards), has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
        ))
