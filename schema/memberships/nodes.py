from __future__ import annotations

from strawberry.types import Info

from loyalty.memberships.models import Membership
from schema.context import context_of
from schema.memberships.types import PaidMembership
from schema.permissions import may_read_member
from schema.relay import int_key, register_node


async def _membership_node(info: Info, key: str) -> PaidMembership | None:
    row = await Membership.get_or_none(id=int_key(key)) if int_key(key) else None
    if row is None or not may_read_member(info, row.member_id):
        return None
    return PaidMembership.from_row(row, context_of(info).runtime.program.program)


register_node("PaidMembership", _membership_node)
