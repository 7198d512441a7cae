"""Time passes: valid from the payment for months + bonus months, calendar months in the
program's time zone (Europe/Amsterdam in the demo), through the day before the same date."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from loyalty import clock
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.passes.models import Pass
from loyalty.visits.models import Visit
from tests.passes.helpers import bought, buy, pay, visit
from tests.support.members import new_member
from tests.support.program import demo_without_new_member_bonus, use_program

PAID = datetime(2026, 1, 15, 11, 0, tzinfo=timezone.utc)  # 12:00 in Amsterdam, winter time
HALL = "climbing-hall"


@pytest.fixture
async def ann(program) -> int:
    with clock.frozen_at(PAID - timedelta(days=1)):
        return await new_member()


async def test_a_time_pass_admits_its_last_day_and_refuses_the_next_across_summer_time(program, ann):
    half_year = await bought(program, ann, "climbing-6-months", PAID)
    # 6 + 1 months from 15 January: through 14 August, local time (summer time, UTC+2).
    assert half_year.valid_until == datetime(2026, 8, 14, 22, 0, tzinfo=timezone.utc)
    month_seven = await visit(program, ann, "month-7", datetime(2026, 8, 14, 21, 30, tzinfo=timezone.utc),
                              location=HALL)  # 23:30 on 14 August in Amsterdam
    assert (month_seven.pass_row.id, month_seven.pass_row.visits_used) == (half_year.id, 1)
    with pytest.raises(LoyaltyError) as refused:  # 00:30 on 15 August in Amsterdam
        await visit(program, ann, "month-8", datetime(2026, 8, 14, 22, 30, tzinfo=timezone.utc),
                    location=HALL, pass_id=half_year.id)
    assert refused.value.code is ErrorCode.PASS_NOT_VALID
    assert refused.value.message == "The pass is valid from 2026-01-15 through 2026-08-14; the visit is outside it."
    assert (await Pass.get(id=half_year.id)).visits_used == 1
    assert await Visit.filter(member_id=ann).count() == 1


async def test_a_time_pass_comes_before_a_visit_pack_and_the_pack_that_expires_first_before_another(program, ann):
    late_pack = await bought(program, ann, "climbing-5", PAID, payment_id="p-1")
    soon_pack = await buy(program, ann, "climbing-5", PAID, key="k-soon")
    # The second pack was paid earlier in the test's story: valid_until is what orders them.
    await pay(program, soon_pack.id, "p-2", PAID - timedelta(days=10))
    first = await visit(program, ann, "v-1", PAID + timedelta(days=1), location=HALL)
    assert first.pass_row.id == soon_pack.id
    time_pass = await bought(program, ann, "climbing-6-months", PAID + timedelta(days=2), payment_id="p-3")
    second = await visit(program, ann, "v-2", PAID + timedelta(days=3), location=HALL)
    assert second.pass_row.id == time_pass.id
    assert [p.visits_used for p in await Pass.filter(id__in=[late_pack.id, soon_pack.id]).order_by("id")] == [0, 1]


async def test_max_visits_per_day_refuses_the_next_visit_that_local_day(runtime, ann):
    text = demo_without_new_member_bonus().replace("months = 6\nbonus_months = 1",
                                                  "months = 6\nbonus_months = 1\nmax_visits_per_day = 1")
    program = await use_program(runtime, text)
    pass_row = await bought(program, ann, "climbing-6-months", PAID)
    await visit(program, ann, "d-1", PAID + timedelta(hours=1), location=HALL)
    with pytest.raises(LoyaltyError) as refused:
        await visit(program, ann, "d-2", PAID + timedelta(hours=2), location=HALL, pass_id=pass_row.id)
    assert (refused.value.code, refused.value.message) == (ErrorCode.PASS_NOT_VALID, "The pass admits 1 visit(s) a day.")
    next_day = await visit(program, ann, "d-3", PAID + timedelta(days=1), location=HALL)
    assert next_day.pass_row.visits_used == 2
