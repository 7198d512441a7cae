"""Webhooks end to end: registered by staff, fed by the worker from the outbox, signed,
retried with the same event id, dead-lettered, listed and retried."""
from __future__ import annotations

import json
import time

from loyalty import clock
from loyalty.outbox import OutboxEvent
from loyalty.webhooks import signing
from loyalty.webhooks.models import WebhookDelivery
from schema.relay import to_global_id
from tests.support.cli import run_cli
from tests.support.gql import gql
from tests.support.shop import Joined, Shop, api_key, error, errors_of, join
from tests.webhooks.conftest import handled

CREATE = """mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id url events createdBy } secret errors { code field } } }"""
DELETE = "mutation($input: DeleteWebhookInput!) { deleteWebhook(input: $input) { ok errors { code field } } }"
WEBHOOKS = "query { webhooks { id url events } }"
DEAD = """query { webhookDeliveries(status: DEAD) { edges { node {
  id eventId topic status attempts lastStatusCode lastError nextAttemptAt } } } }"""
RETRY = """mutation($input: RetryWebhookDeliveryInput!) {
  retryWebhookDelivery(input: $input) { delivery { id status attempts } errors { code field } } }"""
ERASE = "mutation($input: EraseMemberInput!) { eraseMember(input: $input) { erasedAt errors { code } } }"


async def _member(client) -> tuple[Shop, Joined]:
    """A member whose sign-up events are handled already: what follows is all the receiver gets."""
    shop = await Shop.open(client)
    ann = await join(client, "ann@example.com")
    await OutboxEvent.all().update(delivered_at=clock.now())
    return shop, ann


async def _register(client, url: str, events: list[str]) -> tuple[str, dict]:
    staff = await api_key("staff:write", name="crm sync")
    payload = (await gql(client, CREATE, {"input": {"url": url, "events": events}}, token=staff))["data"]["createWebhook"]
    assert payload["errors"] == []
    return staff, payload


def _verified(received, secret: str) -> dict:
    header = received.headers["loyalty-signature"]
    assert signing.verify(secret, header, received.body, int(time.time()))
    assert not signing.verify(secret, header, received.body + b" ", int(time.time()))
    assert not signing.verify("whsec_other", header, received.body, int(time.time()))
    return json.loads(received.body)


async def test_a_local_receiver_gets_each_event_signed(staff_client, receiver, worker):
    shop, ann = await _member(staff_client)
    staff, created = await _register(staff_client, receiver.url, ["points.earned", "member.erased"])
    assert created["webhook"]["events"] == ["points.earned", "member.erased"]
    assert created["webhook"]["createdBy"] == "api_key:crm sync"
    assert created["secret"].startswith("whsec_")
    assert (await shop.purchase(ann, orderId="W-1"))["errors"] == []
    await gql(staff_client, ERASE, {"input": {"memberNumber": ann.number, "idempotencyKey": "e-1"}},
              token=await api_key("admin"))

    await worker(lambda: len(receiver.received) >= 2)

    events = {e.topic: e for e in await OutboxEvent.filter(topic__in=["points.earned", "member.erased"])}
    # Deliveries are posted side by side, in no fixed order.
    sent_order = ["points.earned", "member.erased"]
    received = sorted(receiver.received, key=lambda r: sent_order.index(r.headers["loyalty-event-type"]))
    bodies = [_verified(r, created["secret"]) for r in received]
    assert [(b["type"], b["id"], b["member_number"]) for b in bodies] == [
        ("points.earned", str(events["points.earned"].id), ann.number),
        ("member.erased", str(events["member.erased"].id), ann.number),
    ]
    assert bodies[0]["data"]["order"] == "W-1"
    assert bodies[1]["data"] == {"member_number": ann.number, "erased_at": bodies[1]["data"]["erased_at"]}
    for request, body in zip(received, bodies):
        assert request.headers["loyalty-event-id"] == body["id"]
        assert request.headers["loyalty-event-type"] == body["type"]
        assert request.headers["content-type"] == "application/json"
    # Other topics of the same events (the purchase's cashback, the coupon) were not sent.
    assert await WebhookDelivery.all().count() == 2
    assert set(await WebhookDelivery.all().values_list("status", flat=True)) == {"delivered"}


async def test_a_receiver_failing_three_times_gets_the_event_on_the_fourth_try_with_the_same_id(
        staff_client, receiver, worker):
    shop, ann = await _member(staff_client)
    staff, created = await _register(staff_client, receiver.url, ["points.earned"])
    receiver.failing = 3
    assert (await shop.purchase(ann, orderId="W-2"))["errors"] == []

    await worker(lambda: len(receiver.received) >= 4)

    bodies = [_verified(r, created["secret"]) for r in receiver.received]
    assert len({b["id"] for b in bodies}) == 1
    assert {r.body for r in receiver.received} == {receiver.received[0].body}
    assert [r.headers["loyalty-delivery-attempt"] for r in receiver.received] == ["1", "2", "3", "4"]
    row = await WebhookDelivery.get()
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == ("delivered", 4, 200, None)
    assert str(row.event_id) == bodies[0]["id"]


async def test_a_dead_delivery_is_listed_and_retried(staff_client, receiver, worker):
    shop, ann = await _member(staff_client)
    staff, created = await _register(staff_client, receiver.url, ["points.earned"])
    receiver.failing = 1000
    assert (await shop.purchase(ann, orderId="W-3"))["errors"] == []

    await worker(lambda: len(receiver.received) >= 5)

    row = await WebhookDelivery.get()
    dead = (await gql(staff_client, DEAD, token=staff))["data"]["webhookDeliveries"]["edges"]
    assert [edge["node"] for edge in dead] == [{
        "id": to_global_id("WebhookDelivery", row.id), "eventId": str(row.event_id), "topic": "points.earned",
        "status": "DEAD", "attempts": 5, "lastStatusCode": 503, "lastError": "the endpoint answered HTTP 503",
        "nextAttemptAt": None,
    }]
    receiver.failing = 0
    retried = await gql(staff_client, RETRY, {"input": {"deliveryId": dead[0]["node"]["id"]}}, token=staff)
    assert retried["data"]["retryWebhookDelivery"] == {
        "delivery": {"id": dead[0]["node"]["id"], "status": "PENDING", "attempts": 0}, "errors": []}

    await worker(lambda: len(receiver.received) >= 6)

    assert _verified(receiver.received[-1], created["secret"])["id"] == str(row.event_id)
    assert (await gql(staff_client, DEAD, token=staff))["data"]["webhookDeliveries"]["edges"] == []
    again = await gql(staff_client, RETRY, {"input": {"deliveryId": dead[0]["node"]["id"]}}, token=staff)
    assert errors_of(again["data"]["retryWebhookDelivery"]) == error("NOT_FOUND", "deliveryId")


async def test_a_deleted_webhook_receives_nothing_more(staff_client, receiver, worker):
    shop, ann = await _member(staff_client)
    staff, created = await _register(staff_client, receiver.url, ["*"])
    assert (await gql(staff_client, WEBHOOKS, token=staff))["data"]["webhooks"] == [
        {"id": created["webhook"]["id"], "url": receiver.url, "events": ["*"]}]
    deleted = await gql(staff_client, DELETE, {"input": {"webhookId": created["webhook"]["id"]}}, token=staff)
    assert deleted["data"]["deleteWebhook"] == {"ok": True, "errors": []}
    assert (await gql(staff_client, WEBHOOKS, token=staff))["data"]["webhooks"] == []
    assert (await shop.purchase(ann, orderId="W-4"))["errors"] == []
    await worker(handled)
    assert receiver.received == []
    assert await WebhookDelivery.all().count() == 0
    again = await gql(staff_client, DELETE, {"input": {"webhookId": created["webhook"]["id"]}}, token=staff)
    assert errors_of(again["data"]["deleteWebhook"]) == error("NOT_FOUND", "webhookId")


async def test_the_command_lists_the_dead_deliveries_and_retries_one(staff_client, receiver, worker, hook_settings):
    shop, ann = await _member(staff_client)
    staff, created = await _register(staff_client, receiver.url, ["points.earned"])
    receiver.failing = 1000
    assert (await shop.purchase(ann, orderId="W-5"))["errors"] == []
    await worker(lambda: len(receiver.received) >= 5)
    row = await WebhookDelivery.get()

    listed = await run_cli(hook_settings, "webhooks", "--failed")

    assert listed.returncode == 0
    assert listed.stdout.splitlines()[-1] == "1 dead webhook delivery(ies)"
    assert listed.stdout.startswith(f"{row.id}  ") and "points.earned" in listed.stdout
    receiver.failing = 0
    retried = await run_cli(hook_settings, "webhooks", "--retry", str(row.id))
    assert (retried.returncode, retried.stdout) == (0, f"{row.id}: delivered\n")
    assert _verified(receiver.received[-1], created["secret"])["id"] == str(row.event_id)
    missing = await run_cli(hook_settings, "webhooks", "--retry", str(row.id))
    assert missing.returncode == 1
