from __future__ import annotations

from strawberry.types import Info

from loyalty.ledger.models import Account, AccountKind, Transfer
from schema.context import context_of
from schema.ledger.types import ActivityEntry
from schema.permissions import may_read_member
from schema.relay import int_key, register_node


async def _activity_node(info: Info, key: str) -> ActivityEntry | None:
    row = await Transfer.get_or_none(id=int_key(key)) if int_key(key) else None
    if row is None or row.member_id is None or not may_read_member(info, row.member_id):
        return None
    member = await context_of(info).members.load(row.member_id)
    account_ids = set(
        await Account.filter(member_id=row.member_id, kind=AccountKind.MEMBER.value).values_list("id", flat=True)
    )
    return ActivityEntry.from_transfer(row, account_ids, context_of(info).runtime.program.program, member.locale)


register_node("ActivityEntry", _activity_node)
