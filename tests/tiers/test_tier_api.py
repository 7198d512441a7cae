"""Member.tier (TierStatus) over HTTP, for the member (me) and for the shop (node, with
members:read), with the demo program: calendar years in Amsterdam, Silver from EUR 500."""
from __future__ import annotations

from datetime import UTC, datetime

from loyalty import clock
from schema.relay import to_global_id
from tests.support.gql import gql
from tests.support.shop import Shop, join

TIER = """
tier {
  current { id name rank metric threshold pointsMultiplier cashbackPercent benefits }
  next { name rank threshold }
  qualificationPeriodStart qualificationPeriodEnd qualifyingAmount remainingToNext remainingToKeep validUntil
}"""
ME_TIER = f"query {{ me {{ {TIER} }} }}"
NODE_TIER = f"query($id: ID!) {{ node(id: $id) {{ ... on Member {{ {TIER} }} }} }}"

SILVER = {
    "id": to_global_id("Tier", "silver"), "name": "Silver", "rank": 1, "metric": "SPEND", "threshold": "500",
    "pointsMultiplier": "1.25", "cashbackPercent": "2",
    "benefits": ["1.25 points per euro", "2% back in store credit", "Free shipping over EUR 50"],
}


async def test_member_tier_is_exact_for_the_member_and_for_the_shop(client):
    shop = await Shop.open(client)
    with clock.frozen_at(datetime(2026, 3, 10, 12, tzinfo=UTC)):
        ann = await join(client)
        before = (await gql(client, ME_TIER, token=ann.token))["data"]["me"]["tier"]
        assert (before["current"]["name"], before["qualifyingAmount"], before["remainingToNext"],
                before["remainingToKeep"], before["validUntil"]) == ("Bronze", "0.00", "500.00", "0.00", None)
        assert (await shop.purchase(ann, orderId="O-1", amount="380.00", brand="northwind"))["errors"] == []
        assert (await shop.purchase(ann, orderId="O-2", amount="240.50", brand="harbor"))["errors"] == []
        mine = (await gql(client, ME_TIER, token=ann.token))["data"]["me"]["tier"]
        theirs = (await shop.call(NODE_TIER, {"id": ann.id}))["node"]["tier"]
    assert mine == theirs == {
        "current": SILVER,
        "next": {"name": "Gold", "rank": 2, "threshold": "1500"},
        "qualificationPeriodStart": "2025-12-31T23:00:00+00:00",
        "qualificationPeriodEnd": "2026-12-31T23:00:00+00:00",
        "qualifyingAmount": "620.50",
        "remainingToNext": "879.50",
        "remainingToKeep": "0.00",
        "validUntil": "2027-12-31T23:00:00+00:00",
    }


async def test_a_refund_over_http_takes_the_tier_back(client):
    shop = await Shop.open(client)
    with clock.frozen_at(datetime(2026, 3, 10, 12, tzinfo=UTC)):
        ann = await join(client)
        await shop.purchase(ann, orderId="O-1", amount="500.00", brand="northwind")
        assert (await shop.refund("O-1", "R-1", "0.01"))["errors"] == []
        tier = (await gql(client, ME_TIER, token=ann.token))["data"]["me"]["tier"]
    assert (tier["current"]["name"], tier["qualifyingAmount"], tier["remainingToNext"], tier["validUntil"]) == (
        "Bronze", "499.99", "0.01", None)
