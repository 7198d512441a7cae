"""The parts of a member that the brand's staff read: purchases, notifications, the block."""
from __future__ import annotations

from strawberry.types import Info

from loyalty import paging
from loyalty.members.models import Member as MemberRow
from loyalty.notifications.sent import sent_page
from loyalty.purchases.models import Purchase as PurchaseRow
from loyalty.staff.blocks import block_of
from schema.connection import after_key
from schema.context import context_of
from schema.purchases.types import Purchase, PurchaseConnection
from schema.staff.types import MemberNotification, MemberNotificationConnection


async def purchases_of(info: Info, member: MemberRow, first: int | None, after: str | None) -> PurchaseConnection:
    program = context_of(info).runtime.program.program
    page = await paging.newest_first(PurchaseRow.filter(member_id=member.id), first, after_key(after))
    return PurchaseConnection.build(page, lambda row: Purchase.from_row(row, program), after)


async def notifications_of(
    info: Info, member: MemberRow, first: int | None, after: str | None
) -> MemberNotificationConnection:
    page = await sent_page(member.id, first, after_key(after))
    return MemberNotificationConnection.build(page, MemberNotification.from_row, after)


async def blocked_at_of(member: MemberRow):  # noqa: ANN201 - datetime | None
    block = await block_of(member.id)
    return block.blocked_at if block else None
