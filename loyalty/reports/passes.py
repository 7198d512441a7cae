"""Passes in a period: what was sold and refunded by product, the visits by kind of pass and
by location, and the credit passes' credit (held at the end, and how it moved). Passes are
the whole program's: a brand does not narrow them."""
from __future__ import annotations

from datetime import datetime

from loyalty import sql
from loyalty.ledger.codes import TransferCode
from loyalty.ledger.models import AccountKind, Asset, TransferStatus
from loyalty.reports.figures import Passes, PassSales, VisitCount
from loyalty.reports.liability import IN_BALANCE

C = TransferCode
_PAID, _REFUNDED = "y.paid_at >= ? AND y.paid_at < ?", "y.refunded_at >= ? AND y.refunded_at < ?"


async def _sales(starts_at: datetime, ends_at: datetime) -> tuple[PassSales, ...]:
    period = [starts_at, ends_at]
    rows = await sql.fetch(
        f"SELECT p.product_code AS product, p.kind AS kind, SUM(CASE WHEN {_PAID} THEN 1 ELSE 0 END) AS sold, "
        f"SUM(CASE WHEN {_REFUNDED} THEN 1 ELSE 0 END) AS refunded, "
        f"SUM(CASE WHEN {_PAID} THEN y.amount_minor ELSE 0 END) "
        f"- SUM(CASE WHEN {_REFUNDED} THEN y.amount_minor ELSE 0 END) AS revenue "
        f"FROM pass_payments y JOIN passes p ON p.id = y.pass_id WHERE ({_PAID}) OR ({_REFUNDED}) "
        "GROUP BY p.product_code, p.kind ORDER BY p.product_code",
        *(period * 6),
    )
    return tuple(PassSales(r["product"], r["kind"], int(r["sold"]), int(r["refunded"]), int(r["revenue"]))
                 for r in rows)


async def _visits(starts_at: datetime, ends_at: datetime, column: str) -> tuple[VisitCount, ...]:
    rows = await sql.fetch(
        f"SELECT {column} AS item, COUNT(*) AS n FROM visits v LEFT JOIN passes p ON p.id = v.pass_id "
        "WHERE v.occurred_at >= ? AND v.occurred_at < ? GROUP BY 1",
        starts_at, ends_at,
    )
    found = sorted(((r["item"], int(r["n"])) for r in rows), key=lambda r: (r[0] is None, r[0] or ""))
    return tuple(VisitCount(item, n) for item, n in found)


async def _credit_held(at: datetime) -> int:
    """Pass credit in the credit passes' accounts at `at` (every transfer of it touches one)."""
    row = await sql.fetch_aggregate(
        "SELECT COALESCE(SUM(CASE WHEN ca.kind = ? THEN t.amount ELSE 0 END), 0) "
        "- COALESCE(SUM(CASE WHEN da.kind = ? THEN t.amount ELSE 0 END), 0) AS held "
        "FROM ledger_transfers t JOIN ledger_accounts ca ON ca.id = t.credit_account_id "
        "JOIN ledger_accounts da ON da.id = t.debit_account_id "
        f"WHERE t.asset = ? AND {IN_BALANCE}",
        AccountKind.PASS.value, AccountKind.PASS.value, Asset.PASS_CREDIT.value, at, at,
    )
    return int(row["held"])


async def _credit_moved(starts_at: datetime, ends_at: datetime) -> dict[str, int]:
    rows = await sql.fetch(
        "SELECT t.code AS code, SUM(t.amount) AS amount FROM ledger_transfers t WHERE t.asset = ? AND t.status = ? "
        "AND t.posted_at >= ? AND t.posted_at < ? GROUP BY t.code",
        Asset.PASS_CREDIT.value, TransferStatus.POSTED.value, starts_at, ends_at,
    )
    return {r["code"]: int(r["amount"] or 0) for r in rows}


async def passes(starts_at: datetime, ends_at: datetime) -> Passes:
    by_kind = await _visits(starts_at, ends_at, "p.kind")
    moved = await _credit_moved(starts_at, ends_at)
    return Passes(
        sales=await _sales(starts_at, ends_at), visits=sum(v.visits for v in by_kind), visits_by_kind=by_kind,
        visits_by_location=await _visits(starts_at, ends_at, "v.location"),
        credit_liability_minor=await _credit_held(ends_at),
        credit_issued_minor=moved.get(C.PASS_CREDIT.value, 0),
        credit_spent_minor=moved.get(C.PAY_WITH_PASS.value, 0) - moved.get(C.PASS_RESTORE.value, 0),
        credit_expired_minor=moved.get(C.PASS_EXPIRY.value, 0),
        credit_canceled_minor=moved.get(C.PASS_CANCELED.value, 0),
    )
