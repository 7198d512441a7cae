"""Automatic donations for awards that were pending and have just posted."""
from __future__ import annotations

from loyalty import sql
from loyalty.charity.donations import after_award
from loyalty.ledger.codes import EARNING
from loyalty.ledger.models import Account, AccountKind, Asset, Transfer, TransferStatus
from loyalty.program.store import load_current

_EARNING = tuple(code.value for code in sorted(EARNING))


async def donate_posted(batch: str) -> int:
    """For every award of the activation `batch` whose member donates a share: the donation of
    that share of what the award kept after clawbacks that posted with it, inside the
    activation's transaction (which holds the members' locks). Returns how many."""
    rows = await sql.fetch(
        "SELECT t.id AS transfer_id, t.credit_account_id AS account_id, t.amount - COALESCE(("
        " SELECT SUM(r.amount) FROM ledger_transfers r WHERE r.reverses_id = t.id AND r.status = ?"
        "), 0) AS net FROM ledger_transfers t "
        "JOIN ledger_accounts a ON a.id = t.credit_account_id "
        "JOIN charity_choices c ON c.member_id = t.member_id "
        f"WHERE t.batch_id = ? AND t.code IN ({sql.marks(_EARNING)}) AND a.kind = ? AND a.asset = ? "
        "AND c.auto_donate_percent > 0 AND c.charity_code IS NOT NULL ORDER BY t.id",
        TransferStatus.POSTED.value, batch, *_EARNING, AccountKind.MEMBER.value, Asset.POINTS.value,
    )
    if not rows:
        return 0
    current = await load_current()
    if current is None:
        return 0
    made = 0
    for row in rows:
        account = await Account.get(id=row["account_id"])
        transfer = await Transfer.get(id=row["transfer_id"])
        if await after_award(current.program, account, transfer, net_amount=int(row["net"])) is not None:
            made += 1
    return made
