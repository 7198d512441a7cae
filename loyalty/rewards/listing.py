"""A member's issued rewards, newest first; the catalog in the order members see it."""
from __future__ import annotations

from loyalty import paging
from loyalty.program.spec import Program, Reward
from loyalty.rewards.catalog import ordered, place
from loyalty.rewards.models import IssuedReward


async def issued_page(member_id: int, first: int | None, after: paging.Key | None) -> paging.Page[IssuedReward]:
    return await paging.newest_first(IssuedReward.filter(member_id=member_id), first, after)


def catalog_page(program: Program, first: int | None, after: paging.Key | None) -> paging.Page[Reward]:
    """The catalog cheapest first, then by code: a cursor keeps its place when rewards come or go."""
    return paging.in_order(ordered(program), place, first, after)
