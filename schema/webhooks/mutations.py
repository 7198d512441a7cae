from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty import clock
from loyalty.errors import NotFound
from loyalty.webhooks import delivery, endpoints
from schema.context import context_of
from schema.permissions import require_scope
from schema.webhooks.nodes import SCOPE, pk_of
from schema.webhooks.types import (
    CreateWebhookInput, CreateWebhookPayload, DeleteWebhookInput, DeleteWebhookPayload, RetryWebhookDeliveryInput,
    Webhook, WebhookDelivery, WebhookDeliveryPayload,
)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="Registers an endpoint of the brand for the events named; answers its secret once.")
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> CreateWebhookPayload:
        actor = f"api_key:{require_scope(info, SCOPE).name}"
        allow_private = context_of(info).runtime.settings.webhooks_allow_private_networks
        row = await endpoints.create_webhook(input.url, input.events, actor, clock.now(), allow_private=allow_private)
        return CreateWebhookPayload(webhook=Webhook.from_row(row), secret=row.secret)

    @strawberry.mutation(description="Removes an endpoint: it receives nothing more.")
    async def delete_webhook(self, info: Info, input: DeleteWebhookInput) -> DeleteWebhookPayload:
        actor = f"api_key:{require_scope(info, SCOPE).name}"
        await endpoints.delete_webhook(pk_of(input.webhook_id, "Webhook", "webhook_id"), actor, clock.now())
        return DeleteWebhookPayload(ok=True)

    @strawberry.mutation(description="Sends a dead delivery again, with a fresh set of attempts, by the worker.")
    async def retry_webhook_delivery(self, info: Info, input: RetryWebhookDeliveryInput) -> WebhookDeliveryPayload:
        actor = f"api_key:{require_scope(info, SCOPE).name}"
        row = await delivery.revive(pk_of(input.delivery_id, "WebhookDelivery", "delivery_id"), actor)
        if row is None:
            raise NotFound("No dead delivery of a registered webhook with that id.", field="delivery_id")
        return WebhookDeliveryPayload(delivery=WebhookDelivery.from_row(row))
