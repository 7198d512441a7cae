"""Posting pending transfers that are due, for any number of them in a few statements."""
from __future__ import annotations

import uuid
from datetime import datetime

from loyalty import changes, events, outbox, sql
from loyalty.charity.automatic import donate_posted
from loyalty.ledger import batches, book
from loyalty.ledger.codes import EARNING, TransferCode
from loyalty.ledger.models import Account, AccountKind, Asset, TransferStatus

_EARNING = tuple(code.value for code in sorted(EARNING))


# The status is written out, not a parameter: the partial index of pending transfers serves
# only a statement whose condition names it.
_PENDING = "status = 'pending'"
_DUE = f"{_PENDING} AND available_at <= ? AND member_id BETWEEN ? AND ?"


async def _lock_due_accounts(now: datetime, first: int, last: int) -> None:
    if sql.is_postgres():
        # Member operations lock their member's account first and program accounts last
        # (book.program_accounts_last); taking every lock up front in that same order keeps
        # the job out of deadlocks with them.
        await sql.fetch(
            "SELECT id FROM ledger_accounts WHERE id IN ("
            f" SELECT credit_account_id FROM ledger_transfers WHERE {_DUE}"
            f" UNION SELECT debit_account_id FROM ledger_transfers WHERE {_DUE}"
            ") ORDER BY (kind = ?), id FOR UPDATE",
            now, first, last, now, first, last, AccountKind.PROGRAM.value,
        )


async def _accounts_in_batch(batch: str, side: str) -> int:
    row = await sql.fetch_one(f"SELECT COUNT(DISTINCT {side}) AS n FROM ledger_transfers WHERE batch_id = ?", batch)
    return int(row["n"]) if row else 0


async def activate_pending(now: datetime) -> int:
    """Posts every pending transfer whose time has come: credits form lots, pending
    clawbacks draw from the lot of the credit they reverse, and members who owe points
    pay from what was credited. Returns how many transfers were posted. Idempotent.
    Every transfer names its member; the members due are taken in ranges (`batches`),
    one transaction each."""
    due = await sql.fetch(
        f"SELECT DISTINCT member_id FROM ledger_transfers WHERE {_PENDING} AND available_at <= ? "
        "AND member_id IS NOT NULL",
        now,
    )
    posted = 0
    for first, last in batches.ranges(int(row["member_id"]) for row in due):
        posted += await _activate_members(now, first, last)
    return posted


async def _activate_members(now: datetime, first: int, last: int) -> int:
    """The due pending transfers of the members from `first` to `last`, in one transaction."""
    batch = uuid.uuid4().hex
    async with changes.set_based_change():
        await _lock_due_accounts(now, first, last)
        posted = await sql.execute(
            f"UPDATE ledger_transfers SET status = ?, posted_at = ?, batch_id = ? WHERE {_DUE}",
            TransferStatus.POSTED.value, now, batch, now, first, last,
        )
        if not posted:
            return 0
        await book.change_accounts(
            "UPDATE ledger_accounts SET posted = posted + s.amount, pending_in = pending_in - s.amount, "
            "lifetime_earned = lifetime_earned + s.earned FROM ("
            f" SELECT credit_account_id AS account_id, SUM(amount) AS amount,"
            f" SUM(CASE WHEN code IN ({sql.marks(_EARNING)}) THEN amount ELSE 0 END) AS earned"
            " FROM ledger_transfers WHERE batch_id = ? GROUP BY credit_account_id"
            ") AS s WHERE ledger_accounts.id = s.account_id",
            *_EARNING, batch, expected=await _accounts_in_batch(batch, "credit_account_id"),
        )
        await book.change_accounts(
            "UPDATE ledger_accounts SET posted = posted - s.amount, pending_out = pending_out - s.amount, "
            "lifetime_earned = lifetime_earned - s.unearned FROM ("
            " SELECT debit_account_id AS account_id, SUM(amount) AS amount,"
            " SUM(CASE WHEN code = ? THEN amount ELSE 0 END) AS unearned"
            " FROM ledger_transfers WHERE batch_id = ? GROUP BY debit_account_id"
            ") AS s WHERE ledger_accounts.id = s.account_id",
            TransferCode.CLAWBACK.value, batch, expected=await _accounts_in_batch(batch, "debit_account_id"),
        )
        await sql.execute(
            "INSERT INTO ledger_lots (account_id, transfer_id, amount, remaining, earned_at, expires_at) "
            "SELECT t.credit_account_id, t.id, t.amount, t.amount, t.occurred_at, t.lot_expires_at "
            "FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id "
            "WHERE t.batch_id = ? AND a.kind = ? AND a.asset = ?",
            batch, AccountKind.MEMBER.value, Asset.POINTS.value,
        )
        await sql.execute(
            "INSERT INTO ledger_lot_allocations (lot_id, transfer_id, amount) "
            "SELECT l.id, t.id, t.amount FROM ledger_transfers t "
            "JOIN ledger_lots l ON l.transfer_id = t.reverses_id "
            "JOIN ledger_accounts a ON a.id = t.debit_account_id "
            "WHERE t.batch_id = ? AND a.kind = ? AND a.asset = ?",
            batch, AccountKind.MEMBER.value, Asset.POINTS.value,
        )
        await sql.execute(
            "UPDATE ledger_lots SET remaining = remaining - s.amount FROM ("
            " SELECT a.lot_id, SUM(a.amount) AS amount FROM ledger_lot_allocations a"
            " JOIN ledger_transfers t ON t.id = a.transfer_id WHERE t.batch_id = ? GROUP BY a.lot_id"
            ") AS s WHERE ledger_lots.id = s.lot_id",
            batch,
        )
        await sql.execute(
            "INSERT INTO ledger_expiry_schedule (account_id, expires_at, points) "
            "SELECT l.account_id, l.expires_at, SUM(l.remaining) FROM ledger_lots l "
            "JOIN ledger_transfers t ON t.id = l.transfer_id "
            "WHERE t.batch_id = ? AND l.expires_at IS NOT NULL AND l.remaining > 0 "
            "GROUP BY l.account_id, l.expires_at "
            "ON CONFLICT (account_id, expires_at) DO UPDATE SET points = ledger_expiry_schedule.points + excluded.points",
            batch,
        )
        changes.touch(r["member_id"] for r in await sql.fetch(
            "SELECT DISTINCT member_id FROM ledger_transfers WHERE batch_id = ? AND member_id IS NOT NULL", batch
        ))
        await _emit_activated(batch, now)
        await _settle_debts(batch, now, first, last)
        await donate_posted(batch)
    return posted


async def _emit_activated(batch: str, now: datetime) -> None:
    await outbox.emit_per_row(
        # The batch id is a hex string of our own making: safe to write into the statement.
        events.POINTS_ACTIVATED, now, "t.member_id", {"points": "SUM(t.amount)", "batch": f"CAST('{batch}' AS TEXT)"},
        "FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id "
        f"WHERE t.batch_id = ? AND a.kind = ? AND t.code IN ({sql.marks(_EARNING)}) GROUP BY t.member_id",
        batch, AccountKind.MEMBER.value, *_EARNING,
    )


async def _settle_debts(batch: str, now: datetime, first: int, last: int) -> None:
    """Members who owe points and were just credited: rare, so one at a time. Read from
    the few debts of the batch's members, not from each of its transfers."""
    rows = await sql.fetch(
        "SELECT DISTINCT m.id FROM ledger_accounts d "
        "JOIN ledger_accounts m ON m.member_id = d.member_id AND m.asset = d.asset AND m.kind = ? "
        "WHERE d.kind = ? AND d.member_id BETWEEN ? AND ? AND d.posted < 0 AND EXISTS (SELECT 1 FROM "
        "ledger_transfers t WHERE t.member_id = m.member_id AND t.credit_account_id = m.id AND t.batch_id = ?)",
        AccountKind.MEMBER.value, AccountKind.DEBT.value, first, last, batch,
    )
    if not rows:
        return
    for account in await Account.filter(id__in=[row["id"] for row in rows]).order_by("id"):
        cause = book.Entry(
            code=TransferCode.SETTLE_DEBT, key=f"activation:{batch}:{account.id}",
            member_id=account.member_id, occurred_at=now,
        )
        await book.settle_debt(account, cause)
