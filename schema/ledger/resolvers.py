"""The wallet and its history, for a member the caller may read."""
from __future__ import annotations

from strawberry.types import Info

from loyalty import clock
from loyalty.members.models import Member as MemberRow
from loyalty.wallet import activity_page, cached_wallet
from schema.connection import after_key
from schema.context import context_of
from schema.ledger.types import ActivityConnection, ActivityEntry, Wallet


async def wallet_of(info: Info, member: MemberRow) -> Wallet:
    program = context_of(info).runtime.program.program
    view = await cached_wallet(context_of(info).runtime.cache, member.id, clock.now(), program)
    return Wallet.from_view(view, program)


async def activity_of(info: Info, member: MemberRow, first: int | None, after: str | None) -> ActivityConnection:
    program = context_of(info).runtime.program.program
    page = await activity_page(member.id, first, after_key(after))
    return ActivityConnection.build(page, lambda item: ActivityEntry.from_item(item, program, member.locale), after)
