"""Donation totals and a member's donations, read from the donations themselves."""
from __future__ import annotations

from loyalty import sql
from loyalty.charity.models import Donation
from loyalty.rewards.listing import newest_first


async def total_donated_minor(charity_code: str) -> int:
    row = await sql.fetch_one(
        "SELECT COALESCE(SUM(value_minor), 0) AS total FROM donations WHERE charity_code = ?", charity_code
    )
    return int(row["total"])


async def donations_page(member_id: int, first: int, before_id: int | None) -> tuple[list[Donation], bool]:
    return await newest_first(Donation.filter(member_id=member_id), first, before_id)
