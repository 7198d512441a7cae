"""The notifications made for a member, newest first: what the brand's staff see of what was sent."""
from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

from loyalty import paging
from loyalty.errors import LoyaltyError
from loyalty.notifications.models import Notification


def _after(after: paging.Key | None) -> tuple[datetime, str] | None:
    if after is None:
        return None
    try:
        moment, notification_id = after
        return datetime.fromisoformat(moment), str(notification_id)
    except (TypeError, ValueError):
        raise LoyaltyError("The cursor is not valid.", field="after") from None


async def sent_page(member_id: int, first: int | None, after: paging.Key | None) -> paging.Page[Notification]:
    size, start = paging.page_size(first), _after(after)
    query = Notification.filter(member_id=member_id)
    if start is not None:
        moment, notification_id = start
        query = query.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=notification_id))
    rows = await query.order_by("-created_at", "-id").limit(size + 1)
    page = rows[:size]
    return paging.Page(page, [(row.created_at.isoformat(), row.id) for row in page], len(rows) > size)
