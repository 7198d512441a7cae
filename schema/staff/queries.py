from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty import clock
from loyalty.members.search import search_members
from schema.connection import Connection, after_key
from schema.context import context_of
from schema.members.types import Member
from schema.permissions import require_scope
from schema.relay import PageInfo


@strawberry.type
class MemberEdge:
    node: Member
    cursor: str


@strawberry.type
class MemberConnection(Connection):
    edges: list[MemberEdge]
    page_info: PageInfo
    edge = MemberEdge


@strawberry.type
class StaffQueries:
    @strawberry.field(description="Members whose email, member number or name starts with `search`, newest first "
                                  "(scope members:read); `tier` and `segment` narrow them down.")
    async def members(
        self, info: Info, search: str | None = None, segment: str | None = None, tier: str | None = None,
        first: int | None = None, after: str | None = None,
    ) -> MemberConnection:
        require_scope(info, "members:read")
        program = context_of(info).runtime.program.program
        page = await search_members(program, clock.now(), search=search, segment=segment, tier=tier, first=first,
                                    after=after_key(after))
        return MemberConnection.build(page, Member.from_row, after)
