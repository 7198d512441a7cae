from __future__ import annotations

from strawberry.types import Info

from loyalty.passes.models import Pass as PassRow
from schema.context import context_of
from schema.passes.types import Pass
from schema.permissions import may_read_member
from schema.relay import int_key, register_node


async def _pass_node(info: Info, key: str) -> Pass | None:
    row = await PassRow.get_or_none(id=int_key(key)) if int_key(key) else None
    if row is None or not may_read_member(info, row.member_id):
        return None
    return await Pass.from_row(row, context_of(info).runtime.program.program)


register_node("Pass", _pass_node)
