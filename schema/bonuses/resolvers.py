"""Bonus fields of a member."""
from __future__ import annotations

from datetime import date

from strawberry.types import Info

from loyalty import clock
from loyalty.bonuses.days import bonus_day_for
from loyalty.members.models import Member as MemberRow
from schema.context import context_of


async def bonus_day_of(info: Info, member: MemberRow) -> date | None:
    return await bonus_day_for(context_of(info).runtime.program.program, member.id, clock.now())
