"""blockMember and unblockMember: a blocked member keeps earning (purchase points pending as
usual) but spending, redeeming and donating are MEMBER_BLOCKED and change nothing."""
from __future__ import annotations

import pytest

from loyalty import clock
from loyalty.charity.choices import choose_charity
from loyalty.charity.models import Donation
from loyalty.ledger.verify import verify_ledger
from loyalty.runtime import Runtime
from schema.relay import to_global_id
from tests.members import row_counts
from tests.rewards import T0, grant, points
from tests.staff import audit_rows, member, staff_key
from tests.support.gql import gql
from tests.support.shop import RECORD_PURCHASE, WALLET, api_key

BLOCK = """
mutation($input: BlockMemberInput!) {
  blockMember(input: $input) { member { memberNumber blockedAt } errors { code field message } }
}"""
UNBLOCK = """
mutation($input: UnblockMemberInput!) {
  unblockMember(input: $input) { member { memberNumber blockedAt } errors { code field message } }
}"""
REDEEM = """
mutation($input: RedeemRewardInput!) {
  redeemReward(input: $input) { issuedReward { code } wallet { points } errors { code field message } }
}"""
DONATE = """
mutation($input: DonatePointsInput!) {
  donatePoints(input: $input) { donation { points } wallet { points } errors { code field message } }
}"""
WALLET_OF = f"query($n: String!) {{ memberByNumber(memberNumber: $n) {{ blockedAt wallet {{ {WALLET} }} }} }}"
BLOCKED = "This account is blocked for review: it cannot spend, redeem, donate or transfer points or credit for now. " \
          "Points it earns are kept."


@pytest.fixture(autouse=True)
def at_t0():
    with clock.frozen_at(T0):
        yield


async def blocked_member(client, runtime: Runtime):
    key, ann = await staff_key(), await member()
    await grant(ann.id, 1000)
    body = await gql(client, BLOCK, {"input": {"memberNumber": ann.member_number, "reason": "Fraud review #7"}},
                     token=key)
    assert body["data"]["blockMember"] == {
        "member": {"memberNumber": ann.member_number, "blockedAt": "2026-03-10T12:00:00+00:00"}, "errors": []}
    return key, ann, runtime.tokens.issue(ann.id).token


def refused(payload: dict) -> list[tuple]:
    return [(e["code"], e["field"], e["message"]) for e in payload["errors"]]


async def test_a_blocked_member_cannot_redeem_and_nothing_changes(client, runtime):
    _, ann, token = await blocked_member(client, runtime)
    before = await row_counts()

    body = await gql(client, REDEEM, {"input": {"rewardId": to_global_id("Reward", "five-off"),
                                                "idempotencyKey": "r1"}}, token=token)

    assert body["data"]["redeemReward"]["issuedReward"] is None
    assert refused(body["data"]["redeemReward"]) == [("MEMBER_BLOCKED", None, BLOCKED)]
    assert await row_counts() == before
    assert await points(ann.id) == 1000


async def test_a_blocked_member_cannot_donate_and_nothing_changes(client, runtime):
    _, ann, token = await blocked_member(client, runtime)
    before = await row_counts()

    body = await gql(client, DONATE, {"input": {"charityId": to_global_id("Charity", "wildlife"), "points": 100,
                                                "idempotencyKey": "d1"}}, token=token)

    assert refused(body["data"]["donatePoints"]) == [("MEMBER_BLOCKED", None, BLOCKED)]
    assert await row_counts() == before
    assert await points(ann.id) == 1000


async def test_a_blocked_member_cannot_pay_with_points_or_credit_and_nothing_changes(client, runtime):
    _, ann, _ = await blocked_member(client, runtime)
    shop = await api_key("purchases:write", "members:read")
    before = await row_counts()

    for spend in ({"pointsToSpend": 500}, {"creditToSpend": "1.00"}):
        body = await gql(client, RECORD_PURCHASE, {"input": {
            "memberNumber": ann.member_number, "orderId": "O-1", "amount": "50.00", "currencyCode": "EUR", **spend,
        }}, token=shop)
        assert refused(body["data"]["recordPurchase"]) == [("MEMBER_BLOCKED", None, BLOCKED)]

    assert await row_counts() == before
    assert await points(ann.id) == 1000


async def test_a_blocked_member_keeps_earning_purchase_points_as_pending(client, runtime):
    key, ann, _ = await blocked_member(client, runtime)
    shop = await api_key("purchases:write", "members:read")

    body = await gql(client, RECORD_PURCHASE, {"input": {
        "memberNumber": ann.member_number, "orderId": "O-1", "amount": "80.00", "currencyCode": "EUR"}}, token=shop)

    assert body["data"]["recordPurchase"]["errors"] == []
    assert body["data"]["recordPurchase"]["purchase"]["pointsAwarded"] == 160  # 2X in the first 30 days
    wallet = (await gql(client, WALLET_OF, {"n": ann.member_number}, token=key))["data"]["memberByNumber"]["wallet"]
    assert (wallet["points"], wallet["pendingPoints"]) == (1000, 160)
    assert await verify_ledger() == []


async def test_a_blocked_members_automatic_donation_waits_and_the_award_is_kept(client, runtime):
    _, ann, _ = await blocked_member(client, runtime)
    await choose_charity(runtime.program.program, ann.id, "wildlife", 50)
    await grant(ann.id, 200)  # a posted award: half of it would go to the charity

    assert await Donation.filter(member_id=ann.id).count() == 0
    assert await points(ann.id) == 1200


async def test_unblocking_lets_the_member_redeem_again_and_both_steps_are_audited(client, runtime):
    key, ann, token = await blocked_member(client, runtime)

    body = await gql(client, UNBLOCK, {"input": {"memberNumber": ann.member_number, "reason": "Cleared"}}, token=key)
    redeemed = await gql(client, REDEEM, {"input": {"rewardId": to_global_id("Reward", "five-off"),
                                                    "idempotencyKey": "r1"}}, token=token)

    assert body["data"]["unblockMember"] == {"member": {"memberNumber": ann.member_number, "blockedAt": None},
                                             "errors": []}
    assert redeemed["data"]["redeemReward"]["errors"] == []
    assert redeemed["data"]["redeemReward"]["wallet"] == {"points": 500}
    assert await audit_rows(ann.id) == [
        ("support desk", "member.block", ann.id, "Fraud review #7", {"blocked": False}, {"blocked": True}),
        ("support desk", "member.unblock", ann.id, "Cleared",
         {"blocked": True, "blocked_at": "2026-03-10T12:00:00+00:00", "blocked_by": "support desk"},
         {"blocked": False}),
    ]


async def test_blocking_twice_or_unblocking_a_member_who_is_not_blocked_changes_nothing(client, runtime):
    key, ann, _ = await blocked_member(client, runtime)
    bob = await member(email="bob@example.com", name="Bob")
    await grant(bob.id, 10)
    before = await row_counts()

    again = await gql(client, BLOCK, {"input": {"memberNumber": ann.member_number, "reason": "Again"}}, token=key)

    assert again["data"]["blockMember"]["errors"] == []
    assert again["data"]["blockMember"]["member"]["blockedAt"] == "2026-03-10T12:00:00+00:00"
    assert await row_counts() == before
    body = await gql(client, UNBLOCK, {"input": {"memberNumber": bob.member_number, "reason": "x"}}, token=key)
    assert body["data"]["unblockMember"]["errors"] == []
    assert await row_counts() == before
