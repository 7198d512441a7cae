from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from loyalty.webhooks import models
from loyalty.webhooks.models import Webhook as WebhookRow
from loyalty.webhooks.models import WebhookDelivery as DeliveryRow
from schema.connection import Connection
from schema.errors import UserError
from schema.relay import Node, PageInfo, to_global_id


@strawberry.enum
class WebhookDeliveryStatus(Enum):
    PENDING = models.PENDING
    DELIVERED = models.DELIVERED
    DEAD = models.DEAD


@strawberry.type
class Webhook(Node):
    url: str
    events: list[str] = strawberry.field(description="The topics it receives; [\"*\"] for every topic.")
    created_at: datetime
    created_by: str = strawberry.field(description="The API key that registered it.")

    @classmethod
    def from_row(cls, row: WebhookRow) -> Webhook:
        return cls(id=to_global_id("Webhook", row.id), url=row.url, events=list(row.events),
                   created_at=row.created_at, created_by=row.created_by)


@strawberry.type
class WebhookDelivery(Node):
    event_id: str = strawberry.field(description="The event's id, the same at every attempt: deduplicate by it.")
    topic: str
    webhook_id: strawberry.ID
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried next; null unless PENDING.")
    last_status_code: int | None = strawberry.field(description="The HTTP status of the last answer, if any.")
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_row(cls, row: DeliveryRow) -> WebhookDelivery:
        pending = row.status == models.PENDING
        return cls(
            id=to_global_id("WebhookDelivery", row.id), event_id=str(row.event_id), topic=row.topic,
            webhook_id=to_global_id("Webhook", row.webhook_id), status=WebhookDeliveryStatus(row.status),
            attempts=row.attempts, next_attempt_at=row.next_attempt_at if pending else None,
            last_status_code=row.last_status_code, last_error=row.last_error, created_at=row.created_at,
            delivered_at=row.delivered_at,
        )


@strawberry.type
class WebhookDeliveryEdge:
    cursor: str
    node: WebhookDelivery


@strawberry.type
class WebhookDeliveryConnection(Connection):
    edges: list[WebhookDeliveryEdge]
    page_info: PageInfo
    edge = WebhookDeliveryEdge


@strawberry.input
class CreateWebhookInput:
    url: str = strawberry.field(description="http(s); not on a private network unless the deployment allows it.")
    events: list[str] = strawberry.field(description="Topics (docs/webhooks.md), or [\"*\"] for every topic.")


@strawberry.type
class CreateWebhookPayload:
    webhook: Webhook | None = None
    secret: str | None = strawberry.field(
        default=None, description="The signing secret: shown this once, keep it to verify the signatures."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class DeleteWebhookInput:
    webhook_id: strawberry.ID


@strawberry.type
class DeleteWebhookPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RetryWebhookDeliveryInput:
    delivery_id: strawberry.ID = strawberry.field(description="A DEAD delivery.")


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
