from __future__ import annotations

from strawberry.types import Info

from loyalty.purchases.models import Purchase as PurchaseRow
from schema.context import context_of
from schema.permissions import may_read_member
from schema.purchases.types import Purchase
from schema.relay import int_key, register_node


async def _purchase_node(info: Info, key: str) -> Purchase | None:
    row = await PurchaseRow.get_or_none(id=int_key(key)) if int_key(key) else None
    if row is None or not may_read_member(info, row.member_id):
        return None
    return Purchase.from_row(row, context_of(info).runtime.program.program)


register_node("Purchase", _purchase_node)
