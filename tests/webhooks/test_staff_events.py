"""Staff actions reach the brand's systems: adjustments of points and credit, blocks and
unblocks are outbox events, delivered to a webhook subscribed to them; the member's wallet
(cached when Redis is there) reads the adjusted balance at once."""
from __future__ import annotations

import json

from loyalty import clock, events
from loyalty.outbox import OutboxEvent
from loyalty.staff.models import Adjustment
from loyalty.webhooks import signing
from loyalty.webhooks.models import WebhookDelivery
from tests.staff import ADJUST_CREDIT, ADJUST_POINTS
from tests.staff.test_blocks import BLOCK, UNBLOCK
from tests.support.gql import gql
from tests.support.shop import api_key, join
from tests.webhooks.conftest import handled

CREATE = """mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { events } secret errors { code field } } }"""
STAFF_TOPICS = [events.POINTS_ADJUSTED, events.CREDIT_ADJUSTED, events.MEMBER_BLOCKED, events.MEMBER_UNBLOCKED]
MY_WALLET = "query { me { wallet { points credit { amount } } } }"


async def _wallet(client, token: str) -> tuple[int, str]:
    wallet = (await gql(client, MY_WALLET, token=token))["data"]["me"]["wallet"]
    return wallet["points"], wallet["credit"]["amount"]


async def test_a_webhook_subscribed_to_staff_actions_receives_each_and_the_wallet_follows(
        staff_client, receiver, worker):
    ann = await join(staff_client, "ann@example.com")
    await OutboxEvent.all().update(delivered_at=clock.now())  # the sign-up's events are done
    staff = await api_key("staff:write", name="support desk")
    created = (await gql(staff_client, CREATE, {"input": {"url": receiver.url, "events": STAFF_TOPICS}},
                         token=staff))["data"]["createWebhook"]
    assert created["errors"] == [] and created["webhook"]["events"] == STAFF_TOPICS
    before = await _wallet(staff_client, ann.token)  # read once: cached from here on when Redis is there

    async def run(query: str, name: str, **fields) -> None:
        payload = (await gql(staff_client, query, {"input": {"memberNumber": ann.number, **fields}},
                             token=staff))["data"][name]
        assert payload["errors"] == []

    await run(ADJUST_POINTS, "adjustPoints", points=250, reason="Sorry for the late parcel", idempotencyKey="a-1")
    assert await _wallet(staff_client, ann.token) == (before[0] + 250, before[1])
    await run(ADJUST_CREDIT, "adjustCredit", amount="7.50", currencyCode="EUR",
              reason="Damaged box", idempotencyKey="c-1")
    await run(ADJUST_POINTS, "adjustPoints", points=-100, reason="Double booking", idempotencyKey="a-2")
    await run(ADJUST_POINTS, "adjustPoints", points=-100, reason="Double booking", idempotencyKey="a-2")  # a replay
    assert await _wallet(staff_client, ann.token) == (before[0] + 150, "7.50")
    await run(BLOCK, "blockMember", reason="Fraud review")
    await run(UNBLOCK, "unblockMember", reason="Cleared")

    await worker(lambda: len(receiver.received) >= 5)
    await worker(handled)

    bodies = sorted((json.loads(r.body) for r in receiver.received
                     if signing.verify(created["secret"], r.headers["loyalty-signature"], r.body,
                                       int(clock.now().timestamp()))),
                    key=lambda b: b["created_at"])
    adjustments = {a.idempotency_key: a.id for a in await Adjustment.all()}
    blocked_at = bodies[3]["data"]["blocked_at"]
    assert [(b["type"], b["member_number"], b["data"]) for b in bodies] == [
        ("points.adjusted", ann.number, {"adjustment_id": adjustments["adjust:points:a-1"], "points": 250,
                                         "balance": before[0] + 250, "reason": "Sorry for the late parcel",
                                         "actor": "support desk"}),
        ("credit.adjusted", ann.number, {"adjustment_id": adjustments["adjust:credit:c-1"], "credit_minor": 750,
                                         "balance_minor": 750, "currency": "EUR", "reason": "Damaged box",
                                         "actor": "support desk"}),
        ("points.adjusted", ann.number, {"adjustment_id": adjustments["adjust:points:a-2"], "points": -100,
                                         "balance": before[0] + 150, "reason": "Double booking",
                                         "actor": "support desk"}),
        ("member.blocked", ann.number, {"reason": "Fraud review", "actor": "support desk", "blocked_at": blocked_at}),
        ("member.unblocked", ann.number, {"reason": "Cleared", "actor": "support desk", "blocked_at": blocked_at}),
    ]
    assert await WebhookDelivery.all().count() == 5  # the replay emitted nothing
    assert await OutboxEvent.filter(topic__in=STAFF_TOPICS).count() == 5
