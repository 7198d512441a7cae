"""`loyalty set-tier` and `loyalty run-job tier-review`, run as real processes against the
test database with the demo program stored."""
from __future__ import annotations

from datetime import UTC, datetime

from loyalty.members import service as members
from loyalty.outbox import OutboxEvent
from loyalty.tiers.models import TierState
from tests.support.cli import run_cli
from tests.support.servers import run_command

LAPSES = datetime(2098, 12, 31, 23, tzinfo=UTC)  # 1 January 2099 in Amsterdam


async def new_member():
    data = members.validate_new_member(members.NewMember("ann@example.com", "x" * 12, "Ann"), "en")
    return await members.create_member(data, "hash")


async def override_of(member_id: int) -> tuple:
    state = await TierState.get_or_none(member_id=member_id)
    return None if state is None else (state.override_level, state.override_until)


async def test_set_tier_holds_the_level_until_the_date_and_the_review_lapses_it(runtime, settings):
    ann = await new_member()
    done = run_command(settings, "set-tier", ann.member_number, "gold", "--until", "2099-01-01")
    assert (done.returncode, done.stdout) == (
        0, f"member {ann.member_number} holds Gold until 2099-01-01, when it lapses\n")
    assert await override_of(ann.id) == ("gold", LAPSES)
    upgraded = await OutboxEvent.get(topic="tier.upgraded")
    assert (upgraded.member_id, upgraded.payload) == (ann.id, {
        "tier": "gold", "tier_name": "Gold", "previous": "bronze", "previous_name": "Bronze",
        "valid_until": LAPSES.isoformat()})

    done = await run_cli(settings, "run-job", "tier-review", "--now", "2098-12-31T23:59:59+01:00")
    assert (done.returncode, done.stdout) == (0, "tier-review: 0 at 2098-12-31T22:59:59+00:00\n")
    done = await run_cli(settings, "run-job", "tier-review", "--now", "2098-12-31T23:00:00+00:00")
    assert (done.returncode, done.stdout) == (0, "tier-review: 1 at 2098-12-31T23:00:00+00:00\n")
    assert await override_of(ann.id) == (None, None)
    downgraded = await OutboxEvent.get(topic="tier.downgraded")
    assert (downgraded.member_id, downgraded.payload["tier"], downgraded.created_at) == (ann.id, "bronze", LAPSES)
    done = await run_cli(settings, "run-job", "tier-review", "--now", "2098-12-31T23:00:00+00:00")
    assert (done.returncode, done.stdout) == (0, "tier-review: 0 at 2098-12-31T23:00:00+00:00\n")


async def test_set_tier_refuses_what_it_cannot_do_and_changes_nothing(runtime, settings):
    ann = await new_member()
    cases = [
        (("set-tier", ann.member_number, "platinum", "--until", "2099-01-01"), 1,
         "error: The program has no tier 'platinum' (it has bronze, silver, gold)."),
        (("set-tier", ann.member_number, "gold", "--until", "2020-01-01"), 1,
         "error: The date a set tier lapses must be after today."),
        (("set-tier", "999999999999", "gold", "--until", "2099-01-01"), 1,
         "error: no member with number 999999999999"),
        (("set-tier", ann.member_number, "gold", "--until", "01/01/2099"), 2,
         "error: --until takes a date, e.g. 2027-03-01"),
    ]
    for args, code, message in cases:
        done = await run_cli(settings, *args)
        assert (done.returncode, done.stdout, done.stderr.splitlines()[0]) == (code, "", message), args
        assert "Traceback" not in done.stderr
    assert await TierState.all().count() == 0
    assert await OutboxEvent.filter(topic__startswith="tier.").count() == 0
