"""birthday-rewards and yearly-rewards: who gets what and when, and that a second run on
the same day changes nothing. Also the daily order of every job."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from loyalty import clock
from loyalty.bonuses.models import RewardGrant
from loyalty.bonuses.rewards import birthday_rewards, birthday_window, yearly_rewards
from loyalty.jobs import JOBS
from loyalty.ledger.models import Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.program.spec import parse_program
from loyalty.wallet import get_wallet
from tests.support.members import new_member
from tests.support.program import demo_text, use_program
from tests.support.cli import run_cli
from tests.support.tiers import hold_tier

UTC = timezone.utc
MONDAY = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)  # Monday 15 June 2026, 06:00 in Amsterdam
DAILY_ORDER = (
    "activate-pending", "tier-review", "expire-points", "birthday-rewards", "yearly-rewards",
    "complete-referrals", "expire-rewards", "expiry-warnings", "renew-memberships", "plan-dividends",
    "expire-passes", "score-segments", "verify-ledger",
)


def test_jobs_run_in_the_documented_daily_order():
    assert list(JOBS) == list(DAILY_ORDER)


async def state() -> tuple:
    wallets = [(w.points, w.credit_minor) for w in
               [await get_wallet(m, MONDAY) for m in sorted(set(await RewardGrant.all().values_list("member_id", flat=True)))]]
    return (wallets, await Transfer.all().count(), await OutboxEvent.all().count(), await RewardGrant.all().count())


async def members_with_birthdays(monkeypatch, *specs: tuple[str, str, date | None]) -> dict[str, int]:
    ids = {}
    with clock.frozen_at(MONDAY - timedelta(days=400)):
        for name, tier, birthday in specs:
            ids[name] = await new_member(f"{name}@example.com", birthday=birthday)
            hold_tier(monkeypatch, ids[name], tier)
    return ids


def test_the_birthday_window_is_the_day_or_its_monday_to_sunday_week():
    week = parse_program(demo_text())
    day = parse_program(demo_text(birthday_reward_window='"day"'))
    assert birthday_window(week, date(2026, 6, 17)) == [date(2026, 6, 15) + timedelta(days=i) for i in range(7)]
    assert birthday_window(day, date(2026, 6, 17)) == [date(2026, 6, 17)]


async def test_birthday_rewards_go_to_members_whose_birthday_week_it_is_by_tier_once(runtime, monkeypatch):
    program = runtime.program.program
    ids = await members_with_birthdays(
        monkeypatch,
        ("gold", "gold", date(1990, 6, 17)), ("silver", "silver", date(1985, 6, 21)),
        ("bronze", "bronze", date(1990, 6, 16)), ("next_week", "gold", date(1990, 6, 22)),
        ("none", "gold", None),
    )
    assert await birthday_rewards(MONDAY, program) == 2
    once = await state()
    assert await birthday_rewards(MONDAY, program) == 0
    assert await birthday_rewards(MONDAY + timedelta(days=3), program) == 0
    assert await state() == once
    wallets = {name: await get_wallet(i, MONDAY) for name, i in ids.items()}
    assert {n: (w.points, w.credit_minor) for n, w in wallets.items()} == {
        "gold": (250, 1000), "silver": (100, 0), "bronze": (0, 0), "next_week": (0, 0), "none": (0, 0)}
    events = await OutboxEvent.filter(topic="birthday.rewarded").order_by("member_id")
    assert [(e.member_id, e.payload) for e in events] == [
        (ids["gold"], {"points": 250, "credit_minor": 1000, "currency": "EUR"}),
        (ids["silver"], {"points": 100, "credit_minor": 0, "currency": "EUR"}),
    ]
    codes = await Transfer.filter(member_id=ids["gold"]).order_by("id").values_list("code", "asset", "status")
    assert codes == [("BIRTHDAY_REWARD", "POINTS", "posted"), ("BIRTHDAY_REWARD", "CREDIT", "posted")]
    # The next week's member gets theirs next Monday; a year on (14 to 20 June 2027) Gold again.
    assert await birthday_rewards(MONDAY + timedelta(days=7), program) == 1
    assert await birthday_rewards(MONDAY + timedelta(days=364), program) == 1
    assert await RewardGrant.filter(member_id=ids["gold"]).order_by("year").values_list("year", flat=True) == [
        2026, 2027]
    assert await verify_ledger() == []


async def test_on_the_day_window_a_29_february_birthday_is_celebrated_on_28_february(runtime, monkeypatch):
    program = await use_program(runtime, demo_text(birthday_reward_window='"day"'))
    ids = await members_with_birthdays(monkeypatch, ("leap", "silver", date(2000, 2, 29)),
                                       ("first", "silver", date(2000, 3, 1)))
    feb_28 = datetime(2027, 2, 28, 9, 0, tzinfo=UTC)
    assert await birthday_rewards(feb_28 - timedelta(days=1), program) == 0
    assert await birthday_rewards(feb_28, program) == 1
    assert await birthday_rewards(feb_28 + timedelta(days=1), program) == 1
    assert await RewardGrant.filter(member_id=ids["leap"]).values_list("year", flat=True) == [2027]


async def test_a_birthday_in_the_week_across_new_year_counts_for_the_new_year(runtime, monkeypatch):
    program = runtime.program.program
    ids = await members_with_birthdays(monkeypatch, ("ann", "silver", date(1990, 1, 2)))
    assert await birthday_rewards(datetime(2026, 12, 28, 9, 0, tzinfo=UTC), program) == 1
    assert await RewardGrant.filter(member_id=ids["ann"]).values_list("year", flat=True) == [2027]
    assert await birthday_rewards(datetime(2027, 1, 2, 9, 0, tzinfo=UTC), program) == 0


async def test_the_yearly_reward_goes_to_gold_members_once_a_year(runtime, monkeypatch):
    program = runtime.program.program
    ids = await members_with_birthdays(monkeypatch, ("gold", "gold", None), ("silver", "silver", None))
    assert await yearly_rewards(MONDAY, program) == 1
    once = await state()
    assert await yearly_rewards(MONDAY, program) == 0
    assert await yearly_rewards(MONDAY + timedelta(days=100), program) == 0
    assert await state() == once
    assert (await get_wallet(ids["gold"], MONDAY)).credit_minor == 2500
    event = await OutboxEvent.get(topic="tier.yearly_reward")
    assert event.payload == {"tier": "gold", "tier_name": "Gold", "points": 0, "credit_minor": 2500, "currency": "EUR"}
    # Silver reaches Gold in the summer: their reward comes with the next run.
    hold_tier(monkeypatch, ids["silver"], "gold")
    assert await yearly_rewards(MONDAY + timedelta(days=1), program) == 1
    # New year (in Amsterdam): again.
    assert await yearly_rewards(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), program) == 2
    assert await verify_ledger() == []


@pytest.mark.parametrize("name", ["birthday-rewards", "yearly-rewards", "expiry-warnings"])
async def test_run_job_runs_the_new_jobs_by_name(runtime, settings, name):
    done = await run_cli(settings, "run-job", name, "--now", "2026-06-15T04:00:00+00:00")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{name}: 0 at 2026-06-15T04:00:00+00:00\n"
