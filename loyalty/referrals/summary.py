"""What a member's referrals came to."""
from __future__ import annotations

from dataclasses import dataclass

from loyalty import sql
from loyalty.referrals.codes import code_of
from loyalty.referrals.models import ReferralStatus


@dataclass(frozen=True)
class ReferralSummary:
    code: str
    invited: int  # sign-ups with the code
    completed: int  # friends who made their first qualifying purchase
    points_earned: int


async def summary(member_id: int) -> ReferralSummary:
    code = await code_of(member_id)
    row = await sql.fetch_aggregate(
        "SELECT COUNT(*) AS invited, COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS completed, "
        "COALESCE(SUM(points), 0) AS points FROM referrals WHERE referrer_id = ?",
        ReferralStatus.COMPLETED.value, member_id,
    )
    return ReferralSummary(code.code, int(row["invited"]), int(row["completed"]), int(row["points"]))
