"""A member's passes as Member.passes lists them: open and usable ones first (pending,
active), then the ended ones, newest first within each."""
from __future__ import annotations

from loyalty.passes.models import Pass, PassStatus

MAX_LISTED = 100
_ORDER = {PassStatus.ACTIVE.value: 0, PassStatus.PENDING_PAYMENT.value: 1}


async def passes_of_member(member_id: int) -> list[Pass]:
    rows = await Pass.filter(member_id=member_id).order_by("-id").limit(MAX_LISTED)
    return sorted(rows, key=lambda r: _ORDER.get(r.status, 2))
