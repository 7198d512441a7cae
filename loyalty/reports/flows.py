"""Points that moved into and out of members' hands in a period, and where donations went.

A flow counts the transfers posted in `[starts_at, ends_at)`, signed from the member's side
(member and debt accounts): what a member received is positive. A debt paid from points
(SETTLE_DEBT) moves points between two accounts of the same member and nets to zero.
With a brand, only transfers of that brand's purchases count."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from loyalty import sql
from loyalty.ledger.codes import EARNING, TransferCode
from loyalty.ledger.models import AccountKind, Asset, TransferStatus
from loyalty.reports import sides
from loyalty.reports.figures import CharityTotal, PointsFlows

C = TransferCode
# What each code that moves members' points counts as; the program's own donations and
# the settling of debts do not move points between a member and the program.
FLOW: dict[TransferCode, str] = {
    **{code: "issued" for code in EARNING},
    C.CLAWBACK: "clawed_back", C.SHORTFALL: "clawed_back",
    C.PAY_WITH_POINTS: "redeemed", C.REDEEM_REWARD: "redeemed",
    C.RESTORE: "restored", C.REWARD_CANCELED: "restored",
    C.EXPIRY: "expired", C.DONATION: "donated", C.ADJUSTMENT: "adjusted",
}
# Flows that take points from members, reported as positive numbers.
OUTGOING = frozenset({"clawed_back", "redeemed", "expired", "donated"})

_PERIOD = "t.asset = ? AND t.status = ? AND t.posted_at >= ? AND t.posted_at < ?"
_BRAND = " AND t.purchase_id IN (SELECT p.id FROM purchases p WHERE p.brand = ?)"


def _period(starts_at: datetime, ends_at: datetime, brand: str | None) -> tuple[str, list[Any]]:
    params: list[Any] = [Asset.POINTS.value, TransferStatus.POSTED.value, starts_at, ends_at]
    if brand is None:
        return _PERIOD, params
    return _PERIOD + _BRAND, [*params, brand]


async def by_code(starts_at: datetime, ends_at: datetime, brand: str | None = None) -> dict[str, int]:
    """The net points members received in the period, by transfer code, in one pass over the
    transfers (`loyalty.reports.sides`)."""
    where, params = _period(starts_at, ends_at, brand)
    rows = await sql.fetch(
        "SELECT t.code AS code, ca.kind AS credit_kind, da.kind AS debit_kind, SUM(t.amount) AS amount "
        f"FROM ledger_transfers t {sides.JOIN} WHERE {sides.WHERE} AND {where} GROUP BY 1, 2, 3",
        *sides.PARAMS, *params,
    )
    totals: dict[str, int] = {}
    for r in rows:
        for _, amount in sides.held_sides(r["credit_kind"], r["debit_kind"], int(r["amount"] or 0)):
            totals[r["code"]] = totals.get(r["code"], 0) + amount
    return totals


def points_flows(net_by_code: dict[str, int]) -> PointsFlows:
    totals = dict.fromkeys(("issued", "clawed_back", "redeemed", "restored", "expired", "donated", "adjusted"), 0)
    for code, amount in net_by_code.items():
        flow = FLOW.get(TransferCode(code))
        if flow is not None:
            totals[flow] += -amount if flow in OUTGOING else amount
    return PointsFlows(**totals)


async def donations(starts_at: datetime, ends_at: datetime) -> tuple[CharityTotal, ...]:
    """Points posted to each charity's account in the period (from members and from the
    program), and their value as recorded with each donation."""
    where, params = _period(starts_at, ends_at, None)
    rows = await sql.fetch(
        "SELECT a.code AS account, SUM(t.amount) AS points, "
        "SUM(CASE WHEN t.code = ? THEN t.amount ELSE 0 END) AS member_points, "
        "SUM(COALESCE(d.value_minor, 0)) AS value_minor "
        "FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id "
        "LEFT JOIN donations d ON d.transfer_id = t.id "
        f"WHERE a.kind = ? AND a.code LIKE ? AND {where} GROUP BY a.code ORDER BY a.code",
        C.DONATION.value, AccountKind.PROGRAM.value, "charity:%", *params,
    )
    return tuple(
        CharityTotal(r["account"].removeprefix("charity:"), int(r["points"]), int(r["member_points"]),
                     int(r["value_minor"]))
        for r in rows
    )
