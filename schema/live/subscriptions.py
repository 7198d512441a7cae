"""Subscriptions (graphql-transport-ws at /graphql; the access token goes in the
connection_init payload, see api/websocket.py)."""
from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from loyalty import clock
from loyalty.members.models import Member as MemberRow
from loyalty.wallet import activity_page, cached_wallet
from schema.context import context_of
from schema.ledger.types import ActivityEntry, Wallet
from schema.live.types import WalletUpdate
from schema.permissions import require_member


async def wallet_update(info: Info, member_id: int) -> WalletUpdate | None:
    member = await MemberRow.get_or_none(id=member_id)
    if member is None:
        return None
    runtime = context_of(info).runtime
    program = runtime.program.program
    view = await cached_wallet(runtime.cache, member_id, clock.now(), program)
    latest = (await activity_page(member_id, 1, None)).items
    entry = ActivityEntry.from_item(latest[0], program, member.locale) if latest else None
    return WalletUpdate(wallet=Wallet.from_view(view, program), entry=entry)


@strawberry.type
class LiveSubscriptions:
    @strawberry.subscription(
        description="The signed-in member's wallet, pushed after every committed change (graphql-transport-ws)."
    )
    async def wallet_updated(self, info: Info) -> AsyncGenerator[WalletUpdate, None]:
        member_id = require_member(info).member_id
        live = context_of(info).runtime.live
        assert live is not None, "every API process runs live updates"
        async with live.subscription(member_id) as notices:
            while True:
                await notices.get()
                update = await wallet_update(info, member_id)
                if update is None:
                    return  # the member is gone
                yield update
