"""What an erased member leaves in the ledger: pending transfers voided, the remaining points,
credit and pass credit forfeited to the expiry account, and their open passes canceled. Call
inside the erasure's transaction, holding the member's account locks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from loyalty import sql
from loyalty.ledger import book
from loyalty.ledger.codes import EXPIRED, TransferCode
from loyalty.ledger.models import Account, Asset, Transfer, TransferStatus
from loyalty.passes.models import Pass, PassStatus
from loyalty.passes.payments import take_balance
from loyalty.program.spec import PassKind


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


_OPEN = (PassStatus.PENDING_PAYMENT.value, PassStatus.ACTIVE.value)


async def forfeit_passes(member_id: int, erasure_id: int, now: datetime) -> int:
    """Moves what the member's credit passes hold to the expiry account (a FORFEIT transfer
    per pass, the pass credit asset's expiry account), then cancels their open passes
    (pending, active, an open punch card), recording what visits they had left. Returns the
    pass credit forfeited. The passes are locked in id order, after the member's accounts,
    as a refund locks them."""
    rows = await Pass.select_for_update().filter(member_id=member_id).order_by("id")
    forfeited = 0
    for row in rows:
        if row.kind == PassKind.CREDIT_PASS.value:
            forfeited += await take_balance(row, TransferCode.FORFEIT, EXPIRED, f"erasure:{erasure_id}:pass:{row.id}",
                                            None, now, {"erasure": erasure_id})
    open_ids = [row.id for row in rows if row.status in _OPEN]
    if open_ids:
        await sql.execute(
            "UPDATE passes SET status = ?, ended_at = ?, open_card_key = NULL, "
            "visits_left_at_end = CASE WHEN visits_total IS NULL THEN NULL ELSE visits_total - visits_used END "
            f"WHERE id IN ({sql.marks(open_ids)})", PassStatus.CANCELED.value, now, *open_ids,
        )
    return forfeited
