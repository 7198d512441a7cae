"""recordVisit: once per reference, a conflict for another member or pass, points of the
VISIT earning rule within its limit, and every refusal changes nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from loyalty import clock
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.verify import verify_ledger
from loyalty.passes.models import Pass
from loyalty.purchases import service
from loyalty.tiers.status import tier_status
from loyalty.visits import record
from loyalty.visits.models import Visit
from loyalty.wallet import get_wallet
from tests.passes.helpers import bought, visit
from tests.support.members import new_member
from tests.support.program import demo_without_new_member_bonus, use_program

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
HALL, CAFE = "climbing-hall", "harbor-kitchen"


@pytest.fixture
async def program(runtime):
    return await use_program(runtime, demo_without_new_member_bonus())


@pytest.fixture
async def members(program) -> tuple[int, int]:
    with clock.frozen_at(T0 - timedelta(days=1)):
        return await new_member(), await new_member("bob@example.com")


async def state() -> tuple:
    passes = await Pass.all().order_by("id").values_list("id", "status", "visits_used")
    return passes, await Visit.all().count()


async def test_the_same_reference_counts_one_visit_and_another_member_with_it_is_a_conflict(program, members):
    ann, bob = members
    first = await visit(program, ann, "booking-1", T0, location=CAFE)
    again = await visit(program, ann, "booking-1", T0 + timedelta(minutes=1), location=CAFE)
    assert (again.visit.id, again.pass_row.id, again.pass_row.visits_used) == (first.visit.id, first.pass_row.id, 1)
    before = await state()
    for member, location in ((bob, CAFE), (ann, HALL)):
        with pytest.raises(LoyaltyError) as refused:
            await visit(program, member, "booking-1", T0, location=location)
        assert refused.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert await state() == before == ([(first.pass_row.id, "ACTIVE", 1)], 1)


async def test_every_refusal_changes_nothing(program, members):
    ann, bob = members
    pack = await bought(program, ann, "climbing-5", T0)
    expired = await bought(program, bob, "climbing-5", T0 - timedelta(days=400), payment_id="pay-old")
    before, wallet = await state(), await get_wallet(ann, T0)
    cases = [
        (999_999, "v-1", T0, HALL, None, ErrorCode.NOT_FOUND),  # an unknown member
        (bob, "v-2", T0, HALL, pack.id, ErrorCode.NOT_FOUND),  # Ann's pass
        (bob, "v-3", T0, HALL, expired.id, ErrorCode.PASS_NOT_VALID),
        (bob, "v-4", T0, HALL, None, ErrorCode.NO_VALID_PASS),
        (ann, "v-5", T0, CAFE, pack.id, ErrorCode.PASS_NOT_VALID),  # not valid at the cafe
        (ann, "  ", T0, HALL, None, ErrorCode.REQUIRED),
    ]
    for member, reference, at, location, pass_id, code in cases:
        with pytest.raises(LoyaltyError) as refused:
            await visit(program, member, reference, at, location=location, pass_id=pass_id)
        assert refused.value.code is code, reference
    with pytest.raises(LoyaltyError) as future:
        with clock.frozen_at(T0):
            await record.record_visit(program, record.VisitRequest(ann, "v-6", HALL, None, T0 + timedelta(hours=1)))
    assert future.value.field == "occurred_at"
    assert await state() == before
    assert await get_wallet(ann, T0) == wallet
    assert await verify_ledger() == []


async def test_the_visit_earning_rule_gives_its_points_once_a_day(program, members):
    ann, _ = members
    await bought(program, ann, "climbing-6-months", T0)
    for n, hours in enumerate((0, 2, 26)):
        await visit(program, ann, f"v-{n}", T0 + timedelta(hours=hours), location=HALL)
    assert await Visit.filter(member_id=ann).order_by("id").values_list("points_awarded", flat=True) == [10, 0, 10]
    wallet = await get_wallet(ann, T0 + timedelta(days=2))
    assert wallet.points + wallet.pending_points == 20


def visits_program(include_purchases: bool) -> str:
    text = demo_without_new_member_bonus().replace('metric = "SPEND"', 'metric = "VISITS"', 1)
    for old, new in (('threshold = "500"', 'threshold = "3"'), ('threshold = "1500"', 'threshold = "10"')):
        text = text.replace(old, new, 1)
    if include_purchases:
        text = text.replace('metric = "VISITS"', 'metric = "VISITS"\nvisits_include_purchases = true', 1)
    return text


@pytest.mark.parametrize(("include_purchases", "qualifying", "level"), [(False, 3, "silver"), (True, 5, "silver")])
async def test_tiers_by_visits_count_visits_and_purchases_only_where_the_program_says(
        runtime, include_purchases, qualifying, level):
    program = await use_program(runtime, visits_program(include_purchases))
    with clock.frozen_at(T0 - timedelta(days=1)):
        ann = await new_member()
    for n in range(2):
        with clock.frozen_at(T0):
            await service.record_purchase(program, service.PurchaseRequest(ann, f"O-{n}", Decimal("10.00"), "EUR"))
    for n in range(3):
        await visit(program, ann, f"v-{n}", T0 + timedelta(days=n), location=CAFE)
    status = await tier_status(program, ann, T0 + timedelta(days=3))
    assert (status.qualifying_amount, status.level.code) == (Decimal(qualifying), level)
