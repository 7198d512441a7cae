"""Segments as the condition of a promotion and of a reward, and as a members query."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from loyalty import clock
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.members.models import Member
from loyalty.program.spec import ProgramFileError, parse_program
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.rewards.catalog import UnavailableReason, can_redeem, unavailable_reason
from loyalty.rewards.models import IssuedReward
from loyalty.rewards.redeem import redeem_reward
from loyalty.segments.lookup import members_in, members_in_sql
from loyalty.segments.scoring import score_members
from loyalty import sql
from loyalty.wallet import get_wallet
from tests.rewards import grant
from tests.segments.scene import NOW, five_members
from tests.support.program import demo_at_base_rate, use_program


async def _scored(runtime, text: str | None = None):
    program = await use_program(runtime, text) if text else runtime.program.program
    members = await five_members(program)
    await score_members(NOW, program)
    return program, members


async def test_a_promotion_for_segments_gives_its_points_only_to_their_members(runtime):
    # The demo's "we-miss-you": 200 extra points for members at risk or lapsed.
    program, m = await _scored(runtime)
    with clock.frozen_at(NOW):
        bought = {who: await record_purchase(program, PurchaseRequest(getattr(m, who), f"N-{who}", Decimal("10.00"),
                                                                       "EUR"))
                  for who in ("ann", "bob", "cat", "dan")}
    assert {who: p.points_awarded for who, p in bought.items()} == {"ann": 10, "bob": 210, "cat": 210, "dan": 10}


def _free_shipping_for_champions() -> str:
    text = demo_at_base_rate()
    return re.sub(r'(code = "free-shipping"\n(?:.*\n)*?cost_points = 300\n)', r'\1segments = ["champions"]\n', text)


async def test_a_reward_for_a_segment_is_redeemed_by_its_members_and_refused_to_others(runtime):
    program, m = await _scored(runtime, _free_shipping_for_champions())
    assert program.reward("free-shipping").segments == ("champions",)
    with clock.frozen_at(NOW):
        for member in (m.ann, m.bob):
            await grant(member, 1000)
        assert await can_redeem(program, program.reward("free-shipping"), m.ann, NOW) is True
        assert await can_redeem(program, program.reward("free-shipping"), m.bob, NOW) is False
        assert await unavailable_reason(program, program.reward("free-shipping"), m.bob, NOW) is (
            UnavailableReason.NOT_OFFERED)
        issued = await redeem_reward(program, m.ann, "free-shipping", "k-ann")
        before = (await get_wallet(m.bob, NOW), await IssuedReward.filter(member_id=m.bob).count())
        with pytest.raises(LoyaltyError) as refused:
            await redeem_reward(program, m.bob, "free-shipping", "k-bob")
        after = (await get_wallet(m.bob, NOW), await IssuedReward.filter(member_id=m.bob).count())
    assert (refused.value.code, refused.value.field) == (ErrorCode.NOT_AVAILABLE, "reward_id")
    assert after == before
    # 1000 granted less 300: the points of her purchases are still pending.
    assert (issued.reward_code, (await get_wallet(m.ann, NOW)).points) == ("free-shipping", 700)


async def test_the_members_of_a_segment_are_a_query_condition(runtime):
    program, m = await _scored(runtime)
    assert await Member.filter(members_in(program, "champions")).values_list("id", flat=True) == [m.ann]
    condition, params = members_in_sql(program, "lapsed")
    rows = await sql.fetch(f"SELECT m.id FROM members m WHERE {condition} ORDER BY m.id", *params)
    assert [r["id"] for r in rows] == [m.cat]
    with pytest.raises(LoyaltyError) as unknown:
        members_in(program, "vip")
    assert (unknown.value.code, unknown.value.field) == (ErrorCode.NOT_FOUND, "segment")


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace('segments = ["at_risk", "lapsed"]', 'segments = ["at_risk", "vip"]'),
     'bonuses.promotions[2].segments[1]: no segments rule has code "vip"'),
    (lambda t: t.replace('recency_days = [30, 90, 180, 365]', 'recency_days = [30, 90, 90, 365]'),
     "segments.recency_days[2]: must be greater than recency_days[1] (90)"),
    (lambda t: t.replace('monetary = ["100.00", "300.00", "750.00", "1500.00"]', 'monetary = ["100.001", "300", "750", "1500"]'),
     "segments.monetary[0]: EUR amounts have at most 2 decimals, not 100.001"),
    (lambda t: t.replace('recency_max = 1                # nothing bought in a year', 'recency_max = 0'),
     "segments.rules[3].recency_max: must not be below recency_min (1)"),
    (lambda t: t.replace('frequency = [2, 4, 8, 12]', 'frequency = [2, 4, 8]'),
     "segments.frequency: needs 4 values, one for each score from 2 to 5, not 3"),
])
def test_a_program_file_with_a_wrong_segment_is_refused_at_the_key(change, message):
    with pytest.raises(ProgramFileError) as refused:
        parse_program(change(demo_at_base_rate()), "demo.toml")
    assert [f"{p.path}: {p.message}" for p in refused.value.problems] == [message]
