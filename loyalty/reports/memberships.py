"""Paid memberships in a period: revenue, and members who started, held and left a plan."""
from __future__ import annotations

from datetime import datetime

from loyalty import sql
from loyalty.memberships.states import Event, Status
from loyalty.reports.figures import Memberships


async def memberships(starts_at: datetime, ends_at: datetime) -> Memberships:
    money = await sql.fetch_one(
        "SELECT COALESCE(SUM(CASE WHEN paid_at >= ? AND paid_at < ? THEN amount_minor ELSE 0 END), 0) AS paid, "
        "COALESCE(SUM(CASE WHEN refunded_at >= ? AND refunded_at < ? THEN amount_minor ELSE 0 END), 0) AS refunded, "
        "COALESCE(SUM(CASE WHEN paid_at >= ? AND paid_at < ? THEN 1 ELSE 0 END), 0) AS payments, "
        "COALESCE(SUM(CASE WHEN refunded_at >= ? AND refunded_at < ? THEN 1 ELSE 0 END), 0) AS refunds "
        "FROM plan_payments", *([starts_at, ends_at] * 4),
    )
    # The status of each membership at the end of the period: its last step before then.
    active = await sql.fetch_one(
        "SELECT COUNT(*) AS n FROM membership_transitions t WHERE t.to_status = ? AND t.id = ("
        "SELECT MAX(u.id) FROM membership_transitions u WHERE u.membership_id = t.membership_id "
        "AND u.occurred_at < ?)",
        Status.ACTIVE.value, ends_at,
    )
    steps = await sql.fetch_one(
        "SELECT COALESCE(SUM(CASE WHEN from_status = ? AND to_status = ? THEN 1 ELSE 0 END), 0) AS started, "
        "COALESCE(SUM(CASE WHEN from_status IN (?, ?) AND to_status IN (?, ?) AND event <> ? THEN 1 ELSE 0 END), 0) "
        "AS churned FROM membership_transitions WHERE occurred_at >= ? AND occurred_at < ?",
        Status.PENDING_PAYMENT.value, Status.ACTIVE.value, Status.ACTIVE.value, Status.PAST_DUE.value,
        Status.CANCELED.value, Status.EXPIRED.value, Event.REPLACE.value, starts_at, ends_at,
    )
    assert money is not None and active is not None and steps is not None
    return Memberships(
        revenue_minor=int(money["paid"]) - int(money["refunded"]), payments=int(money["payments"]),
        refunds=int(money["refunds"]), active=int(active["n"]), started=int(steps["started"]),
        churned=int(steps["churned"]),
    )
