from __future__ import annotations

from strawberry.types import Info

from loyalty.wallet import activity_item
from schema.context import context_of
from schema.ledger.types import ActivityEntry
from schema.permissions import may_read_member
from schema.relay import int_key, register_node


async def _activity_node(info: Info, key: str) -> ActivityEntry | None:
    history = key.startswith("h")
    pk = int_key(key[1:] if history else key)
    item = await activity_item(f"h{pk}" if history else str(pk)) if pk else None
    if item is None or not may_read_member(info, item.member_id):
        return None
    member = await context_of(info).members.load(item.member_id)
    if member is None:
        return None
    return ActivityEntry.from_item(item, context_of(info).runtime.program.program, member.locale)


register_node("ActivityEntry", _activity_node)
