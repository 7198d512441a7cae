from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty.webhooks import endpoints
from loyalty.webhooks.listing import deliveries_page
from schema.connection import after_key
from schema.permissions import require_scope
from schema.webhooks.nodes import SCOPE, pk_of
from schema.webhooks.types import Webhook, WebhookDelivery, WebhookDeliveryConnection, WebhookDeliveryStatus


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="Staff (scope staff:write): the brand's webhook endpoints, oldest first.")
    async def webhooks(self, info: Info) -> list[Webhook] | None:
        require_scope(info, SCOPE)
        return [Webhook.from_row(row) for row in await endpoints.webhooks()]

    @strawberry.field(description=(
        "Staff (scope staff:write): webhook deliveries, newest first; status DEAD lists the dead letters."
    ))
    async def webhook_deliveries(
        self, info: Info, status: WebhookDeliveryStatus | None = None, webhook_id: strawberry.ID | None = None,
        first: int | None = None, after: str | None = None,
    ) -> WebhookDeliveryConnection | None:
        require_scope(info, SCOPE)
        hook = None if webhook_id is None else pk_of(webhook_id, "Webhook", "webhook_id")
        page = await deliveries_page(status.value if status else None, hook, first, after_key(after))
        return WebhookDeliveryConnection.build(page, WebhookDelivery.from_row, after)
