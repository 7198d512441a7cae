"""The tier-review job: downgrades by the program's rule at the end of a period, lapsed
overrides, at-risk warnings once per period, and a second run that changes nothing."""
from __future__ import annotations

from datetime import date

from loyalty import clock
from loyalty.errors import LoyaltyError
from loyalty.jobs import JOBS
from loyalty.outbox import OutboxEvent
from loyalty.program.store import apply_program
from loyalty.tiers.models import TierState
from loyalty.tiers.review import review_tiers
from tests.support.tiers import set_tier, tier_program, tier_program_text
from tests.tiers.scenario import at, joined, local, read_tier, tier_at


async def review(program, when: str) -> int:
    with clock.frozen_at(local(program, when)):
        return await review_tiers(clock.now(), program)


async def tier_events() -> list[tuple[str, str]]:
    rows = await OutboxEvent.filter(topic__startswith="tier.").order_by("created_at", "topic").values_list(
        "topic", "payload")
    return [(topic, payload["tier"]) for topic, payload in rows]


async def test_the_daily_order_runs_the_tier_review_right_after_pending_points():
    assert list(JOBS)[:3] == ["activate-pending", "tier-review", "expire-points"]


async def test_to_qualified_drops_to_the_level_the_period_reached(clean_db):
    program = tier_program(downgrade="to_qualified")
    ann, bob = await joined(program), await joined(program, email="bob@example.com")
    await at(ann, "2026-02-01 12:00", "buy", "A-1", "1500.00", "northwind")
    await at(bob, "2026-02-01 12:00", "buy", "B-1", "1500.00", "northwind")
    await at(ann, "2027-05-01 12:00", "buy", "A-2", "499.99", "northwind")
    await at(bob, "2027-05-01 12:00", "buy", "B-2", "500.00", "northwind")
    assert await review(program, "2027-12-31 23:59") == 2  # both warned: neither keeps Gold
    assert await review(program, "2028-01-01 00:00") == 2
    assert (await tier_at(ann, "2028-01-01 00:00")).level == "bronze"
    bob_status = await tier_at(bob, "2028-01-01 00:00")
    assert (bob_status.level, bob_status.valid_until, bob_status.to_keep) == ("silver", "2029-01-01", "500.00")


async def test_one_tier_steps_down_once_per_period_even_when_reviews_were_missed(clean_db):
    program = tier_program()
    ann = await joined(program)
    await at(ann, "2026-02-01 12:00", "buy", "O-1", "1500.00", "northwind")
    assert await review(program, "2029-01-05 02:00") == 1  # 2027 and 2028 both judged
    status = await tier_at(ann, "2029-01-05 02:00")
    assert (status.level, status.valid_until) == ("bronze", None)
    # One event for the member: from what they held to what they hold.
    assert await tier_events() == [("tier.upgraded", "gold"), ("tier.downgraded", "bronze")]


async def test_at_risk_is_sent_once_per_period_and_not_to_members_who_kept_their_tier(clean_db):
    program = tier_program()
    ann, bob = await joined(program), await joined(program, email="bob@example.com")
    await at(ann, "2026-02-01 12:00", "buy", "A-1", "600.00", "northwind")
    await at(bob, "2026-02-01 12:00", "buy", "B-1", "600.00", "northwind")
    await at(ann, "2027-03-01 12:00", "buy", "A-2", "120.00", "northwind")
    await at(bob, "2027-03-01 12:00", "buy", "B-2", "500.00", "northwind")  # silver kept through 2028
    assert await review(program, "2027-12-01 23:00") == 0  # 2028-01-01 is more than 30 days away
    assert await review(program, "2027-12-02 00:00") == 1
    assert await review(program, "2027-12-02 00:00") == 0
    assert await review(program, "2027-12-20 02:00") == 0
    rows = await OutboxEvent.filter(topic="tier.at_risk").values("member_id", "payload")
    assert rows == [{"member_id": ann.id, "payload": {
        "tier": "silver", "tier_name": "Silver", "remaining_to_keep": "380.00",
        "period_end": "2027-12-31T23:00:00+00:00", "metric": "SPEND"}}]


async def test_a_set_tier_lapses_on_its_date_back_to_the_level_earned(clean_db):
    program = tier_program()
    ann = await joined(program)
    await at(ann, "2026-02-01 12:00", "buy", "O-1", "600.00", "northwind")
    with clock.frozen_at(local(program, "2026-03-01 12:00")):
        await set_tier(program, ann.id, "bronze", until=date(2026, 4, 1))
    status = await tier_at(ann, "2026-03-31 23:59")
    assert (status.level, status.valid_until, status.to_next) == ("bronze", None, "0.00")
    # Gold earned under the set tier shows once it lapses.
    await at(ann, "2026-03-15 12:00", "buy", "O-2", "900.00", "northwind")
    assert (await tier_at(ann, "2026-03-31 23:59")).level == "bronze"
    assert (await tier_at(ann, "2026-04-01 00:00")).level == "gold"  # read before the job runs
    assert await review(program, "2026-04-01 02:00") == 1
    assert await review(program, "2026-04-01 02:00") == 0
    state = await TierState.get(member_id=ann.id)
    assert (state.override_level, state.override_until) == (None, None)
    assert await tier_events() == [
        ("tier.upgraded", "silver"), ("tier.downgraded", "bronze"), ("tier.upgraded", "gold")]


async def test_the_tier_review_job_reads_the_stored_program_and_a_second_run_changes_nothing(clean_db):
    text = tier_program_text()
    await apply_program(text, "tiers")
    program = tier_program()
    members = [await joined(program)] + [await joined(program, email="bob@example.com")]
    await at(members[0], "2026-02-01 12:00", "buy", "A-1", "1500.00", "northwind")
    await at(members[1], "2026-02-01 12:00", "buy", "B-1", "700.00", "northwind")
    await at(members[1], "2027-02-01 12:00", "buy", "B-2", "100.00", "northwind")
    with clock.frozen_at(local(program, "2027-12-15 02:00")):
        assert await JOBS["tier-review"](clock.now()) == 2
        once = (await TierState.all().order_by("member_id").values(), await OutboxEvent.all().count())
        assert await JOBS["tier-review"](clock.now()) == 0
        assert (await TierState.all().order_by("member_id").values(), await OutboxEvent.all().count()) == once
    with clock.frozen_at(local(program, "2028-01-01 02:00")):
        assert await JOBS["tier-review"](clock.now()) == 2
        once = (await TierState.all().order_by("member_id").values(), await OutboxEvent.all().count())
        assert await JOBS["tier-review"](clock.now()) == 0
        assert (await TierState.all().order_by("member_id").values(), await OutboxEvent.all().count()) == once
        assert [(await read_tier(program, m.id)).level for m in members] == ["silver", "bronze"]


async def test_set_tier_refuses_an_unknown_level_a_past_date_and_an_unknown_member(clean_db):
    program = tier_program()
    ann = await joined(program)
    cases = [(ann.id, "platinum", date(2026, 6, 1), "INVALID", "level"),
             (ann.id, "gold", date(2026, 1, 10), "INVALID", "until"),
             (ann.id + 1000, "gold", date(2026, 6, 1), "NOT_FOUND", "member_id")]
    with clock.frozen_at(local(program, "2026-01-10 12:00")):
        for member_id, code, until, error, field in cases:
            try:
                await set_tier(program, member_id, code, until=until)
            except LoyaltyError as exc:
                assert (exc.code.value, exc.field) == (error, field)
            else:
                raise AssertionError(f"set_tier({code}, {until}) was not refused")
    assert await TierState.all().count() == 0
    assert await tier_events() == []
