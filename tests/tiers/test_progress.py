"""Moving up as soon as a threshold is crossed, requalifying, a refund taking a tier back,
and the three metrics counted exactly."""
from __future__ import annotations

from decimal import Decimal

from loyalty import clock
from loyalty.actions.service import record_action
from loyalty.outbox import OutboxEvent
from loyalty.program.spec import ActionKind
from loyalty.tiers import current
from loyalty.tiers.review import review_tiers
from loyalty.tiers.status import tier_status
from tests.support.tiers import tier_program
from tests.tiers.scenario import at, joined, local, tier_at


async def test_crossing_a_threshold_moves_up_at_once_and_says_so_in_one_event(clean_db):
    ann = await joined(tier_program())
    await at(ann, "2026-02-01 12:00", "buy", "O-1", "499.99", "northwind")
    assert (await tier_at(ann, "2026-02-01 12:00")).level == "bronze"
    await at(ann, "2026-02-01 13:00", "buy", "O-2", "0.01", "harbor")
    with clock.frozen_at(local(ann.program, "2026-02-01 13:00")):
        assert (await current.level_for(ann.program, ann.id, clock.now())).code == "silver"
    events = await OutboxEvent.filter(topic__startswith="tier.").values("topic", "member_id", "payload")
    assert events == [{"topic": "tier.upgraded", "member_id": ann.id, "payload": {
        "tier": "silver", "tier_name": "Silver", "previous": "bronze", "previous_name": "Bronze",
        "valid_until": "2027-12-31T23:00:00+00:00"}}]


async def test_reaching_the_tier_again_the_next_year_keeps_it_through_the_year_after(clean_db):
    ann = await joined(tier_program())
    await at(ann, "2026-02-01 12:00", "buy", "O-1", "1500.00", "northwind")
    await at(ann, "2027-02-01 12:00", "buy", "O-2", "1499.99", "harbor")
    status = await tier_at(ann, "2027-02-01 12:00")
    assert (status.level, status.to_keep, status.valid_until) == ("gold", "0.01", "2028-01-01")
    await at(ann, "2027-06-01 12:00", "buy", "O-3", "0.01", "harbor")
    status = await tier_at(ann, "2027-06-01 12:00")
    assert (status.level, status.qualifying, status.to_keep, status.valid_until) == (
        "gold", "1500.00", "0.00", "2029-01-01")
    # A refund in 2027 that undoes the requalification gives back the earlier end date.
    await at(ann, "2027-06-02 12:00", "refund", "O-3", "R-1", "0.01")
    status = await tier_at(ann, "2027-06-02 12:00")
    assert (status.level, status.to_keep, status.valid_until) == ("gold", "0.01", "2028-01-01")


async def test_a_refund_of_last_years_purchase_counts_against_last_year_not_this_one(clean_db):
    ann = await joined(tier_program())
    await at(ann, "2026-12-20 12:00", "buy", "O-1", "600.00", "northwind")
    await at(ann, "2027-01-05 12:00", "buy", "O-2", "100.00", "northwind")
    await at(ann, "2027-01-06 12:00", "refund", "O-1", "R-1", "600.00")
    status = await tier_at(ann, "2027-01-06 12:00")
    assert (status.level, status.qualifying, status.valid_until) == ("silver", "100.00", "2028-01-01")


async def test_a_refund_returns_the_member_to_the_level_held_before_this_periods_upgrades(clean_db):
    ann = await joined(tier_program())
    await at(ann, "2026-02-01 12:00", "buy", "O-1", "600.00", "northwind")  # silver until 2028
    await at(ann, "2027-02-01 12:00", "buy", "O-2", "1500.00", "northwind")  # gold until 2029
    await at(ann, "2027-02-02 12:00", "refund", "O-2", "R-1", "1500.00")
    status = await tier_at(ann, "2027-02-02 12:00")
    assert (status.level, status.qualifying, status.to_keep, status.valid_until) == (
        "silver", "0.00", "500.00", "2028-01-01")
    topics = await OutboxEvent.filter(topic__startswith="tier.").order_by("created_at").values_list("topic", "payload")
    assert [(t, p["tier"]) for t, p in topics] == [
        ("tier.upgraded", "silver"), ("tier.upgraded", "gold"), ("tier.downgraded", "silver")]


async def test_points_earned_counts_purchases_and_actions_less_what_refunds_took_back(clean_db):
    program = tier_program(metric="POINTS_EARNED")
    ann = await joined(program)
    await at(ann, "2026-02-01 12:00", "buy", "O-1", "480.50", "northwind")  # 480 points
    with clock.frozen_at(local(program, "2026-02-02 12:00")):
        await record_action(program, ann.id, ActionKind.SOCIAL_SHARE, "share-1")  # 10 points
    status = await tier_at(ann, "2026-02-02 12:00")
    assert (status.level, status.qualifying, status.to_next) == ("bronze", "490", "10")
    await at(ann, "2026-02-03 12:00", "buy", "O-2", "10.00", "harbor")
    assert (await tier_at(ann, "2026-02-03 12:00")).level == "silver"
    await at(ann, "2026-02-04 12:00", "refund", "O-1", "R-1", "100.00")  # takes back 99 points
    status = await tier_at(ann, "2026-02-04 12:00")
    assert (status.level, status.qualifying, status.to_next, status.valid_until) == ("bronze", "401", "99", None)


async def test_visits_count_purchases_and_one_refunded_in_full_does_not_count(clean_db):
    program = tier_program(metric="VISITS")
    ann = await joined(program)
    for n in range(3):
        await at(ann, f"2026-02-0{n + 1} 12:00", "buy", f"O-{n}", "1.00", "harbor")
    await at(ann, "2026-02-05 12:00", "refund", "O-0", "R-0", "0.50")
    await at(ann, "2026-02-05 13:00", "refund", "O-1", "R-1", "1.00")
    status = await tier_at(ann, "2026-02-05 13:00")
    assert (status.level, status.qualifying, status.to_next, status.to_keep) == ("bronze", "2", "498", "0")


async def test_the_status_of_a_member_without_activity_is_the_entry_level(clean_db):
    ann = await joined(tier_program("anniversary_year"), "2026-07-31 23:30")
    with clock.frozen_at(local(ann.program, "2026-08-02 12:00")):
        status = await tier_status(ann.program, ann.id, clock.now())
    assert (status.level.code, status.next_level.code, status.qualifying_amount, status.remaining_to_next,
            status.remaining_to_keep, status.valid_until) == (
        "bronze", "silver", Decimal("0.00"), Decimal("500.00"), Decimal("0.00"), None)
    assert (status.period.start.isoformat(), status.period.end.isoformat()) == (
        "2026-07-30T22:00:00+00:00", "2027-07-30T22:00:00+00:00")



async def test_under_rolling_12_months_a_purchase_after_old_ones_left_the_window_takes_nothing_back(clean_db):
    ann = await joined(tier_program("rolling_12_months"))
    await at(ann, "2026-03-01 12:00", "buy", "O-1", "500.00", "northwind")
    assert (await tier_at(ann, "2026-03-01 12:00")).valid_until == "2027-03-02"
    # On Silver's last day O-1 has left the last 12 months: 10 is under 500, and Silver stays.
    await at(ann, "2027-03-01 12:00", "buy", "O-2", "10.00", "harbor")
    status = await tier_at(ann, "2027-03-01 12:00")
    assert (status.level, status.qualifying, status.valid_until) == ("silver", "10.00", "2027-03-02")
    assert await OutboxEvent.filter(topic="tier.downgraded").count() == 0
    # The review at its end judges the 12 months before it.
    with clock.frozen_at(local(ann.program, "2027-03-02 02:00")):
        assert await review_tiers(clock.now(), ann.program) == 1
    status = await tier_at(ann, "2027-03-02 02:00")
    assert (status.level, status.qualifying, status.valid_until) == ("bronze", "10.00", None)
    assert await OutboxEvent.filter(topic="tier.downgraded").count() == 1
