from __future__ import annotations

import strawberry

from schema.ledger.types import ActivityEntry, Wallet


@strawberry.type
class WalletUpdate:
    wallet: Wallet
    entry: ActivityEntry | None = strawberry.field(description="The entry that caused the update.")
