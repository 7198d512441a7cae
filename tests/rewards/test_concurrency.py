"""Redeeming under real concurrency: two `loyalty serve` processes on PostgreSQL take requests
fired at once, each on a connection of its own. Stock never goes below zero, one idempotency
key gives one coupon, a member's limit holds, a coupon is used once; verify-ledger finds
nothing after each scenario.

The servers and the emptied tables come from tests/support/concurrency.py's fixtures, made
once for this module; each test has members of its own.
"""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any


from loyalty import clock
from loyalty.auth.api_keys import create_api_key
from loyalty.charity.choices import choose_charity
from loyalty.charity.models import Donation
from loyalty.ledger.verify import verify_ledger
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.rewards.models import IssuedReward, RewardStock
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from schema.relay import to_global_id
from tests.conftest import requires_postgres
from tests.support.concurrency import base_rate_settings, module_runtime, post_at_once, servers  # noqa: F401 - fixtures
from tests.rewards import grant, new_member, points
from tests.support.servers import Server, run_command

pytestmark = requires_postgres

REDEEM = """
mutation($input: RedeemRewardInput!) {
  redeemReward(input: $input) { issuedReward { id code } wallet { points } errors { code field message } }
}"""
USE = """
mutation($input: UseIssuedRewardInput!) {
  useIssuedReward(input: $input) { issuedReward { code status orderId } errors { code field } }
}"""


async def fire(servers: list[Server], requests: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Sends every (bearer, query, variables) at once; returns each mutation's payload, in order."""
    return await post_at_once(servers, requests)


def redeem(token: str, reward: str, key: str) -> tuple[str, str, dict[str, Any]]:
    return token, REDEEM, {"input": {"rewardId": to_global_id("Reward", reward), "idempotencyKey": key}}


async def member_with(module_runtime: Runtime, amount: int) -> tuple[int, str]:
    member_id = await new_member()
    await grant(member_id, amount)
    return member_id, module_runtime.tokens.issue(member_id).token


async def assert_ledger_is_consistent(settings: Settings) -> None:
    assert [str(v) for v in await verify_ledger()] == []
    done = run_command(settings, "verify-ledger")
    assert (done.returncode, done.stdout) == (0, "verify-ledger: the ledger is consistent\n"), done.stderr


def codes(payloads: list[dict[str, Any]]) -> Counter:
    return Counter(e["code"] for p in payloads for e in p["errors"])


async def test_30_members_redeeming_a_reward_with_5_in_stock_get_exactly_5_coupons(servers, module_runtime, settings):
    await RewardStock.create(reward_code="trail-backpack", issued=195)  # 200 in the program file: 5 left
    members = [await member_with(module_runtime, 25000) for _ in range(30)]

    payloads = await fire(servers, [redeem(token, "trail-backpack", "tap") for _, token in members])

    winners = [m for m, p in zip(members, payloads) if not p["errors"]]
    assert len(winners) == 5
    assert codes(payloads) == {"OUT_OF_STOCK": 25}
    assert all(p["issuedReward"] is None and p["wallet"] is None for p in payloads if p["errors"])
    assert await IssuedReward.filter(reward_code="trail-backpack").count() == 5
    assert (await RewardStock.get(reward_code="trail-backpack")).issued == 200
    assert sorted([await points(member_id) for member_id, _ in members]) == [0] * 5 + [25000] * 25
    await assert_ledger_is_consistent(settings)


async def test_a_double_tap_with_one_idempotency_key_gets_one_coupon(servers, module_runtime, settings):
    member_id, token = await member_with(module_runtime, 1000)

    payloads = await fire(servers, [redeem(token, "five-off", "one-tap")] * 20)

    assert [p["errors"] for p in payloads] == [[]] * 20
    assert len({p["issuedReward"]["code"] for p in payloads}) == 1
    assert await IssuedReward.filter(member_id=member_id).count() == 1
    assert await points(member_id) == 500
    await assert_ledger_is_consistent(settings)


async def test_a_limit_of_1_holds_under_10_concurrent_attempts_with_different_keys(servers, module_runtime, settings):
    member_id, token = await member_with(module_runtime, 100000)

    payloads = await fire(servers, [redeem(token, "twenty-percent-off", f"key-{i}") for i in range(10)])

    assert sum(1 for p in payloads if not p["errors"]) == 1
    assert codes(payloads) == {"LIMIT_REACHED": 9}
    assert await IssuedReward.filter(member_id=member_id).count() == 1
    assert await points(member_id) == 90000
    await assert_ledger_is_consistent(settings)


async def test_a_coupon_used_by_10_orders_at_once_is_used_once(servers, module_runtime, settings):
    member_id, token = await member_with(module_runtime, 500)
    (issued,) = await fire(servers[:1], [redeem(token, "five-off", "k")])
    key = (await create_api_key("shop", frozenset({"purchases:write"})))[1]
    code = issued["issuedReward"]["code"]

    payloads = await fire(servers, [(key, USE, {"input": {"code": code, "orderId": f"O-{i}"}}) for i in range(10)])

    used = [p["issuedReward"] for p in payloads if not p["errors"]]
    assert len(used) == 1 and used[0]["status"] == "USED"
    assert codes(payloads) == {"NOT_AVAILABLE": 9}
    row = await IssuedReward.get(code=code)
    assert (row.status, row.order_id) == ("USED", used[0]["orderId"])
    await assert_ledger_is_consistent(settings)


DONATE = """
mutation($input: DonatePointsInput!) {
  donatePoints(input: $input) { donation { points } wallet { points } errors { code field } }
}"""


async def test_a_double_tap_donation_with_one_key_donates_once(servers, module_runtime, settings):
    member_id, token = await member_with(module_runtime, 1000)
    request = (token, DONATE, {"input": {"charityId": to_global_id("Charity", "wildlife"), "points": 300,
                                         "idempotencyKey": "give"}})

    payloads = await fire(servers, [request] * 20)

    assert [p["errors"] for p in payloads] == [[]] * 20
    assert await Donation.filter(member_id=member_id).count() == 1
    assert await points(member_id) == 700
    await assert_ledger_is_consistent(settings)


async def test_two_activation_jobs_at_once_donate_the_automatic_share_once(servers, module_runtime, settings):
    program = module_runtime.program.program
    with clock.frozen_at(datetime.now(timezone.utc) - timedelta(days=90)):  # past any new-member bonus
        member_id = await new_member()
    await choose_charity(program, member_id, "civil-rights", 25)
    occurred = datetime.now(timezone.utc) - timedelta(days=1)
    await record_purchase(program, PurchaseRequest(member_id, f"O-{member_id}", Decimal("400.00"), "EUR",
                                                   occurred_at=occurred))
    due = (occurred + timedelta(days=program.program.pending_days)).isoformat()

    runs = await asyncio.gather(*(
        asyncio.to_thread(run_command, settings, "run-job", "activate-pending", "--now", due) for _ in range(2)
    ))

    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    (donation,) = await Donation.filter(member_id=member_id)
    assert (donation.points, donation.source) == (100, "AUTOMATIC")
    assert await points(member_id) == 300
    await assert_ledger_is_consistent(settings)
