"""A member's charity and donations."""
from __future__ import annotations

from strawberry.types import Info

from loyalty.charity.choices import chosen
from loyalty.charity.totals import donations_page
from loyalty.members.models import Member as MemberRow
from schema.charity.types import Charity, DonationConnection
from schema.context import context_of
from schema.ledger.resolvers import _page_args


async def charity_of(info: Info, member: MemberRow) -> Charity | None:
    choice = await chosen(member.id)
    if choice is None or choice.charity_code is None:
        return None
    return Charity.by_code(context_of(info).runtime.program.program, choice.charity_code)


async def auto_donate_percent_of(member: MemberRow) -> int:
    choice = await chosen(member.id)
    return choice.auto_donate_percent if choice else 0


async def donations_of(info: Info, member: MemberRow, first: int | None, after: str | None) -> DonationConnection:
    size, before_id = _page_args(first, after)
    rows, has_next = await donations_page(member.id, size, before_id)
    return DonationConnection.build(rows, context_of(info).runtime.program.program, has_next, after is not None)
