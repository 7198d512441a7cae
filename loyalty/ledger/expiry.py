"""When lots expire, and the job that expires them."""
from __future__ import annotations

import calendar
import uuid
from datetime import datetime, time, timedelta, timezone


from loyalty import changes, outbox, sql
from loyalty.ledger.accounts import program_account_id
from loyalty.ledger.codes import EXPIRED, TransferCode
from loyalty.ledger.models import AccountKind, Asset, TransferStatus
from loyalty.program.spec import ExpiryPolicy, Program


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def lot_expiry(program: Program, earned_at: datetime) -> datetime | None:
    """per_lot: `months` after it was earned (in the program's time zone); rounded to the
    end of that month when the program says so. Other policies: no expiry on the lot."""
    expiry = program.expiry
    if expiry.policy is not ExpiryPolicy.PER_LOT:
        return None
    local = earned_at.astimezone(program.program.zone)
    due = _add_months(local, expiry.months)
    if expiry.round_to_month_end:
        last_day = calendar.monthrange(due.year, due.month)[1]
        # The first moment of the next day: points are usable through the whole last day.
        due = datetime.combine(due.replace(day=last_day).date(), time(), tzinfo=local.tzinfo) + timedelta(days=1)
    return due.astimezone(timezone.utc)


async def expire_points(now: datetime) -> int:
    """Expires every lot that is due, one EXPIRY transfer per member. Returns the points
    expired. Idempotent: expired lots have nothing left to expire."""
    batch = uuid.uuid4().hex
    expiry_id = await program_account_id(Asset.POINTS, EXPIRED)
    async with changes.set_based_change():
        if sql.is_postgres():
            await sql.fetch(
                "SELECT id FROM ledger_accounts WHERE id IN (SELECT account_id FROM ledger_lots "
                "WHERE remaining > 0 AND expires_at <= ?) ORDER BY id FOR UPDATE",
                now,
            )
        await sql.execute(
            "INSERT INTO ledger_transfers (asset, debit_account_id, credit_account_id, amount, code, status, "
            "idempotency_key, member_id, memo, occurred_at, created_at, posted_at, batch_id) "
            "SELECT ?, l.account_id, ?, SUM(l.remaining), ?, ?, "
            "'expiry:' || CAST(? AS TEXT) || ':' || CAST(l.account_id AS TEXT), a.member_id, '{}', ?, ?, ?, ? "
            "FROM ledger_lots l JOIN ledger_accounts a ON a.id = l.account_id "
            "WHERE l.remaining > 0 AND l.expires_at <= ? AND a.kind = ? GROUP BY l.account_id, a.member_id",
            Asset.POINTS.value, expiry_id, TransferCode.EXPIRY.value, TransferStatus.POSTED.value,
            batch, now, now, now, batch, now, AccountKind.MEMBER.value,
        )
        row = await sql.fetch_one(
            "SELECT COALESCE(SUM(amount), 0) AS total FROM ledger_transfers WHERE batch_id = ?", batch
        )
        total = int(row["total"])
        if not total:
            return 0
        await sql.execute(
            "INSERT INTO ledger_lot_allocations (lot_id, transfer_id, amount) "
            "SELECT l.id, t.id, l.remaining FROM ledger_lots l "
            "JOIN ledger_transfers t ON t.batch_id = ? AND t.debit_account_id = l.account_id "
            "WHERE l.remaining > 0 AND l.expires_at <= ?",
            batch, now,
        )
        await sql.execute(
            "UPDATE ledger_accounts SET posted = posted - s.amount FROM ("
            " SELECT debit_account_id AS account_id, amount FROM ledger_transfers WHERE batch_id = ?"
            ") AS s WHERE ledger_accounts.id = s.account_id",
            batch,
        )
        await sql.execute("UPDATE ledger_lots SET remaining = 0 WHERE remaining > 0 AND expires_at <= ?", now)
        await sql.execute("DELETE FROM ledger_expiry_schedule WHERE expires_at <= ?", now)
        await sql.execute("UPDATE ledger_accounts SET posted = posted + ? WHERE id = ?", total, expiry_id)
        await outbox.emit_per_row(
            "points.expired", now, "member_id", {"points": "amount", "transfer": "id"},
            "FROM ledger_transfers WHERE batch_id = ?", batch,
        )
    return total
