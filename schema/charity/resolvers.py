"""A member's charity and donations."""
from __future__ import annotations

from strawberry.types import Info

from loyalty.charity.choices import chosen
from loyalty.charity.totals import donations_page
from loyalty.members.models import Member as MemberRow
from schema.charity.types import Charity, Donation, DonationConnection
from schema.connection import after_key
from schema.context import context_of


async def charity_of(info: Info, member: MemberRow) -> Charity | None:
    choice = await chosen(member.id)
    if choice is None or choice.charity_code is None:
        return None
    return Charity.by_code(context_of(info).runtime.program.program, choice.charity_code)


async def auto_donate_percent_of(member: MemberRow) -> int:
    choice = await chosen(member.id)
    return choice.auto_donate_percent if choice else 0


async def donations_of(info: Info, member: MemberRow, first: int | None, after: str | None) -> DonationConnection:
    program = context_of(info).runtime.program.program
    page = await donations_page(member.id, first, after_key(after))
    return DonationConnection.build(page, lambda row: Donation.from_row(row, program), after)
