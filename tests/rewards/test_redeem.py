"""redeemReward in the domain: points from the lots that expire first, coupons with codes a
person can type, STORE_CREDIT as credit, replays by key, and every refusal changing nothing."""
from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from loyalty import clock, sql
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.models import LotAllocation, Lot, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.rewards.codes import ALPHABET
from loyalty.rewards.models import IssuedReward, RewardStock
from loyalty.rewards.redeem import redeem_reward
from loyalty.tiers import state as tier_state
from loyalty.wallet import get_wallet
from tests.rewards import T0, at_t0, grant, new_member, points, program, state  # noqa: F401 - fixtures
from tests.conftest import requires_postgres
from tests.support.tiers import hold_tier, set_tier

CODE = re.compile(f"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


pytestmark = pytest.mark.usefixtures("at_t0")


async def refused(program, member_id: int, reward: str, key: str, code: ErrorCode) -> None:
    before = await state(member_id)
    with pytest.raises(LoyaltyError) as caught:
        await redeem_reward(program, member_id, reward, key)
    assert caught.value.code is code
    assert await state(member_id) == before


async def test_redeeming_spends_the_points_and_issues_an_active_coupon(program):
    ann = await new_member()
    await grant(ann, 1200)

    issued = await redeem_reward(program, ann, "five-off", "k-1")

    assert (issued.status, issued.reward_code, issued.points, issued.member_id) == ("ACTIVE", "five-off", 500, ann)
    assert CODE.match(issued.code), issued.code
    assert issued.expires_at == T0 + timedelta(days=60)
    assert await points(ann) == 700
    spend = await Transfer.get(id=issued.spend_transfer_id)
    assert (spend.code, spend.amount, spend.memo["reward_name"]) == ("REDEEM_REWARD", 500, "EUR 5 off")
    event = await OutboxEvent.get(topic="reward.redeemed")
    assert event.payload == {
        "reward": "five-off", "reward_name": "EUR 5 off", "code": issued.code, "issued_reward_id": issued.id,
        "points": 500, "expires_at": (T0 + timedelta(days=60)).isoformat(),
    }
    assert await verify_ledger() == []


async def test_coupon_codes_are_unique_and_use_no_ambiguous_characters(program):
    ann = await new_member()
    await grant(ann, 300 * 40)
    codes = [(await redeem_reward(program, ann, "free-shipping", f"k-{i}")).code for i in range(40)]
    assert len(set(codes)) == 40
    assert not set("".join(codes)) & set("01ILO")


async def test_points_come_from_the_lots_that_expire_first(program):
    ann = await new_member()
    late = await grant(ann, 400, expires_at=T0 + timedelta(days=300))
    never = await grant(ann, 400)
    soon = await grant(ann, 400, expires_at=T0 + timedelta(days=30))

    issued = await redeem_reward(program, ann, "five-off", "k-1")

    drawn = {a.lot_id: a.amount for a in await LotAllocation.filter(transfer_id=issued.spend_transfer_id)}
    lots = {lot.transfer_id: lot.id for lot in await Lot.all()}
    assert drawn == {lots[soon.id]: 400, lots[late.id]: 100}
    assert lots[never.id] not in drawn


async def test_a_store_credit_reward_turns_points_into_credit(program):
    ann = await new_member()
    await grant(ann, 1500)

    issued = await redeem_reward(program, ann, "store-credit-10", "k-1")

    wallet = await get_wallet(ann, T0)
    assert (wallet.points, wallet.credit_minor) == (500, 1000)
    assert issued.status == "USED"
    credit = await Transfer.get(id=issued.credit_transfer_id)
    assert (credit.code, credit.asset, credit.amount) == ("REWARD_CREDIT", "CREDIT", 1000)
    assert await verify_ledger() == []


async def test_the_same_idempotency_key_returns_the_first_coupon(program):
    ann = await new_member()
    await grant(ann, 1200)
    first = await redeem_reward(program, ann, "five-off", "k-1")
    again = await redeem_reward(program, ann, "five-off", "k-1")
    assert again.id == first.id
    assert await points(ann) == 700
    assert await IssuedReward.all().count() == 1


async def test_the_same_key_for_another_reward_is_an_idempotency_conflict(program):
    ann = await new_member()
    await grant(ann, 1200)
    await redeem_reward(program, ann, "five-off", "k-1")
    await refused(program, ann, "free-shipping", "k-1", ErrorCode.IDEMPOTENCY_CONFLICT)


async def test_insufficient_points_changes_nothing(program):
    ann = await new_member()
    await grant(ann, 499)
    await refused(program, ann, "five-off", "k-1", ErrorCode.INSUFFICIENT_POINTS)
    assert await points(ann) == 499


async def test_insufficient_points_says_what_the_reward_costs_and_what_the_member_has(program):
    ann = await new_member()
    await grant(ann, 499)
    with pytest.raises(LoyaltyError) as caught:
        await redeem_reward(program, ann, "five-off", "k-1")
    assert (caught.value.code, caught.value.field, caught.value.message) == (
        ErrorCode.INSUFFICIENT_POINTS, "reward_id", "This reward costs 500 points; you have 499 to spend.")


async def test_out_of_stock_changes_nothing(program):
    ann = await new_member()
    await grant(ann, 30000)
    await RewardStock.create(reward_code="trail-backpack", issued=200)
    await refused(program, ann, "trail-backpack", "k-1", ErrorCode.OUT_OF_STOCK)
    assert (await RewardStock.get(reward_code="trail-backpack")).issued == 200


async def test_the_last_one_in_stock_can_be_redeemed_and_then_none(program):
    ann, bob = await new_member(), await new_member()
    await grant(ann, 25000)
    await grant(bob, 25000)
    await RewardStock.create(reward_code="trail-backpack", issued=199)
    await redeem_reward(program, ann, "trail-backpack", "k-1")
    await refused(program, bob, "trail-backpack", "k-1", ErrorCode.OUT_OF_STOCK)
    assert (await RewardStock.get(reward_code="trail-backpack")).issued == 200
    assert await points(bob) == 25000


async def test_a_limit_reached_changes_nothing_and_the_next_period_allows_again(program):
    ann = await new_member()
    await grant(ann, 30000)
    await redeem_reward(program, ann, "twenty-percent-off", "k-1")  # 1 per month
    await refused(program, ann, "twenty-percent-off", "k-2", ErrorCode.LIMIT_REACHED)
    assert await points(ann) == 20000
    with clock.frozen_at(datetime(2026, 3, 31, 23, 30, tzinfo=timezone.utc)):  # 1 April in Amsterdam
        await redeem_reward(program, ann, "twenty-percent-off", "k-3")
    assert await points(ann) == 10000


async def test_tier_required_changes_nothing_and_the_tier_opens_it(program, monkeypatch):
    ann = await new_member()
    await grant(ann, 40000)
    await refused(program, ann, "chefs-table", "k-1", ErrorCode.TIER_REQUIRED)
    hold_tier(monkeypatch, ann, "silver")
    await refused(program, ann, "chefs-table", "k-2", ErrorCode.TIER_REQUIRED)
    hold_tier(monkeypatch, ann, "gold")
    issued = await redeem_reward(program, ann, "chefs-table", "k-3")
    assert (issued.reward_code, await points(ann)) == ("chefs-table", 0)


async def test_an_unknown_reward_is_not_found_and_changes_nothing(program):
    ann = await new_member()
    await grant(ann, 1000)
    await refused(program, ann, "no-such-reward", "k-1", ErrorCode.NOT_FOUND)


async def test_an_empty_idempotency_key_is_required(program):
    ann = await new_member()
    await grant(ann, 1000)
    await refused(program, ann, "five-off", "  ", ErrorCode.REQUIRED)


WAITING_FOR_A_LOCK = (
    "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


@requires_postgres
async def test_the_tier_is_checked_under_the_members_lock(program, monkeypatch):
    """An operator lowers Ann's tier while her redemption of a gold reward waits for her lock:
    the redemption reads the tier after the lock, so it is refused and changes nothing."""
    ann = await new_member()
    await grant(ann, 40000)
    await set_tier(program, ann, "gold", until=date(2027, 3, 1))
    holding, release = asyncio.Event(), asyncio.Event()
    original = tier_state.state_for_update

    async def state_for_update_then_wait(*args):
        holding.set()  # set_tier holds Ann's lock here
        await release.wait()
        return await original(*args)

    monkeypatch.setattr(tier_state, "state_for_update", state_for_update_then_wait)
    lowering = asyncio.create_task(set_tier(program, ann, "silver", until=date(2027, 3, 1)))
    await asyncio.wait_for(holding.wait(), 5)
    redeeming = asyncio.create_task(redeem_reward(program, ann, "chefs-table", "k-1"))
    for _ in range(500):  # until the redemption waits for the lock, in this database
        if (await sql.fetch_one(WAITING_FOR_A_LOCK))["n"]:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the redemption never waited for the member's lock")
    release.set()
    await lowering

    with pytest.raises(LoyaltyError) as caught:
        await redeeming
    assert caught.value.code is ErrorCode.TIER_REQUIRED
    assert (await points(ann), await IssuedReward.filter(member_id=ann).count()) == (40000, 0)
