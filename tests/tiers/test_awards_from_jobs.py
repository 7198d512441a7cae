"""Points that jobs award (birthday and yearly rewards, a referral) are awards like any other:
they count as points earned towards a POINTS_EARNED tier, moving the member up the moment they
post, and the member's automatic donation takes its share of them.

The program is the demo's tiers by points earned (Silver from 500, Gold from 1500 points a
calendar year, all at 1 point per euro), Silver with 100 birthday points and, here, 100
yearly points too. Ann joins in 2026 and spends EUR 1450 on 1 June: 1450 points, Silver.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from loyalty import clock
from loyalty.bonuses.rewards import birthday_rewards, yearly_rewards
from loyalty.charity import choices
from loyalty.charity.models import Donation
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.program.store import apply_program
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.referrals.completion import complete_referrals
from loyalty.referrals.models import Referral, ReferralStatus
from loyalty.tiers.status import tier_status
from loyalty.wallet import get_wallet
from tests.support.members import new_member
from tests.support.tiers import tier_program_text

JUNE = datetime(2026, 6, 1, 10, tzinfo=UTC)
MONDAY = datetime(2026, 6, 15, 4, tzinfo=UTC)  # Monday 15 June 2026, 06:00 in Amsterdam


async def points_program():
    text = tier_program_text(metric="POINTS_EARNED")
    assert text.count("birthday_reward_points = 100") == 1
    text = text.replace("birthday_reward_points = 100", "yearly_reward_points = 100\nbirthday_reward_points = 100")
    current, _ = await apply_program(text, "points earned")
    return current.program


async def silver_with_1450_points(program, email: str = "ann@example.com", born: date | None = None) -> int:
    with clock.frozen_at(JUNE - timedelta(days=100)):
        ann = await new_member(email, birthday=born)
    with clock.frozen_at(JUNE):
        await record_purchase(program, PurchaseRequest(ann, f"O-{email}", Decimal("1450.00"), "EUR"))
        status = await tier_status(program, ann, JUNE)
    assert (status.level.code, status.qualifying_amount, status.remaining_to_next) == ("silver", 1450, 50)
    return ann


async def tier_of(program, member_id: int) -> tuple[str, Decimal, Decimal | None]:
    status = await tier_status(program, member_id, MONDAY)
    return status.level.code, status.qualifying_amount, status.remaining_to_next


async def upgrades(member_id: int) -> list[str]:
    return await OutboxEvent.filter(topic="tier.upgraded", member_id=member_id).order_by("created_at") \
        .values_list("payload", flat=True)


async def test_birthday_points_count_towards_points_earned_and_move_the_member_up_at_once(clean_db):
    program = await points_program()
    ann = await silver_with_1450_points(program, born=date(1990, 6, 17))
    with clock.frozen_at(MONDAY):
        assert await birthday_rewards(MONDAY, program) == 1
    assert await tier_of(program, ann) == ("gold", 1550, None)
    assert [p["tier"] for p in await upgrades(ann)] == ["silver", "gold"]
    with clock.frozen_at(MONDAY):
        assert await birthday_rewards(MONDAY, program) == 0
    assert await tier_of(program, ann) == ("gold", 1550, None)
    assert await verify_ledger() == []


async def test_yearly_points_count_towards_points_earned_and_move_the_member_up_at_once(clean_db):
    program = await points_program()
    ann = await silver_with_1450_points(program)
    with clock.frozen_at(MONDAY):
        assert await yearly_rewards(MONDAY, program) == 1
        assert await yearly_rewards(MONDAY, program) == 0
    assert await tier_of(program, ann) == ("gold", 1550, None)
    assert [p["tier"] for p in await upgrades(ann)] == ["silver", "gold"]
    assert await verify_ledger() == []


async def test_referral_points_count_towards_points_earned_and_move_the_referrer_up_at_once(clean_db):
    program = await points_program()
    ann = await silver_with_1450_points(program)
    with clock.frozen_at(JUNE):
        await choices.choose_charity(program, ann, "safe-home", 10)
        bob = await new_member("bob@example.com")
        await Referral.create(referrer_id=ann, friend_id=bob, status=ReferralStatus.PENDING.value, created_at=JUNE)
        await record_purchase(program, PurchaseRequest(bob, "O-bob", Decimal("30.00"), "EUR"))
    later = JUNE + timedelta(days=15)  # Bob's purchase has posted
    with clock.frozen_at(later):
        assert await complete_referrals(later) == 1
    # 1450 + the referral's 500 = 1950; a tenth of the 500 goes to her charity.
    assert await tier_of(program, ann) == ("gold", 1950, None)
    assert [p["tier"] for p in await upgrades(ann)] == ["silver", "gold"]
    assert await Donation.filter(member_id=ann).values_list("charity_code", "points", "source") == [
        ("safe-home", 50, "AUTOMATIC")]
    assert await verify_ledger() == []


async def test_birthday_and_yearly_points_give_the_automatic_donation_its_share(clean_db):
    program = await points_program()
    ann = await silver_with_1450_points(program, born=date(1990, 6, 17))
    with clock.frozen_at(JUNE):
        await choices.choose_charity(program, ann, "wildlife", 25)
    with clock.frozen_at(MONDAY):
        assert await yearly_rewards(MONDAY, program) == 1  # Silver's 100 points: Gold at once
        assert await birthday_rewards(MONDAY, program) == 1  # Gold's 250 points and EUR 10
        assert await yearly_rewards(MONDAY, program) == 0
        assert await birthday_rewards(MONDAY, program) == 0
    # A quarter of each award, rounded down: 100 // 4 = 25 and 250 // 4 = 62. The purchase's
    # 1450 points are still pending.
    donations = await Donation.filter(member_id=ann).order_by("id").values_list("charity_code", "points", "source")
    assert donations == [("wildlife", 25, "AUTOMATIC"), ("wildlife", 62, "AUTOMATIC")]
    wallet = await get_wallet(ann, MONDAY)
    assert (wallet.points, wallet.pending_points, wallet.credit_minor) == (100 - 25 + 250 - 62, 1450, 1000)
    assert await verify_ledger() == []
