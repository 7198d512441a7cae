"""When points expire, and the job that expires them.

The program's `[expiry] policy` decides:
- per_lot: each lot expires `months` after it was earned (rounded up to the end of that
  month with `round_to_month_end`); the lot carries its expiry from the start.
- inactivity: the whole balance expires `months` after the member's last purchase (their
  joining date until they buy something). Each purchase moves the date on.
- never: nothing expires.

`expire_points` expires what is due under either dated policy: lots past their expiry,
and the balances of members inactive past the deadline.
"""
from __future__ import annotations

import calendar
import uuid
from datetime import datetime, time, timedelta, timezone

from loyalty import changes, outbox, sql
from loyalty.ledger import batches, book
from loyalty.ledger.accounts import lock_member_account, program_account_id
from loyalty.ledger.codes import EXPIRED, TransferCode
from loyalty.ledger.models import AccountKind, Asset, TransferStatus
from loyalty.program.spec import ExpiryPolicy, Program, load_demo
from loyalty.program.store import load_current


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def lot_expiry(program: Program, earned_at: datetime) -> datetime | None:
    """per_lot: `months` after it was earned (in the program's time zone); rounded to the
    end of that month when the program says so. Other policies: no expiry on the lot."""
    expiry = program.expiry
    if expiry.policy is not ExpiryPolicy.PER_LOT or expiry.months is None:  # per_lot requires months
        return None
    local = earned_at.astimezone(program.program.zone)
    due = _add_months(local, expiry.months)
    if expiry.round_to_month_end:
        last_day = calendar.monthrange(due.year, due.month)[1]
        # The first moment of the next day: points are usable through the whole last day.
        due = datetime.combine(due.replace(day=last_day).date(), time(), tzinfo=local.tzinfo) + timedelta(days=1)
    return due.astimezone(timezone.utc)


async def current_program() -> Program:
    """The program the jobs run under: the latest stored version, else the demo."""
    stored = await load_current()
    return stored.program if stored is not None else load_demo()


def inactivity_expiry(program: Program, last_activity: datetime) -> datetime:
    """inactivity: the moment the balance expires, `months` after the last activity (in
    the program's time zone, the day clamped to the month's last day)."""
    months = program.expiry.months
    assert months is not None, "the program file requires months with the inactivity policy"
    local = last_activity.astimezone(program.program.zone)
    return _add_months(local, months).astimezone(timezone.utc)


def _as_datetime(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


_LAST_ACTIVITY = (
    "COALESCE((SELECT MAX(p.occurred_at) FROM purchases p WHERE p.member_id = a.member_id), m.joined_at)"
)


async def last_activity(member_id: int) -> datetime | None:
    """The member's last purchase, or when they joined."""
    row = await sql.fetch_one(
        f"SELECT {_LAST_ACTIVITY} AS last FROM members m JOIN ledger_accounts a ON a.member_id = m.id "
        "AND a.kind = ? AND a.asset = ? WHERE m.id = ?",
        AccountKind.MEMBER.value, Asset.POINTS.value, member_id,
    )
    if row is None or row["last"] is None:
        row = await sql.fetch_one("SELECT joined_at AS last FROM members WHERE id = ?", member_id)
    return _as_datetime(row["last"]) if row and row["last"] is not None else None


async def inactive_accounts(program: Program, until: datetime) -> list[tuple[int, int, datetime]]:
    """inactivity: (account id, member id, expiry) of the members with points whose balance
    expires at or before `until`. The database narrows by a date a few days later than the
    exact one (month lengths), the exact rule is applied here."""
    months = program.expiry.months or 0
    rough = _add_months(until.astimezone(timezone.utc), -months) + timedelta(days=4)
    rows = await sql.fetch(
        f"SELECT a.id, a.member_id, {_LAST_ACTIVITY} AS last FROM ledger_accounts a "
        "JOIN members m ON m.id = a.member_id WHERE a.kind = ? AND a.asset = ? AND a.posted > 0 "
        f"AND {_LAST_ACTIVITY} <= ?",
        AccountKind.MEMBER.value, Asset.POINTS.value, rough,
    )
    due = []
    for row in rows:
        expires_at = inactivity_expiry(program, _as_datetime(row["last"]))
        if expires_at <= until:
            due.append((int(row["id"]), int(row["member_id"]), expires_at))
    return due


async def _expire_inactive(program: Program, now: datetime) -> int:
    """inactivity: each due member's whole balance, one EXPIRY transfer each, one member
    at a time (the debit draws every lot). Idempotent: an expired balance is zero."""
    total = 0
    batch = uuid.uuid4().hex
    for account_id, member_id, expires_at in await inactive_accounts(program, now):
        async with changes.member_change():
            account = await lock_member_account(member_id, Asset.POINTS)
            if account.posted <= 0:
                continue
            # A purchase made since the scan, before the lock, keeps the balance.
            last = await last_activity(member_id)
            if last is not None and inactivity_expiry(program, last) > now:
                continue
            entry = book.Entry(
                TransferCode.EXPIRY, f"expiry:{batch}:{account_id}", member_id, now,
                memo={"policy": ExpiryPolicy.INACTIVITY.value, "inactive_since": expires_at.isoformat()},
            )
            transfer = await book.debit_member(account, account.posted, entry, EXPIRED)
            await outbox.emit("points.expired", member_id, {"points": transfer.amount, "transfer": transfer.id})
            total += transfer.amount
    return total


async def expire_points(now: datetime, program: Program | None = None) -> int:
    """Expires what is due: every lot past its expiry (one EXPIRY transfer per member),
    and under the inactivity policy the balance of every member inactive too long.
    Returns the points expired. Idempotent: expired points are gone."""
    program = program or await current_program()
    total = await _expire_lots(now)
    if program.expiry.policy is ExpiryPolicy.INACTIVITY:
        total += await _expire_inactive(program, now)
    return total


async def _expire_lots(now: datetime) -> int:
    """Every lot past its expiry, in ranges of accounts (`batches`), one transaction each."""
    # The expiry schedule sums every open lot with an expiry by account and date: the accounts
    # due are read there, without an index of the lots by expiry date.
    due = await sql.fetch("SELECT DISTINCT account_id FROM ledger_expiry_schedule WHERE expires_at <= ?", now)
    if not due:
        return 0
    expiry_id = await program_account_id(Asset.POINTS, EXPIRED)
    total = 0
    for first, last in batches.ranges(int(row["account_id"]) for row in due):
        total += await _expire_lots_of(now, expiry_id, first, last)
    return total


async def _expire_lots_of(now: datetime, expiry_id: int, first: int, last: int) -> int:
    """The lots past their expiry of the accounts from `first` to `last`: one EXPIRY
    transfer per account, in one transaction."""
    batch = uuid.uuid4().hex
    async with changes.set_based_change():
        if sql.is_postgres():
            await sql.fetch(
                "SELECT id FROM ledger_accounts WHERE id IN (SELECT account_id FROM ledger_lots "
                "WHERE remaining > 0 AND expires_at <= ? AND account_id BETWEEN ? AND ?) ORDER BY id FOR UPDATE",
                now, first, last,
            )
        await sql.execute(
            "INSERT INTO ledger_transfers (asset, debit_account_id, credit_account_id, amount, code, status, "
            "idempotency_key, member_id, memo, occurred_at, created_at, posted_at, batch_id) "
            "SELECT ?, l.account_id, ?, SUM(l.remaining), ?, ?, "
            "'expiry:' || CAST(? AS TEXT) || ':' || CAST(l.account_id AS TEXT), a.member_id, '{}', ?, ?, ?, ? "
            "FROM ledger_lots l JOIN ledger_accounts a ON a.id = l.account_id "
            "WHERE l.remaining > 0 AND l.expires_at <= ? AND l.account_id BETWEEN ? AND ? AND a.kind = ? "
            "GROUP BY l.account_id, a.member_id",
            Asset.POINTS.value, expiry_id, TransferCode.EXPIRY.value, TransferStatus.POSTED.value,
            batch, now, now, now, batch, now, first, last, AccountKind.MEMBER.value,
        )
        # (An INSERT's row count is not reported alike by both drivers: counted here.)
        row = await sql.fetch_aggregate(
            "SELECT COUNT(*) AS n, SUM(amount) AS total FROM ledger_transfers WHERE batch_id = ?", batch
        )
        expired, total = (int(row["n"]), int(row["total"] or 0)) if row else (0, 0)
        if not expired:
            return 0
        await sql.execute(
            "INSERT INTO ledger_lot_allocations (lot_id, transfer_id, amount) "
            "SELECT l.id, t.id, l.remaining FROM ledger_transfers t "
            "JOIN ledger_lots l ON l.account_id = t.debit_account_id "
            "WHERE t.batch_id = ? AND l.remaining > 0 AND l.expires_at <= ? AND l.account_id BETWEEN ? AND ?",
            batch, now, first, last,
        )
        await book.change_accounts(
            "UPDATE ledger_accounts SET posted = posted - s.amount FROM ("
            " SELECT debit_account_id AS account_id, amount FROM ledger_transfers WHERE batch_id = ?"
            ") AS s WHERE ledger_accounts.id = s.account_id",
            batch, expected=expired,
        )
        await sql.execute(
            "UPDATE ledger_lots SET remaining = 0 WHERE remaining > 0 AND expires_at <= ? AND account_id BETWEEN ? AND ?",
            now, first, last,
        )
        await sql.execute(
            "DELETE FROM ledger_expiry_schedule WHERE expires_at <= ? AND account_id BETWEEN ? AND ?", now, first, last
        )
        await book.change_accounts("UPDATE ledger_accounts SET posted = posted + ? WHERE id = ?", total, expiry_id,
                                   expected=1)
        await outbox.emit_per_row(
            "points.expired", now, "member_id", {"points": "amount", "transfer": "id"},
            "FROM ledger_transfers WHERE batch_id = ?", batch,
        )
    return total
