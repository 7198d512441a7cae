from __future__ import annotations

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from loyalty.members import service
from loyalty.members.models import Member as MemberRow
from schema.context import context_of
from schema.members.types import Member
from schema.permissions import may_read_member, require_scope, viewer_member_id
from schema.relay import int_key, register_node


async def _member_node(info: Info, key: str) -> Member | None:
    member_id = int_key(key)
    if member_id is None or not may_read_member(info, member_id):
        return None
    row = await context_of(info).members.load(member_id)
    return Member.from_row(row) if row else None


register_node("Member", _member_node)


# Fields of `me` that need only the member's id.
_BY_ID = frozenset({"wallet", "id", "__typename"})


def _only_by_id(info: Info) -> bool:
    selections = info.selected_fields[0].selections if info.selected_fields else []
    return bool(selections) and all(
        isinstance(selection, SelectedField) and selection.name in _BY_ID for selection in selections
    )


@strawberry.type
class MemberQueries:
    @strawberry.field(description=(
        "The signed-in member; null when the request carries no token, an UNAUTHENTICATED error "
        "when it carries an expired or invalid one."
    ))
    async def me(self, info: Info) -> Member | None:
        member_id = viewer_member_id(info)
        if member_id is None:
            return None
        if _only_by_id(info):
            # The token's member id is all the wallet needs (members are never deleted): the
            # member row is not read.
            return Member.from_row(MemberRow(id=member_id))
        row = await context_of(info).members.load(member_id)
        return Member.from_row(row) if row else None

    @strawberry.field(
        description="Server-to-server (scope members:read): look a member up by the number on their card."
    )
    async def member_by_number(self, info: Info, member_number: str) -> Member | None:
        require_scope(info, "members:read")
        row = await service.find_by_number(member_number)
        return Member.from_row(row) if row else None
