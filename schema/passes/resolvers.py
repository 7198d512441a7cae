"""A member's passes."""
from __future__ import annotations

from strawberry.types import Info

from loyalty.members.models import Member as MemberRow
from loyalty.passes.listing import passes_of_member
from schema.context import context_of
from schema.passes.types import Pass


async def passes_of(info: Info, member: MemberRow) -> list[Pass]:
    program = context_of(info).runtime.program.program
    shown = [await Pass.from_row(row, program) for row in await passes_of_member(member.id)]
    return [p for p in shown if p is not None]
