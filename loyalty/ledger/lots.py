"""Lots: points credited together, with one expiry. Debits draw from the lots that expire
first (never-expiring lots last) and record each draw; a refund gives points back to the
lots they were drawn from, keeping those lots' expiry."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from loyalty import sql
from loyalty.ledger.codes import TransferCode
from loyalty.ledger.models import Lot, LotAllocation, Transfer

_SCHEDULE_ADD = (
    "INSERT INTO ledger_expiry_schedule (account_id, expires_at, points) VALUES (?, ?, ?) "
    "ON CONFLICT (account_id, expires_at) DO UPDATE SET points = ledger_expiry_schedule.points + excluded.points"
)


async def schedule(account_id: int, expires_at: datetime | None, points: int) -> None:
    """Keeps the expiry schedule in step with a change of `points` to a lot's remainder."""
    if expires_at is not None and points:
        await sql.execute(_SCHEDULE_ADD, account_id, expires_at, points)


async def open_lot(account_id: int, transfer: Transfer, expires_at: datetime | None) -> None:
    await Lot.create(
        account_id=account_id, transfer_id=transfer.id, amount=transfer.amount, remaining=transfer.amount,
        earned_at=transfer.occurred_at, expires_at=expires_at,
    )
    await schedule(account_id, expires_at, transfer.amount)


_DRAW_BATCH = 100


async def _open_lots(account_id: int, after: tuple[Any, int] | None, dated: bool) -> list[dict[str, Any]]:
    """The next lots with points left, in the order they are spent: those that expire, by
    expiry, then those that never expire. Served by the partial index on open lots."""
    params: tuple[Any, ...]
    if dated:
        where, order = "expires_at IS NOT NULL", "expires_at, id"
        if after is not None:
            where += " AND (expires_at > ? OR (expires_at = ? AND id > ?))"
        params = () if after is None else (after[0], after[0], after[1])
    else:
        where, order = "expires_at IS NULL", "id"
        if after is not None:
            where += " AND id > ?"
        params = () if after is None else (after[1],)
    return await sql.fetch(
        f"SELECT id, remaining, expires_at FROM ledger_lots WHERE account_id = ? AND remaining > 0 AND {where} "
        f"ORDER BY {order} LIMIT {_DRAW_BATCH}",
        account_id, *params,
    )


async def _take(account_id: int, transfer_id: int, row: dict[str, Any], amount: int) -> int:
    take = min(amount, int(row["remaining"]))
    await sql.execute("UPDATE ledger_lots SET remaining = remaining - ? WHERE id = ?", take, row["id"])
    await LotAllocation.create(lot_id=row["id"], transfer_id=transfer_id, amount=take)
    await schedule(account_id, row["expires_at"], -take)
    return take


async def draw(account_id: int, transfer_id: int, amount: int, *, prefer_transfer_id: int | None = None) -> None:
    """Draws `amount` from the account's lots (from the lot of `prefer_transfer_id` first).
    The caller has already taken the amount from the account's posted balance, which
    always equals the sum of its lots' remainders."""
    left = amount
    if prefer_transfer_id is not None:
        preferred = await sql.fetch_one(
            "SELECT id, remaining, expires_at FROM ledger_lots WHERE transfer_id = ? AND account_id = ? "
            "AND remaining > 0",
            prefer_transfer_id, account_id,
        )
        if preferred is not None:
            left -= await _take(account_id, transfer_id, preferred, left)
    for dated in (True, False):
        after = None
        while left:
            rows = await _open_lots(account_id, after, dated)
            for row in rows:
                if left == 0:
                    break
                left -= await _take(account_id, transfer_id, row, left)
            if len(rows) < _DRAW_BATCH:
                break
            after = (rows[-1]["expires_at"], rows[-1]["id"])
    if left:
        raise AssertionError(f"account {account_id}: lots hold {left} fewer points than its balance")


async def give_back(spend_id: int, restore_id: int, amount: int) -> None:
    """Returns `amount` of what transfer `spend_id` drew, latest-expiring lots first."""
    rows = await sql.fetch(
        "SELECT a.lot_id, SUM(a.amount) AS still_out, MAX(l.expires_at) AS expires_at, MAX(l.account_id) AS account_id "
        "FROM ledger_lot_allocations a JOIN ledger_lots l ON l.id = a.lot_id "
        "WHERE a.transfer_id = ? OR a.transfer_id IN "
        "(SELECT id FROM ledger_transfers WHERE reverses_id = ? AND code = ?) "
        "GROUP BY a.lot_id HAVING SUM(a.amount) > 0 "
        "ORDER BY (MAX(l.expires_at) IS NULL) DESC, MAX(l.expires_at) DESC, a.lot_id DESC",
        spend_id, spend_id, TransferCode.RESTORE.value,
    )
    left = amount
    for row in rows:
        if left == 0:
            break
        back = min(left, row["still_out"])
        await sql.execute("UPDATE ledger_lots SET remaining = remaining + ? WHERE id = ?", back, row["lot_id"])
        await LotAllocation.create(lot_id=row["lot_id"], transfer_id=restore_id, amount=-back)
        await schedule(row["account_id"], row["expires_at"], back)
        left -= back
    if left:
        raise AssertionError(f"transfer {spend_id} drew {amount - left} fewer points than are given back")
