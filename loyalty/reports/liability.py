"""What members hold at a moment, read from the transfers booked before it.

A transfer is in a balance at `at` when it was booked before `at` and not voided before
it; it is posted at `at` when it posted before `at`, pending otherwise. Member accounts
(kind `member`) hold points and credit; debt accounts hold what members owe."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from loyalty import sql
from loyalty.ledger.models import AccountKind, Asset
from loyalty.program.spec import Program
from loyalty.reports import sides
from loyalty.reports.figures import ExpiryMonth, Liability

IN_BALANCE = "t.created_at < ? AND (t.voided_at IS NULL OR t.voided_at >= ?)"
_POSTED = "t.posted_at IS NOT NULL AND t.posted_at < ?"


async def _balances(at: datetime) -> dict[tuple[str, str], tuple[int, int]]:
    """(posted, pending) at `at` by asset and account kind, of the member and debt accounts,
    in one pass over the transfers (`loyalty.reports.sides`)."""
    rows = await sql.fetch(
        "SELECT t.asset AS asset, ca.kind AS credit_kind, da.kind AS debit_kind, "
        f"SUM(CASE WHEN {_POSTED} THEN t.amount ELSE 0 END) AS posted, "
        f"SUM(CASE WHEN {_POSTED} THEN 0 ELSE t.amount END) AS pending "
        f"FROM ledger_transfers t {sides.JOIN} WHERE {sides.WHERE} AND {IN_BALANCE} GROUP BY 1, 2, 3",
        at, at, *sides.PARAMS, at, at,
    )
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for r in rows:
        posted, pending = int(r["posted"] or 0), int(r["pending"] or 0)
        for kind, sign in sides.held_sides(r["credit_kind"], r["debit_kind"], 1):
            before = totals.get((r["asset"], kind), (0, 0))
            totals[(r["asset"], kind)] = (before[0] + sign * posted, before[1] + sign * pending)
    return totals


def _month_starts(program: Program, first: datetime, last: datetime) -> list[tuple[str, datetime]]:
    """Each month of the program's time zone from the one holding `first` to the one after
    the one holding `last`: its name ("2027-05") and its first moment in UTC."""
    zone = program.program.zone
    begin, end = first.astimezone(zone), last.astimezone(zone)
    out = []
    for index in range(begin.year * 12 + begin.month - 1, end.year * 12 + end.month + 1):
        year, month = divmod(index, 12)
        start = datetime.combine(date(year, month + 1, 1), time(), tzinfo=zone).astimezone(timezone.utc)
        out.append((f"{year:04d}-{month + 1:02d}", start))
    return out


# Points held at `at` with the moment they expire: the remainders of the lots posted before
# `at` (what transfers booked since drew from a lot is added back), and the pending credits
# and debits, with the expiry of the lot they will form (a pending debit takes the expiry of
# the credit it reverses).
_HELD = (
    "SELECT l.expires_at AS expires_at, l.remaining + COALESCE(late.amount, 0) AS points "
    "FROM ledger_lots l "
    "LEFT JOIN (SELECT la.lot_id AS lot_id, SUM(la.amount) AS amount FROM ledger_lot_allocations la "
    "  JOIN ledger_transfers d ON d.id = la.transfer_id WHERE d.created_at >= ? GROUP BY la.lot_id) late "
    "  ON late.lot_id = l.id "
    # A lot is formed when its transfer posts: only the few posted at or after `at` are left out
    # (read by the posted_at index), rather than every lot's transfer read to keep the others.
    "WHERE l.transfer_id NOT IN (SELECT p.id FROM ledger_transfers p WHERE p.posted_at >= ? OR p.posted_at IS NULL) "
    "AND (l.remaining <> 0 OR late.amount IS NOT NULL) "
    "UNION ALL "
    "SELECT COALESCE(t.lot_expires_at, "
    "  (SELECT r.lot_expires_at FROM ledger_transfers r WHERE r.id = t.reverses_id)) AS expires_at, "
    "  CASE WHEN a.id = t.credit_account_id THEN t.amount ELSE -t.amount END AS points "
    "FROM ledger_transfers t JOIN ledger_accounts a ON a.id IN (t.credit_account_id, t.debit_account_id) "
    "WHERE a.kind = ? AND t.asset = ? AND t.created_at < ? AND (t.voided_at IS NULL OR t.voided_at >= ?) "
    "AND (t.posted_at IS NULL OR t.posted_at >= ?)"
)
_INSTANT = timedelta(microseconds=1)
_SPAN = (
    "SELECT MIN(first) AS first, MAX(last) AS last FROM ("
    "SELECT MIN(expires_at) AS first, MAX(expires_at) AS last FROM ledger_lots "
    "UNION ALL SELECT MIN(lot_expires_at), MAX(lot_expires_at) FROM ledger_transfers) s"
)


async def _by_expiry_month(program: Program, at: datetime) -> tuple[ExpiryMonth, ...]:
    span = await sql.fetch_one(_SPAN)
    buckets: list[tuple[str, datetime]] = []
    if span and span["first"] is not None:
        buckets = _month_starts(program, _as_datetime(span["first"]) - _INSTANT, _as_datetime(span["last"]))
    # A dated row falls in the month of the last moment its points can be used: expiry at
    # the first moment of a month is the previous month's.
    cases = " ".join("WHEN expires_at <= ? THEN ?" for _ in buckets[1:])
    month = f"CASE WHEN expires_at IS NULL THEN NULL {cases} ELSE NULL END" if len(buckets) > 1 else "NULL"
    params: list[Any] = []
    for (name, _), (_, next_start) in zip(buckets, buckets[1:]):
        params += [next_start, name]
    held = [at, at, AccountKind.MEMBER.value, Asset.POINTS.value, at, at, at]
    rows = await sql.fetch(
        # Grouped by the moment first: the month is worked out once per moment, not per row.
        f"SELECT month, SUM(points) AS points FROM (SELECT {month} AS month, points FROM ("
        f"SELECT expires_at, SUM(points) AS points FROM ({_HELD}) h GROUP BY expires_at) e) m "
        "GROUP BY month", *params, *held,
    )
    totals = {r["month"]: int(r["points"] or 0) for r in rows}
    ordered = sorted(m for m in totals if m is not None) + ([None] if None in totals else [])
    return tuple(
        ExpiryMonth(m, totals[m], program.program.points_value_minor(totals[m])) for m in ordered if totals[m]
    )


def _as_datetime(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


async def liability_at(program: Program, at: datetime) -> Liability:
    held = await _balances(at)
    posted, pending = held.get((Asset.POINTS.value, AccountKind.MEMBER.value), (0, 0))
    owed, _ = held.get((Asset.POINTS.value, AccountKind.DEBT.value), (0, 0))
    credit_posted, credit_pending = held.get((Asset.CREDIT.value, AccountKind.MEMBER.value), (0, 0))
    return Liability(
        points_posted=posted, points_pending=pending, points_owed=-owed,
        credit_minor=credit_posted + credit_pending, by_expiry_month=await _by_expiry_month(program, at),
    )
