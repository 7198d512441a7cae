"""walletUpdated over graphql-transport-ws: pushed after the commit of a change to the
signed-in member's wallet, to that member only; the token is checked at connection_init."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from loyalty import clock
from loyalty.members.models import Member
from tests.conftest import requires_postgres
from tests.support.live import init, receive, serving, subscribe, ws_connection
from tests.support.servers import running_servers
from tests.support.shop import Joined, Shop, iso, join

SECOND = 1.0


def posted_purchase(order_id: str) -> dict:
    # Made 15 days ago: the 14-day return window of the demo program is over, so it posts at once.
    return {"orderId": order_id, "occurredAt": iso(datetime.now(timezone.utc) - timedelta(days=15))}


async def expect_update_after_purchase(shop: Shop, ann: Joined, ann_ws, bob_ws) -> None:
    started = time.monotonic()
    payload = await shop.purchase(ann, **posted_purchase("order-1"))
    assert payload["errors"] == []
    awarded = payload["purchase"]["pointsAwarded"]
    assert awarded == 100
    message = await receive(ann_ws, timeout=SECOND - (time.monotonic() - started))
    assert time.monotonic() - started < SECOND
    assert message == {
        "id": "1", "type": "next",
        "payload": {"data": {"walletUpdated": {
            # 100 welcome points from joining, and the purchase's 100.
            "wallet": {"points": 200, "pendingPoints": 0, "lifetimePoints": 200,
                       "credit": {"amount": "0.00", "currencyCode": "EUR"}},
            "entry": {"kind": "PURCHASE", "status": "POSTED", "points": 100, "reference": "order-1"},
        }}},
    }
    with pytest.raises(asyncio.TimeoutError):
        await receive(bob_ws, timeout=SECOND)


async def test_a_subscription_client_receives_wallet_updated_within_a_second_of_a_purchase_that_posts(
    runtime, client: httpx.AsyncClient,
) -> None:
    ann, bob = await join(client, "ann@example.com"), await join(client, "bob@example.com")
    shop = await Shop.open(client)
    async with serving(runtime) as url, ws_connection(url) as ann_ws, ws_connection(url) as bob_ws:
        await subscribe(ann_ws, ann.token)
        await subscribe(bob_ws, bob.token)
        while runtime.live.subscriber_count() < 2:
            await asyncio.sleep(0.01)
        await expect_update_after_purchase(shop, ann, ann_ws, bob_ws)


@requires_postgres
@pytest.mark.parametrize("with_redis", [False, True])
async def test_wallet_updated_reaches_a_subscriber_of_another_api_process(runtime, client, tmp_path, with_redis) -> None:
    """Through Redis, or without it through PostgreSQL's notifications: the purchase is
    recorded by one API process, the subscribers are connected to another."""
    if with_redis and runtime.settings.redis_url is None:
        pytest.skip("needs Redis (set REDIS_URL)")
    settings = runtime.settings if with_redis else runtime.settings.model_copy(update={"redis_url": None})
    ann, bob = await join(client, "ann@example.com"), await join(client, "bob@example.com")
    with running_servers(settings, 2, log_dir=tmp_path) as (writer, reader):
        async with httpx.AsyncClient(base_url=writer.url) as http:
            shop = await Shop.open(http)
            async with ws_connection(reader.url) as ann_ws, ws_connection(reader.url) as bob_ws:
                await subscribe(ann_ws, ann.token)
                await subscribe(bob_ws, bob.token)
                await asyncio.sleep(0.5)  # the server registers the subscriptions
                await expect_update_after_purchase(shop, ann, ann_ws, bob_ws)
                # One change, one update.
                with pytest.raises(asyncio.TimeoutError):
                    await receive(ann_ws, timeout=SECOND)


@pytest.mark.parametrize("payload", [
    {}, {"accessToken": "not-a-token"}, {"Authorization": "Bearer not-a-token"}, {"accessToken": 12},
])
async def test_a_bad_token_closes_the_connection_unauthorized(runtime, payload) -> None:
    async with serving(runtime) as url, ws_connection(url) as ws:
        await init(ws, payload)
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws, 5)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "Unauthorized")


async def test_an_expired_token_closes_the_connection_unauthorized(runtime, client) -> None:
    await join(client, "ann@example.com")
    member = await Member.get(email="ann@example.com")
    with clock.frozen_at(datetime.now(timezone.utc) - timedelta(hours=1)):
        expired = runtime.tokens.issue(member.id).token
    async with serving(runtime) as url, ws_connection(url) as ws:
        await init(ws, {"accessToken": expired})
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws, 5)
        assert closed.value.rcvd.code == 4401


async def test_an_api_key_cannot_subscribe(runtime, client) -> None:
    key = (await Shop.open(client)).key
    async with serving(runtime) as url, ws_connection(url) as ws:
        await init(ws, {"accessToken": key})
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws, 5)
        assert closed.value.rcvd.code == 4401


@pytest.mark.parametrize("accept", [None, "multipart/mixed;subscriptionSpec=1.0,application/json"])
async def test_a_subscription_over_http_is_refused(runtime, client, accept) -> None:
    ann = await join(client, "ann@example.com")
    headers = {"Authorization": f"Bearer {ann.token}", **({"Accept": accept} if accept else {})}
    response = await client.post(
        "/graphql", json={"query": "subscription Live { walletUpdated { wallet { points } } }"}, headers=headers
    )
    assert (response.status_code, response.json()) == (400, {"errors": [{
        "message": "Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql",
        "extensions": {"code": "BAD_REQUEST"},
    }]})
