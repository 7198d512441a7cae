"""The wallet and its history, for a member the caller may read."""
from __future__ import annotations

from strawberry.types import Info

from loyalty import clock
from loyalty.errors import LoyaltyError
from loyalty.members.models import Member as MemberRow
from loyalty.wallet import MAX_PAGE, activity_page, cached_wallet
from schema.context import context_of
from schema.errors import as_top_level
from schema.ledger.types import ActivityConnection, ActivityEntry, Wallet
from schema.relay import decode_cursor

DEFAULT_PAGE = 20


async def wallet_of(info: Info, member: MemberRow) -> Wallet:
    program = context_of(info).runtime.program.program
    view = await cached_wallet(context_of(info).runtime.cache, member.id, clock.now(), program)
    return Wallet.from_view(view, program)


def _page_args(first: int | None, after: str | None) -> tuple[int, int | None]:
    if first is not None and not 0 < first <= MAX_PAGE:
        raise as_top_level(LoyaltyError(f"first must be between 1 and {MAX_PAGE}.", field="first"))
    before_id = None
    if after is not None:
        values = decode_cursor(after)
        if not values or not isinstance(values[0], int):
            raise as_top_level(LoyaltyError("The cursor is not valid.", field="after"))
        before_id = values[0]
    return first or DEFAULT_PAGE, before_id


async def activity_of(info: Info, member: MemberRow, first: int | None, after: str | None) -> ActivityConnection:
    size, before_id = _page_args(first, after)
    items, has_next = await activity_page(member.id, size, before_id)
    program = context_of(info).runtime.program.program
    entries = [ActivityEntry.from_item(item, program, member.locale) for item in items]
    return ActivityConnection.build(entries, items, has_next, after is not None)
