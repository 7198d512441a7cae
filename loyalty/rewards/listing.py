"""Newest-first pages of a member's rows, by id: a cursor stays valid as rows arrive."""
from __future__ import annotations

from typing import Any

from tortoise.queryset import QuerySet

from loyalty.rewards.models import IssuedReward

MAX_PAGE = 100


async def newest_first(query: QuerySet[Any], first: int, before_id: int | None) -> tuple[list[Any], bool]:
    first = max(1, min(first, MAX_PAGE))
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first


async def issued_page(member_id: int, first: int, before_id: int | None) -> tuple[list[IssuedReward], bool]:
    return await newest_first(IssuedReward.filter(member_id=member_id), first, before_id)
