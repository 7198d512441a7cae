"""A member's membership and benefits."""
from __future__ import annotations

from strawberry.types import Info

from loyalty import clock
from loyalty.memberships.benefits import member_benefits
from loyalty.memberships.subscriptions import latest_membership
from loyalty.members.models import Member as MemberRow
from schema.context import context_of
from schema.memberships.types import Benefit, PaidMembership


async def membership_of(info: Info, member: MemberRow) -> PaidMembership | None:
    row = await latest_membership(member.id)
    return PaidMembership.from_row(row, context_of(info).runtime.program.program) if row else None


async def benefits_of(info: Info, member: MemberRow) -> list[Benefit]:
    program = context_of(info).runtime.program.program
    return [Benefit.from_view(b) for b in await member_benefits(program, member.id, clock.now())]
