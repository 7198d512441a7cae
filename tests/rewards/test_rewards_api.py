"""Rewards over HTTP, as the app and the shop use them: the catalog with `available`, redeeming,
the member's coupons, and the shop accepting a coupon once at checkout."""
from __future__ import annotations

from loyalty.rewards.models import RewardStock
from schema.relay import to_global_id
from tests.members import member_pk
from tests.rewards import grant
from tests.support.gql import gql
from tests.support.shop import Shop, api_key, error, errors_of, join

CATALOG = """
query($first: Int, $after: String) {
  rewards(first: $first, after: $after) {
    edges { cursor node { id name kind costPoints percentOff value { amount currencyCode }
                          minimumTier { name } remainingStock available } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""
REDEEM = """
mutation($input: RedeemRewardInput!) {
  redeemReward(input: $input) {
    issuedReward { id code status expiresAt reward { id name } }
    wallet { points credit { amount } }
    errors { code field message }
  }
}"""
USE = """
mutation($input: UseIssuedRewardInput!) {
  useIssuedReward(input: $input) { issuedReward { code status orderId } errors { code field message } }
}"""
MINE = "query { me { issuedRewards(first: 10) { edges { node { code status reward { name } } } } } }"


def reward_id(code: str) -> str:
    return to_global_id("Reward", code)


async def test_the_catalog_is_cheapest_first_with_what_the_member_can_redeem(client):
    ann = await join(client)
    await grant(member_pk(ann.id), 1000)
    await RewardStock.create(reward_code="trail-backpack", issued=190)

    signed_in = (await gql(client, CATALOG, {"first": 10}, token=ann.token))["data"]["rewards"]
    signed_out = (await gql(client, CATALOG, {"first": 10}))["data"]["rewards"]

    rows = [(e["node"]["name"], e["node"]["costPoints"], e["node"]["remainingStock"], e["node"]["available"])
            for e in signed_in["edges"]]
    # 100 welcome points plus the 1000 granted
    assert rows == [
        ("Free shipping", 300, None, True),
        ("Free coffee", 400, None, True),
        ("EUR 5 off", 500, None, True),
        ("EUR 10 store credit", 1000, None, True),
        ("20% off", 10000, None, False),
        ("Northwind trail backpack", 25000, 10, False),
        ("Chef's table for two", 40000, 12, False),
    ]
    assert [e["node"]["available"] for e in signed_out["edges"]] == [False] * 7
    chefs = signed_in["edges"][-1]["node"]
    assert (chefs["minimumTier"], chefs["kind"]) == ({"name": "Gold"}, "EXPERIENCE")
    assert signed_in["edges"][4]["node"]["percentOff"] == 20
    assert signed_in["edges"][3]["node"]["value"] == {"amount": "10.00", "currencyCode": "EUR"}


REASONS = "query { rewards(first: 10) { edges { node { name available unavailableReason } } } }"


async def test_each_reward_says_why_the_member_cannot_redeem_it_now(client):
    ann = await join(client)
    await grant(member_pk(ann.id), 10_000)
    await RewardStock.create(reward_code="trail-backpack", issued=200)
    redeemed = await gql(client, REDEEM, {"input": {"rewardId": reward_id("twenty-percent-off"), "idempotencyKey": "r-1"}},
                         token=ann.token)
    assert redeemed["data"]["redeemReward"]["errors"] == []

    signed_in = (await gql(client, REASONS, token=ann.token))["data"]["rewards"]["edges"]
    signed_out = (await gql(client, REASONS))["data"]["rewards"]["edges"]

    # 100 welcome points + 10,000 granted - 10,000 for the 20% off, limited to 1 per month
    assert [(e["node"]["name"], e["node"]["available"], e["node"]["unavailableReason"]) for e in signed_in] == [
        ("Free shipping", False, "INSUFFICIENT_POINTS"),
        ("Free coffee", False, "INSUFFICIENT_POINTS"),
        ("EUR 5 off", False, "INSUFFICIENT_POINTS"),
        ("EUR 10 store credit", False, "INSUFFICIENT_POINTS"),
        ("20% off", False, "LIMIT_REACHED"),
        ("Northwind trail backpack", False, "OUT_OF_STOCK"),
        ("Chef's table for two", False, "TIER_REQUIRED"),
    ]
    assert [e["node"]["unavailableReason"] for e in signed_out] == ["SIGNED_OUT"] * 7


async def test_an_available_reward_has_no_reason(client):
    ann = await join(client)
    edges = (await gql(client, REASONS, token=ann.token))["data"]["rewards"]["edges"]
    assert (edges[0]["node"]["name"], edges[0]["node"]["available"], edges[0]["node"]["unavailableReason"]) == (
        "Free shipping", False, "INSUFFICIENT_POINTS")  # 100 welcome points
    await grant(member_pk(ann.id), 200)
    edges = (await gql(client, REASONS, token=ann.token))["data"]["rewards"]["edges"]
    assert (edges[0]["node"]["available"], edges[0]["node"]["unavailableReason"]) == (True, None)


async def test_the_catalog_pages(client):
    first = (await gql(client, CATALOG, {"first": 3}))["data"]["rewards"]
    rest = (await gql(client, CATALOG, {"first": 10, "after": first["pageInfo"]["endCursor"]}))["data"]["rewards"]
    assert [e["node"]["costPoints"] for e in first["edges"]] == [300, 400, 500]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["costPoints"] for e in rest["edges"]] == [1000, 10000, 25000, 40000]
    assert (rest["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasPreviousPage"]) == (False, True)


async def test_a_member_redeems_and_the_shop_accepts_the_code_once(client):
    ann = await join(client)
    await grant(member_pk(ann.id), 1000)
    shop = await Shop.open(client)

    redeemed = (await gql(client, REDEEM, {"input": {"rewardId": reward_id("five-off"), "idempotencyKey": "tap-1"}},
                          token=ann.token))["data"]["redeemReward"]
    assert redeemed["errors"] == []
    assert redeemed["wallet"]["points"] == 600
    code = redeemed["issuedReward"]["code"]
    assert (redeemed["issuedReward"]["status"], redeemed["issuedReward"]["reward"]["name"]) == ("ACTIVE", "EUR 5 off")

    used = (await shop.call(USE, {"input": {"code": code, "orderId": "O-1"}}))["useIssuedReward"]
    assert used == {"issuedReward": {"code": code, "status": "USED", "orderId": "O-1"}, "errors": []}
    twice = (await shop.call(USE, {"input": {"code": code, "orderId": "O-2"}}))["useIssuedReward"]
    assert (twice["issuedReward"], errors_of(twice)) == (None, error("NOT_AVAILABLE", "code"))

    mine = (await gql(client, MINE, token=ann.token))["data"]["me"]["issuedRewards"]["edges"]
    assert [e["node"] for e in mine] == [{"code": code, "status": "USED", "reward": {"name": "EUR 5 off"}}]


async def test_redeem_errors_are_user_errors(client):
    ann = await join(client)
    missing = (await gql(client, REDEEM, {"input": {"rewardId": reward_id("nope"), "idempotencyKey": "k"}},
                         token=ann.token))["data"]["redeemReward"]
    poor = (await gql(client, REDEEM, {"input": {"rewardId": reward_id("five-off"), "idempotencyKey": "k"}},
                      token=ann.token))["data"]["redeemReward"]
    assert errors_of(missing) == error("NOT_FOUND", "rewardId")
    assert (poor["issuedReward"], errors_of(poor)) == (None, error("INSUFFICIENT_POINTS", "rewardId"))


async def test_using_a_coupon_needs_the_shop_scope(client):
    ann = await join(client)
    visits_only = Shop(client, await api_key("visits:write"))
    as_member = (await gql(client, USE, {"input": {"code": "2222-2222-2222"}}, token=ann.token))["data"]
    as_visits = await visits_only.call(USE, {"input": {"code": "2222-2222-2222"}})
    assert errors_of(as_member["useIssuedReward"]) == error("FORBIDDEN")
    assert errors_of(as_visits["useIssuedReward"]) == error("FORBIDDEN")


async def test_a_blocked_member_sees_every_reward_unavailable_until_unblocked(client):
    from tests.staff.test_blocks import BLOCK, UNBLOCK

    ann = await join(client)
    await grant(member_pk(ann.id), 200)
    staff = await api_key("staff:write")
    blocked = await gql(client, BLOCK, {"input": {"memberNumber": ann.number, "reason": "review"}}, token=staff)
    assert blocked["data"]["blockMember"]["errors"] == []
    edges = (await gql(client, REASONS, token=ann.token))["data"]["rewards"]["edges"]
    assert {(e["node"]["available"], e["node"]["unavailableReason"]) for e in edges} == {(False, "MEMBER_BLOCKED")}
    unblocked = await gql(client, UNBLOCK, {"input": {"memberNumber": ann.number, "reason": "cleared"}}, token=staff)
    assert unblocked["data"]["unblockMember"]["errors"] == []
    edges = (await gql(client, REASONS, token=ann.token))["data"]["rewards"]["edges"]
    assert (edges[0]["node"]["name"], edges[0]["node"]["available"], edges[0]["node"]["unavailableReason"]) == (
        "Free shipping", True, None)
