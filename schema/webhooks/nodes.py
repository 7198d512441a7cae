"""Webhooks and their deliveries by global id: for keys with staff:write only."""
from __future__ import annotations

from strawberry.types import Info

from loyalty.auth.principal import ServicePrincipal
from loyalty.errors import NotFound
from loyalty.webhooks.endpoints import find_webhook
from loyalty.webhooks.listing import find_delivery
from schema.context import context_of
from schema.relay import from_global_id, int_key, register_node
from schema.webhooks.types import Webhook, WebhookDelivery

SCOPE = "staff:write"


def _staff(info: Info) -> bool:
    principal = context_of(info).principal
    return isinstance(principal, ServicePrincipal) and principal.has_scope(SCOPE)


def pk_of(global_id: str, type_name: str, field: str) -> int:
    parsed = from_global_id(global_id, type_name)
    pk = None if parsed is None else int_key(parsed[1])
    if pk is None:
        raise NotFound(f"No {type_name} with that id.", field=field)
    return pk


async def _webhook(info: Info, key: str) -> Webhook | None:
    pk = int_key(key)
    row = await find_webhook(pk) if pk is not None and _staff(info) else None
    return Webhook.from_row(row) if row else None


async def _delivery(info: Info, key: str) -> WebhookDelivery | None:
    pk = int_key(key)
    row = await find_delivery(pk) if pk is not None and _staff(info) else None
    return WebhookDelivery.from_row(row) if row else None


register_node("Webhook", _webhook)
register_node("WebhookDelivery", _delivery)
