"""Donation totals and a member's donations, read from the donations themselves."""
from __future__ import annotations

from loyalty import paging, sql
from loyalty.charity.models import Donation


async def total_donated_minor(charity_code: str) -> int:
    row = await sql.fetch_aggregate(
        "SELECT COALESCE(SUM(value_minor), 0) AS total FROM donations WHERE charity_code = ?", charity_code
    )
    return int(row["total"])


async def donations_page(member_id: int, first: int | None, after: paging.Key | None) -> paging.Page[Donation]:
    return await paging.newest_first(Donation.filter(member_id=member_id), first, after)
