"""Running totals of the qualifying amounts, per member and day.

A tier's qualifying amount (spend, points earned, purchases) is the sum of the member's
`tier_totals` rows for the days of the period: at most one row per day with activity, so
what a purchase reads does not grow with the member's history. Every change that moves an
amount updates its day's row in the same transaction:

- a purchase adds its amount to spend and one to purchases, on the day it happened;
- a refund takes its amount back from spend on the purchase's day, and the purchase from
  purchases once it is refunded in full;
- a transfer with an EARNING code adds its points on the day it happened; a clawback or
  shortfall that reverses one takes them back on the day of the award it reverses.

Days are counted in the program's time zone, where every period starts and ends at
midnight. `verify-ledger` reconciles each member's totals with the purchases and transfers
they sum.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from loyalty import sql
from loyalty.tiers.periods import Period

_zone: ZoneInfo = ZoneInfo("UTC")

_ADD = (
    "INSERT INTO tier_totals (member_id, day, spend_minor, purchases, points) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (member_id, day) DO UPDATE SET spend_minor = tier_totals.spend_minor + excluded.spend_minor, "
    "purchases = tier_totals.purchases + excluded.purchases, points = tier_totals.points + excluded.points"
)


def follow(zone: ZoneInfo) -> None:
    """The time zone whose days the totals count: the current program's (set when a program
    is loaded or applied, and by each operation that has its program at hand)."""
    global _zone
    _zone = zone


def day_of(at: datetime, zone: ZoneInfo | None = None) -> date:
    return at.astimezone(zone or _zone).date()


async def add(member_id: int, at: datetime, *, spend_minor: int = 0, purchases: int = 0, points: int = 0) -> None:
    """Adds to the totals of the day that holds `at` (negative amounts take back)."""
    if spend_minor or purchases or points:
        await sql.execute(_ADD, member_id, day_of(at), spend_minor, purchases, points)


async def in_period(member_id: int, period: Period, zone: ZoneInfo) -> tuple[int, int, int]:
    """(spend in minor units, purchases, points) of the member's days inside `period`."""
    row = await sql.fetch_one(
        "SELECT COALESCE(SUM(spend_minor), 0) AS spend, COALESCE(SUM(purchases), 0) AS purchases, "
        "COALESCE(SUM(points), 0) AS points FROM tier_totals WHERE member_id = ? AND day >= ? AND day < ?",
        member_id, day_of(period.start, zone), day_of(period.end, zone),
    )
    assert row is not None
    return int(row["spend"]), int(row["purchases"]), int(row["points"])
