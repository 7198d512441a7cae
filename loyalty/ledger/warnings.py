"""The expiry warning: members hear `[expiry] warning_days` days ahead that points expire.

Days are counted in the program's time zone: a day's run warns of what expires on the days up
to `warning_days` after it, so points that expire on 15 December at 10:00 are warned of on the
run of 15 November, whatever time of day the job runs (and points that expire as 1 December
begins, on the run of 1 November).

Each (account, expiry moment) is warned once: a lot's date under per_lot, the balance's
deadline under inactivity. A later purchase that moves the inactivity deadline makes a
new date, warned again when it comes near.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty import outbox, sql
from loyalty.ledger.expiry import current_program, inactive_accounts
from loyalty.ledger.models import AccountKind, ExpiryWarning
from loyalty.program.spec import ExpiryPolicy, Program


async def _warn_lots(now: datetime, until: datetime, batch: str) -> None:
    await sql.execute(
        "INSERT INTO ledger_expiry_warnings (account_id, expires_at, points, warned_at, batch_id) "
        "SELECT s.account_id, s.expires_at, s.points, ?, ? FROM ledger_expiry_schedule s "
        "JOIN ledger_accounts a ON a.id = s.account_id "
        "WHERE s.expires_at > ? AND s.expires_at <= ? AND s.points > 0 AND a.kind = ? "
        "AND NOT EXISTS (SELECT 1 FROM ledger_expiry_warnings w "
        "WHERE w.account_id = s.account_id AND w.expires_at = s.expires_at)",
        now, batch, now, until, AccountKind.MEMBER.value,
    )


async def _warn_inactive(program: Program, now: datetime, until: datetime, batch: str) -> None:
    for account_id, _member_id, expires_at in await inactive_accounts(program, until):
        if expires_at <= now:
            continue  # expire-points takes these
        posted = await sql.fetch_aggregate("SELECT COALESCE(MAX(posted), 0) AS posted FROM ledger_accounts WHERE id = ?", account_id)
        try:
            async with in_transaction():
                await ExpiryWarning.create(
                    account_id=account_id, expires_at=expires_at, points=int(posted["posted"]),
                    warned_at=now, batch_id=batch,
                )
        except IntegrityError:  # warned already
            continue


def warning_horizon(program: Program, now: datetime) -> datetime:
    """The last moment whose expiry `now`'s run warns of: the end of the day `warning_days`
    after today, in the program's time zone."""
    zone = program.program.zone
    day = now.astimezone(zone).date() + timedelta(days=program.expiry.warning_days + 1)
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(timezone.utc)
    return midnight - timedelta(microseconds=1)


async def expiry_warnings(now: datetime, program: Program | None = None) -> int:
    """Emits points.expiring for every expiry on the next `warning_days` days that was not
    warned before. Returns how many warnings were sent. Idempotent."""
    program = program or await current_program()
    if program.expiry.policy is ExpiryPolicy.NEVER:
        return 0
    until = warning_horizon(program, now)
    batch = uuid.uuid4().hex
    async with in_transaction():
        if program.expiry.policy is ExpiryPolicy.INACTIVITY:
            await _warn_inactive(program, now, until, batch)
        await _warn_lots(now, until, batch)
        rows = await sql.fetch(
            "SELECT a.member_id, w.points, w.expires_at FROM ledger_expiry_warnings w "
            "JOIN ledger_accounts a ON a.id = w.account_id WHERE w.batch_id = ? ORDER BY w.id",
            batch,
        )
        for row in rows:
            expires_at = row["expires_at"]
            if not isinstance(expires_at, datetime):
                expires_at = datetime.fromisoformat(str(expires_at))
            await outbox.emit("points.expiring", int(row["member_id"]), {
                "points": int(row["points"]), "expires_at": expires_at.isoformat(),
            })
    return len(rows)
