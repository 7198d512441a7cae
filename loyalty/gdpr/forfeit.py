"""What an erased member leaves in the ledger: pending transfers voided, the remaining points
and credit forfeited to the expiry account. Call inside the erasure's transaction, holding
the member's account locks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from loyalty.ledger import book
from loyalty.ledger.codes import EXPIRED, TransferCode
from loyalty.ledger.models import Account, Asset, Transfer, TransferStatus


@dataclass(frozen=True)
class Forfeited:
    points: int
    credit_minor: int


async def _void_pending(accounts: list[Account]) -> None:
    ids = frozenset(account.id for account in accounts)
    pending = await Transfer.filter(
        Q(debit_account_id__in=list(ids)) | Q(credit_account_id__in=list(ids)), status=TransferStatus.PENDING.value
    ).order_by("id")
    for transfer in pending:
        await book.void_pending(transfer, ids)


async def forfeit_balances(points: Account, credit: Account, erasure_id: int, now: datetime) -> Forfeited:
    """Voids what is still pending to or from the member, then moves their posted points and
    credit to the expiry account by FORFEIT transfers. Returns what was forfeited."""
    await _void_pending([points, credit])
    forfeited = {}
    for account in (points, credit):
        await account.refresh_from_db(fields=["posted"])
        amount = account.posted
        if amount > 0:
            entry = book.Entry(TransferCode.FORFEIT, f"erasure:{erasure_id}:{account.asset}", account.member_id, now,
                               memo={"erasure": erasure_id})
            await book.debit_member(account, amount, entry, EXPIRED)
        forfeited[account.asset] = max(amount, 0)
    return Forfeited(points=forfeited[Asset.POINTS.value], credit_minor=forfeited[Asset.CREDIT.value])
