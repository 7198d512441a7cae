"""Listing deliveries, newest first: every one, a status (the dead letters), one endpoint's."""
from __future__ import annotations

from loyalty import paging
from loyalty.webhooks.models import WebhookDelivery


async def deliveries_page(status: str | None, webhook_id: int | None, first: int | None,
                          after: paging.Key | None) -> paging.Page[WebhookDelivery]:
    query = WebhookDelivery.all()
    if status is not None:
        query = query.filter(status=status)
    if webhook_id is not None:
        query = query.filter(webhook_id=webhook_id)
    return await paging.newest_first(query, first, after)


async def find_delivery(delivery_id: int) -> WebhookDelivery | None:
    return await WebhookDelivery.get_or_none(id=delivery_id)
