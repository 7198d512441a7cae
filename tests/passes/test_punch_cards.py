"""Punch cards: a visit stamps the member's open card (made on the first visit), the tenth
stamp issues the reward as a coupon and starts a new card; stamps older than
stamp_valid_days stop counting."""
from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.passes.models import Pass
from loyalty.rewards.models import IssuedReward
from loyalty.visits.models import Visit
from tests.passes.helpers import T0, visit
from tests.support.program import demo_without_new_member_bonus, use_program

CAFE = "harbor-kitchen"


async def test_ten_stamps_give_one_coupon_and_an_eleventh_starts_a_new_card(program, ann):
    for n in range(9):
        result = await visit(program, ann, f"V-{n}", T0 + timedelta(days=n), location=CAFE)
        assert (result.pass_row.visits_used, result.issued_reward) == (n + 1, None)
    tenth = await visit(program, ann, "V-9", T0 + timedelta(days=9), location=CAFE)
    assert (tenth.pass_row.status, tenth.pass_row.visits_used, tenth.pass_row.visits_total) == ("USED_UP", 10, 10)
    assert (tenth.issued_reward.reward_code, tenth.issued_reward.points, tenth.issued_reward.source) == (
        "free-coffee", 0, "GIFT")
    eleventh = await visit(program, ann, "V-10", T0 + timedelta(days=10), location=CAFE)
    assert eleventh.pass_row.id != tenth.pass_row.id
    assert (eleventh.pass_row.status, eleventh.pass_row.visits_used, eleventh.issued_reward) == ("ACTIVE", 1, None)
    cards = await Pass.filter(member_id=ann).order_by("id").values_list("status", "visits_used")
    assert cards == [("USED_UP", 10), ("ACTIVE", 1)]
    assert await IssuedReward.filter(member_id=ann).count() == 1
    assert await Visit.filter(member_id=ann).count() == 11
    topics = await OutboxEvent.filter(member_id=ann, topic__startswith="pass.").values_list("topic", flat=True)
    assert sorted(topics) == sorted(["pass.stamped"] * 10 + ["pass.card_completed"])
    stamped = await OutboxEvent.filter(member_id=ann, topic="pass.stamped").order_by("created_at").first()
    assert (stamped.payload["stamps"], stamped.payload["remaining"], stamped.payload["reward_name"]) == (
        1, 9, "Free coffee")
    assert await verify_ledger() == []


async def test_a_visit_at_a_location_no_pass_admits_is_no_valid_pass_and_changes_nothing(program, ann):
    with pytest.raises(LoyaltyError) as refused:
        await visit(program, ann, "V-1", T0, location="climbing-hall")
    assert refused.value.code is ErrorCode.NO_VALID_PASS
    assert (await Pass.filter(member_id=ann).count(), await Visit.all().count()) == (0, 0)


async def test_stamps_older_than_stamp_valid_days_no_longer_count(runtime, ann):
    text = demo_without_new_member_bonus().replace(
        'locations = ["harbor-kitchen"]', 'locations = ["harbor-kitchen"]\nstamp_valid_days = 30')
    program = await use_program(runtime, text)
    for n in range(3):
        await visit(program, ann, f"old-{n}", T0 + timedelta(days=n), location=CAFE)
    later = await visit(program, ann, "new-1", T0 + timedelta(days=40), location=CAFE)
    assert later.pass_row.visits_used == 1  # the three old stamps are past 30 days
    again = await visit(program, ann, "new-2", T0 + timedelta(days=41), location=CAFE)
    assert again.pass_row.visits_used == 2
