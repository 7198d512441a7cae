"""Coupons after they are issued: used once at checkout, expired by the job (points kept by
the program), canceled by an operator (points returned to their lots, stock put back)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty import clock
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.models import Lot, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.rewards import coupons
from loyalty.rewards.coupons import expire_rewards
from loyalty.rewards.models import IssuedReward, RewardStock
from loyalty.rewards.redeem import redeem_reward
from tests.rewards import T0, at_t0, grant, new_member, points, program  # noqa: F401 - fixtures
from tests.support.cli import run_cli
from tests.support.servers import run_command



pytestmark = pytest.mark.usefixtures("at_t0")


async def coupon(program, reward: str = "five-off", cost: int = 500) -> IssuedReward:
    ann = await new_member()
    await grant(ann, cost, expires_at=T0 + timedelta(days=100))
    return await redeem_reward(program, ann, reward, "k-1")


async def refused_use(code: str, order_id: str | None, expected: ErrorCode) -> None:
    before = sorted(await IssuedReward.all().values_list("id", "status", "order_id", "used_at"))
    with pytest.raises(LoyaltyError) as caught:
        await coupons.use(code, order_id)
    assert caught.value.code is expected
    assert sorted(await IssuedReward.all().values_list("id", "status", "order_id", "used_at")) == before


async def test_a_coupon_is_used_once_with_its_order(program):
    issued = await coupon(program)
    used = await coupons.use(issued.code, "O-1")
    assert (used.status, used.order_id, used.used_at) == ("USED", "O-1", T0)
    await refused_use(issued.code, "O-2", ErrorCode.NOT_AVAILABLE)
    await refused_use(issued.code, None, ErrorCode.NOT_AVAILABLE)


async def test_the_same_order_using_it_again_is_a_replay(program):
    issued = await coupon(program)
    await coupons.use(issued.code, "O-1")
    again = await coupons.use(issued.code, "O-1")
    assert (again.status, again.order_id) == ("USED", "O-1")
    assert await OutboxEvent.filter(topic="reward.used").count() == 1


async def test_a_code_typed_in_lower_case_with_spaces_is_found(program):
    issued = await coupon(program)
    typed = issued.code.lower().replace("-", " ")
    assert (await coupons.use(typed, "O-1")).id == issued.id


async def test_an_unknown_or_malformed_code_is_not_found(program):
    await coupon(program)
    await refused_use("2222-2222-2222", "O-1", ErrorCode.NOT_FOUND)
    await refused_use("O0O0-I1I1-LLLL", "O-1", ErrorCode.NOT_FOUND)
    await refused_use("", "O-1", ErrorCode.NOT_FOUND)


async def test_a_coupon_past_its_validity_is_not_available_even_before_the_job(program):
    issued = await coupon(program)
    with clock.frozen_at(T0 + timedelta(days=60)):
        await refused_use(issued.code, "O-1", ErrorCode.NOT_AVAILABLE)


async def test_expire_rewards_expires_coupons_past_validity_and_keeps_the_points(program):
    issued = await coupon(program)
    unlimited = await coupon(program, "trail-backpack", 25000)  # no valid_days: never expires
    assert await expire_rewards(T0 + timedelta(days=60) - timedelta(seconds=1)) == 0

    assert await expire_rewards(T0 + timedelta(days=60)) == 1
    assert await expire_rewards(T0 + timedelta(days=61)) == 0

    assert (await IssuedReward.get(id=issued.id)).status == "EXPIRED"
    assert (await IssuedReward.get(id=unlimited.id)).status == "ACTIVE"
    assert await points(issued.member_id) == 0
    event = await OutboxEvent.get(topic="reward.expired")
    assert (event.member_id, event.payload["code"], event.payload["issued_reward_id"]) == (
        issued.member_id, issued.code, issued.id)
    await refused_use(issued.code, "O-1", ErrorCode.NOT_AVAILABLE)


async def test_canceling_returns_the_points_to_their_lots_and_puts_the_stock_back(program):
    issued = await coupon(program, "trail-backpack", 25000)
    assert (await RewardStock.get(reward_code="trail-backpack")).issued == 1

    canceled = await coupons.cancel(issued.code)

    assert canceled.status == "CANCELED"
    assert await points(issued.member_id) == 25000
    back = await Transfer.get(code="REWARD_CANCELED")
    assert (back.amount, back.reverses_id, back.reference) == (25000, issued.spend_transfer_id, issued.code)
    lot = await Lot.get(account_id=back.credit_account_id)
    assert (lot.remaining, lot.expires_at) == (25000, T0 + timedelta(days=100))
    assert (await RewardStock.get(reward_code="trail-backpack")).issued == 0
    assert await verify_ledger() == []
    with pytest.raises(LoyaltyError) as caught:
        await coupons.cancel(issued.code)
    assert caught.value.code is ErrorCode.NOT_AVAILABLE
    assert await points(issued.member_id) == 25000


async def test_an_expired_coupon_can_be_canceled_and_a_used_one_cannot(program):
    expired = await coupon(program)
    await expire_rewards(T0 + timedelta(days=60))
    assert (await coupons.cancel(expired.code)).status == "CANCELED"
    assert await points(expired.member_id) == 500

    used = await coupon(program)
    await coupons.use(used.code, "O-1")
    with pytest.raises(LoyaltyError) as caught:
        await coupons.cancel(used.code)
    assert caught.value.code is ErrorCode.NOT_AVAILABLE
    assert await points(used.member_id) == 0


async def test_a_canceled_coupon_cannot_be_used(program):
    issued = await coupon(program)
    await coupons.cancel(issued.code)
    await refused_use(issued.code, "O-1", ErrorCode.NOT_AVAILABLE)


async def test_the_cancel_reward_command_returns_the_points(program, settings):
    issued = await coupon(program)
    done = run_command(settings, "cancel-reward", issued.code.lower())
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(f"reward {issued.code} (EUR 5 off) canceled; 500 points returned to the member\n")
    assert await points(issued.member_id) == 500

    again = await run_cli(settings, "cancel-reward", issued.code)
    assert again.returncode == 1
    assert "error: This reward was canceled already.\n" in again.stderr
    unknown = await run_cli(settings, "cancel-reward", "2222-2222-2222")
    assert unknown.returncode == 1
    assert "error: No reward has this code.\n" in unknown.stderr


async def test_the_shop_is_told_why_a_coupon_is_not_available(program):
    used, expired, canceled = await coupon(program), await coupon(program), await coupon(program)
    await coupons.use(used.code, "O-1")
    await coupons.cancel(canceled.code)
    await expire_rewards(T0 + timedelta(days=60))
    said = {}
    for name, issued in (("used", used), ("expired", expired), ("canceled", canceled)):
        with pytest.raises(LoyaltyError) as caught:
            await coupons.use(issued.code, "O-9")
        said[name] = (caught.value.code, caught.value.field, caught.value.message)
    assert said == {
        "used": (ErrorCode.NOT_AVAILABLE, "code", "This reward was used already, on order O-1."),
        "expired": (ErrorCode.NOT_AVAILABLE, "code", "This reward has expired."),
        "canceled": (ErrorCode.NOT_AVAILABLE, "code", "This reward was canceled."),
    }
    with pytest.raises(LoyaltyError) as caught:
        await coupons.cancel(used.code)
    assert caught.value.message == "This reward was used already, on order O-1. A used reward cannot be canceled."
