"""Who took part in a period: active members, tiers and their movements, referrals."""
from __future__ import annotations

from datetime import datetime

from loyalty import sql
from loyalty.events import TIER_DOWNGRADED, TIER_UPGRADED
from loyalty.ledger.codes import TransferCode
from loyalty.program.spec import Program
from loyalty.referrals.models import ReferralStatus
from loyalty.reports.figures import TierCount, TierMovement
from loyalty.tiers.held_sql import held_rank


async def active_members(starts_at: datetime, ends_at: datetime, brand: str | None = None) -> int:
    """Members who bought, or had points or credit booked by something they did (earning,
    spending, donating, a refund), in the period; expiry is not activity. With a brand:
    members who bought at it."""
    if brand is not None:
        row = await sql.fetch_one(
            "SELECT COUNT(DISTINCT member_id) AS n FROM purchases WHERE brand = ? AND occurred_at >= ? "
            "AND occurred_at < ?", brand, starts_at, ends_at,
        )
        return int(row["n"]) if row else 0
    row = await sql.fetch_one(
        "SELECT COUNT(*) AS n FROM (SELECT member_id FROM purchases WHERE occurred_at >= ? AND occurred_at < ? "
        "UNION SELECT member_id FROM ledger_transfers WHERE member_id IS NOT NULL AND code <> ? "
        "AND created_at >= ? AND created_at < ?) s",
        starts_at, ends_at, TransferCode.EXPIRY.value, starts_at, ends_at,
    )
    return int(row["n"]) if row else 0


async def tier_distribution(program: Program, at: datetime) -> tuple[TierCount, ...]:
    """Members who had joined by `at`, by the tier level they hold at `at`, as `Member.tier`
    tells (`loyalty.tiers.held_sql`): an operator's setting while it lasts, else the level
    earned, and at least the level an ACTIVE paid plan grants inside its paid period. A level
    the program no longer has counts as the entry level."""
    held = held_rank(program, at)
    rows = await sql.fetch(
        f"SELECT {held.rank} AS rank, COUNT(*) AS n FROM members m {' '.join(held.joins)} "
        "WHERE m.joined_at < ? GROUP BY 1",
        *held.params, at,
    )
    counts = dict.fromkeys(range(len(program.tier_levels)), 0)
    for row in rows:
        counts[int(row["rank"])] += int(row["n"])
    return tuple(TierCount(level.code, counts[rank]) for rank, level in enumerate(program.tier_levels))


def _payload_text(key: str) -> str:
    return f"payload->>'{key}'" if sql.is_postgres() else f"json_extract(payload, '$.{key}')"


async def tier_movements(program: Program, starts_at: datetime, ends_at: datetime) -> tuple[TierMovement, ...]:
    """Upgrades and downgrades announced in the period, by the level reached."""
    rows = await sql.fetch(
        f"SELECT topic, {_payload_text('tier')} AS tier, COUNT(*) AS n FROM outbox_events "
        "WHERE topic IN (?, ?) AND created_at >= ? AND created_at < ? GROUP BY 1, 2",
        TIER_UPGRADED, TIER_DOWNGRADED, starts_at, ends_at,
    )
    ups = {r["tier"]: int(r["n"]) for r in rows if r["topic"] == TIER_UPGRADED}
    downs = {r["tier"]: int(r["n"]) for r in rows if r["topic"] == TIER_DOWNGRADED}
    return tuple(
        TierMovement(level.code, ups.get(level.code, 0), downs.get(level.code, 0)) for level in program.tier_levels
    )


async def referrals(starts_at: datetime, ends_at: datetime) -> tuple[int, int]:
    """Referrals completed in the period and the points their referrers received."""
    row = await sql.fetch_one(
        "SELECT COUNT(*) AS n, COALESCE(SUM(points), 0) AS points FROM referrals "
        "WHERE status = ? AND completed_at >= ? AND completed_at < ?",
        ReferralStatus.COMPLETED.value, starts_at, ends_at,
    )
    return (int(row["n"]), int(row["points"])) if row else (0, 0)
