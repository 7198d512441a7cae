"""The qualifying amount: what a member's activity within a period adds up to, by metric.

- SPEND: the money of the member's purchases that happened in the period, less what was
  refunded of them (in minor units). A refund counts against the period of its purchase.
- POINTS_EARNED: points earned in the period (purchases, actions, bonuses, birthday and
  yearly rewards, referrals: the EARNING codes; pending ones too), less what refunds took
  back of them.
- VISITS: the member's visits in the period (recorded with recordVisit); with
  `tiers.visits_include_purchases`, also their purchases in the period (each one visit), one
  refunded in full not counting.

Amounts are ints in the metric's unit (minor units for SPEND); `as_decimal` shows them.
"""
from __future__ import annotations

from decimal import Decimal

from loyalty import sql
from loyalty.ledger.codes import EARNING, TransferCode
from loyalty.ledger.models import Asset, TransferStatus
from loyalty.program.spec import Program, TierLevel, TierMetric
from loyalty.tiers import totals
from loyalty.tiers.periods import Period

_EARNING = tuple(code.value for code in sorted(EARNING))
_REVERSING = (TransferCode.CLAWBACK.value, TransferCode.SHORTFALL.value)


def threshold_units(program: Program, level: TierLevel) -> int:
    """A level's threshold in the metric's unit (minor units for SPEND)."""
    if program.tiers.metric is TierMetric.SPEND:
        return int(level.threshold.scaleb(program.program.minor_units))
    return int(level.threshold)


def as_decimal(program: Program, units: int) -> Decimal:
    """An amount as members read it: money with the currency's decimals, or a whole count."""
    if program.tiers.metric is TierMetric.SPEND:
        return Decimal(units).scaleb(-program.program.minor_units)
    return Decimal(units)


def supported_rank(program: Program, units: int) -> int:
    """The highest level whose threshold `units` reaches."""
    rank = 0
    for i, level in enumerate(program.tiers.levels):
        if units >= threshold_units(program, level):
            rank = i
    return rank


async def qualifying_units(program: Program, member_id: int, period: Period) -> int:
    metric = program.tiers.metric
    if metric is TierMetric.SPEND:
        return await spend_minor(member_id, period)
    if metric is TierMetric.VISITS:
        purchases = await purchase_count(member_id, period) if program.tiers.visits_include_purchases else 0
        return await visit_count(member_id, period) + purchases
    return await points_earned(member_id, period)


async def spend_minor(member_id: int, period: Period) -> int:
    """The money of the member's purchases in the period, less what was refunded of them."""
    row = await sql.fetch_aggregate(
        "SELECT COALESCE(SUM(amount_minor - refunded_minor), 0) AS total FROM purchases "
        "WHERE member_id = ? AND occurred_at >= ? AND occurred_at < ?",
        member_id, period.start, period.end,
    )
    return int(row["total"])


async def visit_count(member_id: int, period: Period) -> int:
    """The member's recorded visits in the period."""
    row = await sql.fetch_aggregate(
        "SELECT COUNT(*) AS total FROM visits WHERE member_id = ? AND occurred_at >= ? AND occurred_at < ?",
        member_id, period.start, period.end,
    )
    return int(row["total"])


async def purchase_count(member_id: int, period: Period) -> int:
    """The member's purchases in the period, less those refunded in full: what the VISITS
    metric adds when purchases count as visits (each purchase is one visit)."""
    row = await sql.fetch_aggregate(
        "SELECT COUNT(*) AS total FROM purchases "
        "WHERE member_id = ? AND occurred_at >= ? AND occurred_at < ? AND refunded_minor < amount_minor",
        member_id, period.start, period.end,
    )
    return int(row["total"])


async def points_earned(member_id: int, period: Period) -> int:
    """Points earned in the period (the EARNING codes, pending ones too), less what the
    reversals of those awards took back."""
    earning = sql.marks(_EARNING)
    reversing = sql.marks(_REVERSING)
    row = await sql.fetch_aggregate(
        f"SELECT COALESCE(SUM(CASE WHEN t.code IN ({earning}) THEN t.amount ELSE -t.amount END), 0)"
        " AS total FROM ledger_transfers t LEFT JOIN ledger_transfers e ON e.id = t.reverses_id"
        " WHERE t.member_id = ? AND t.asset = ? AND t.status <> ? AND ("
        f"  (t.code IN ({earning}) AND t.occurred_at >= ? AND t.occurred_at < ?)"
        f"  OR (t.code IN ({reversing}) AND e.code IN ({earning})"
        "      AND e.occurred_at >= ? AND e.occurred_at < ?))",
        *_EARNING, member_id, Asset.POINTS.value, TransferStatus.VOIDED.value,
        *_EARNING, period.start, period.end, *_REVERSING, *_EARNING, period.start, period.end,
    )
    return int(row["total"])


async def running_units(program: Program, member_id: int, period: Period) -> int:
    """`qualifying_units` from the member's running totals (`loyalty.tiers.totals`): at most
    one row per day of the period, whatever the member's history. What a purchase, refund or
    action reads; `verify-ledger` checks that the totals equal what they sum."""
    spend, purchases, points = await totals.in_period(member_id, period, program.program.zone)
    metric = program.tiers.metric
    if metric is TierMetric.SPEND:
        return spend
    if metric is TierMetric.VISITS:
        # Recorded visits are not in the running totals: counted by their (member, time) index.
        counted = purchases if program.tiers.visits_include_purchases else 0
        return await visit_count(member_id, period) + counted
    return points
