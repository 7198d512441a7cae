"""The membership lifecycle: subscribe, pay, renew, period end, grace, cancel both ways,
refund, change of plan; every step recorded with an outbox event; failures change nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from loyalty import clock
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.memberships.models import Membership, MembershipTransition, PlanPayment
from loyalty.memberships.periods import period_end
from loyalty.memberships.states import TRANSITIONS, Event, NotAllowed, Status, transition
from loyalty.outbox import OutboxEvent
from loyalty.program.spec import PlanInterval
from tests.memberships.helpers import cancel, ledger_violations, pay, refund, run_job, subscribe
from tests.support.members import new_member
from tests.support.program import demo_without_new_member_bonus, use_program

AMS = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2026, 1, 31, 10, 0, tzinfo=timezone.utc)  # 11:00 in Amsterdam
UTC = timezone.utc


@pytest.fixture
async def program(runtime):
    return await use_program(runtime, demo_without_new_member_bonus())


@pytest.fixture
async def ann(program) -> int:
    with clock.frozen_at(T0 - timedelta(days=30)):
        return await new_member()


async def topics(member: int) -> list[str]:
    rows = await OutboxEvent.filter(member_id=member, topic__startswith="membership.").order_by("created_at", "id")
    return [r.topic for r in rows]


def test_a_month_is_the_same_day_next_month_clamped_to_the_month_end():
    assert period_end(PlanInterval.MONTH, T0, AMS) == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    leap = datetime(2028, 1, 31, 10, 0, tzinfo=UTC)
    assert period_end(PlanInterval.MONTH, leap, AMS) == datetime(2028, 2, 29, 10, 0, tzinfo=UTC)
    mid = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)  # across the change to summer time: same local hour
    assert period_end(PlanInterval.MONTH, mid, AMS) == datetime(2026, 4, 15, 8, 0, tzinfo=UTC)


def test_a_year_is_the_same_day_next_year_and_a_lifetime_has_no_end():
    assert period_end(PlanInterval.YEAR, T0, AMS) == datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
    leap_day = datetime(2028, 2, 29, 10, 0, tzinfo=UTC)
    assert period_end(PlanInterval.YEAR, leap_day, AMS) == datetime(2029, 2, 28, 10, 0, tzinfo=UTC)
    assert period_end(PlanInterval.LIFETIME, T0, AMS) is None


def test_the_state_table_has_final_states_without_steps_and_refuses_others():
    assert not [key for key in TRANSITIONS if key[0] in (Status.CANCELED, Status.EXPIRED)]
    assert transition(Status.PAST_DUE, Event.PAY) is Status.ACTIVE
    with pytest.raises(NotAllowed):
        transition(Status.EXPIRED, Event.PAY)
    with pytest.raises(NotAllowed):
        transition(Status.PENDING_PAYMENT, Event.PERIOD_END)


async def test_subscribe_creates_a_pending_membership_once_per_key(program, ann):
    first = await subscribe(program, ann, "plus-monthly", T0)
    again = await subscribe(program, ann, "plus-monthly", T0)
    assert (first.id, first.status, first.current_period_end) == (again.id, "PENDING_PAYMENT", None)
    assert await Membership.filter(member_id=ann).count() == 1
    assert await topics(ann) == ["membership.changed"]


async def test_a_payment_activates_from_its_date_with_the_clamped_period_end(program, ann):
    m = await subscribe(program, ann, "plus-monthly", T0)
    m = await pay(program, m.id, "pay-1", T0)
    assert (m.status, m.current_period_end) == ("ACTIVE", datetime(2026, 2, 28, 10, 0, tzinfo=UTC))
    steps = await MembershipTransition.filter(membership_id=m.id).order_by("id")
    assert [(s.from_status, s.to_status, s.event, s.actor, s.reason) for s in steps] == [
        (None, "PENDING_PAYMENT", "subscribe", f"member:{ann}", "subscribed to plus-monthly"),
        ("PENDING_PAYMENT", "ACTIVE", "pay", "payments", "payment pay-1"),
    ]
    assert sorted(await topics(ann)) == ["membership.changed", "membership.credit_posted", "membership.started"]
    assert await ledger_violations() == []


async def test_a_renewal_paid_early_extends_from_the_period_end(program, ann):
    m = await subscribe(program, ann, "plus-monthly", T0)
    await pay(program, m.id, "pay-1", T0)
    m = await pay(program, m.id, "pay-2", T0 + timedelta(days=20))
    assert m.current_period_end == datetime(2026, 3, 28, 10, 0, tzinfo=UTC)
    assert (await PlanPayment.get(payment_id="pay-2")).period_start == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)


async def test_the_same_payment_id_twice_extends_the_period_once(program, ann):
    m = await subscribe(program, ann, "plus-monthly", T0)
    await pay(program, m.id, "pay-1", T0)
    m = await pay(program, m.id, "pay-1", T0 + timedelta(days=1))
    assert m.current_period_end == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert await PlanPayment.filter(membership_id=m.id).count() == 1


async def snapshot(member: int) -> tuple:
    rows = await Membership.filter(member_id=member).order_by("id").values()
    return (rows, await PlanPayment.all().count(), await MembershipTransition.all().count(),
            await OutboxEvent.all().count())


@pytest.mark.parametrize("amount, currency, field", [("4.99", "EUR", "amount"), ("5.00", "USD", "currency"),
                                                     ("25.00", "EUR", "amount")])
async def test_amount_mismatch_changes_nothing(program, ann, amount, currency, field):
    m = await subscribe(program, ann, "plus-monthly", T0)
    before = await snapshot(ann)
    with pytest.raises(LoyaltyError) as caught:
        await pay(program, m.id, "pay-1", T0, amount=amount, currency=currency)
    assert (caught.value.code, caught.value.field) == (ErrorCode.AMOUNT_MISMATCH, field)
    assert await snapshot(ann) == before


async def test_a_payment_id_reused_with_another_amount_or_membership_is_a_conflict(program, ann):
    m = await subscribe(program, ann, "plus-monthly", T0)
    await pay(program, m.id, "pay-1", T0)
    with clock.frozen_at(T0):
        bob = await new_member("bob@example.com")
    other = await subscribe(program, bob, "plus-monthly", T0)
    before = (await snapshot(ann), await snapshot(bob))
    for membership_id, amount in ((m.id, "25.00"), (other.id, "5.00")):
        with pytest.raises(LoyaltyError) as caught:
            await pay(program, membership_id, "pay-1", T0, amount=amount)
        assert caught.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert (await snapshot(ann), await snapshot(bob)) == before


async def test_subscribing_while_a_membership_is_live_is_already_member(program, ann):
    await subscribe(program, ann, "plus-monthly", T0)
    before = await snapshot(ann)
    with pytest.raises(LoyaltyError) as caught:
        await subscribe(program, ann, "plus-monthly", T0, key="k2")
    assert caught.value.code is ErrorCode.ALREADY_MEMBER
    assert await snapshot(ann) == before


async def test_an_unknown_plan_or_membership_is_not_found_and_changes_nothing(program, ann):
    before = await snapshot(ann)
    with pytest.raises(LoyaltyError) as caught:
        await subscribe(program, ann, "no-such-plan", T0)
    assert (caught.value.code, caught.value.field) == (ErrorCode.NOT_FOUND, "plan_id")
    with pytest.raises(LoyaltyError) as caught:
        await pay(program, 999_999, "pay-1", T0)
    assert (caught.value.code, caught.value.field) == (ErrorCode.NOT_FOUND, "membership_id")
    assert await snapshot(ann) == before


async def test_an_unpaid_period_is_past_due_for_grace_then_expired(program, ann):
    m = await subscribe(program, ann, "plus-monthly", T0)
    await pay(program, m.id, "pay-1", T0)
    end = datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert await run_job(program, end - timedelta(days=4)) == 0
    assert await run_job(program, end - timedelta(days=3)) == 1  # the renewal reminder, once
    assert await run_job(program, end - timedelta(seconds=1)) == 0
    assert (await topics(ann))[-1] == "membership.renewal_due"
    assert await run_job(program, end) == 1
    m = await Membership.get(id=m.id)
    assert (m.status, m.grace_ends_at) == ("PAST_DUE", end + timedelta(days=7))
    assert await run_job(program, end + timedelta(days=1)) == 0  # a second run changes nothing
    assert await run_job(program, end + timedelta(days=7)) == 1
    m = await Membership.get(id=m.id)
    assert (m.status, m.live_member_id, m.ended_at) == ("EXPIRED", None, end + timedelta(days=7))
    assert (await topics(ann))[-2:] == ["membership.past_due", "membership.expired"]
    with pytest.raises(LoyaltyError) as caught:
        await pay(program, m.id, "pay-2", end + timedelta(days=8))
    assert caught.value.code is ErrorCode.NOT_AVAILABLE


async def test_a_payment_reactivates_a_past_due_membership_from_its_date(program, ann):
    m = await subscribe(program, ann, "plus-monthly", T0)
    await pay(program, m.id, "pay-1", T0)
    end = datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    await run_job(program, end)
    paid_at = end + timedelta(days=3)
    m = await pay(program, m.id, "pay-2", paid_at)
    assert (m.status, m.current_period_end, m.grace_ends_at) == ("ACTIVE", datetime(2026, 4, 3, 9, 0, tzinfo=UTC),
                                                                 None)


async def test_cancel_at_period_end_stays_active_then_ends(program, ann):
    m = await subscribe(program, ann, "plus-monthly", T0)
    await pay(program, m.id, "pay-1", T0)
    m = await cancel(program, ann, True, T0 + timedelta(days=2))
    assert (m.status, m.cancel_at_period_end) == ("ACTIVE", True)
    end = datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert await run_job(program, end) == 1
    m = await Membership.get(id=m.id)
    assert (m.status, m.cancel_at_period_end, m.live_member_id) == ("CANCELED", True, None)
    again = await subscribe(program, ann, "plus-yearly", end, key="k2")  # a new one can start
    assert again.id != m.id and again.status == "PENDING_PAYMENT"


async def test_cancel_now_ends_it_and_a_later_payment_is_refused(program, ann):
    m = await subscribe(program, ann, "plus-monthly", T0)
    await pay(program, m.id, "pay-1", T0)
    m = await cancel(program, ann, False, T0 + timedelta(days=2))
    assert (m.status, m.ended_at) == ("CANCELED", T0 + timedelta(days=2))
    assert (await topics(ann))[-1] == "membership.canceled"
    with pytest.raises(LoyaltyError) as caught:
        await pay(program, m.id, "pay-2", T0 + timedelta(days=3))
    assert caught.value.code is ErrorCode.NOT_AVAILABLE


async def test_canceling_without_a_membership_is_not_found(program, ann):
    with pytest.raises(LoyaltyError) as caught:
        await cancel(program, ann, False, T0)
    assert caught.value.code is ErrorCode.NOT_FOUND


async def test_a_refund_of_the_running_period_ends_it(program, ann):
    m = await subscribe(program, ann, "plus-monthly", T0)
    await pay(program, m.id, "pay-1", T0)
    m = await refund(program, "pay-1", "re-1", T0 + timedelta(days=1))
    assert (m.status, m.current_period_end) == ("EXPIRED", T0 + timedelta(days=1))
    again = await refund(program, "pay-1", "re-1", T0 + timedelta(days=2))
    assert again.status == "EXPIRED"
    with pytest.raises(LoyaltyError) as caught:
        await refund(program, "pay-1", "re-2", T0 + timedelta(days=2))
    assert caught.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert await ledger_violations() == []


async def test_a_lifetime_membership_is_never_past_due_and_ends_on_refund(program, ann):
    m = await subscribe(program, ann, "lifetime", T0)
    m = await pay(program, m.id, "pay-1", T0, plan="lifetime")
    assert (m.status, m.current_period_end) == ("ACTIVE", None)
    assert await run_job(program, T0 + timedelta(days=3650)) == 0
    m = await refund(program, "pay-1", "re-1", T0 + timedelta(days=3650))
    assert m.status == "EXPIRED"


async def test_monthly_to_yearly_takes_effect_at_the_period_end(program, ann):
    m = await subscribe(program, ann, "plus-monthly", T0)
    await pay(program, m.id, "pay-1", T0)
    m = await subscribe(program, ann, "plus-yearly", T0 + timedelta(days=5), key="k2")
    assert (m.plan_code, m.next_plan_code) == ("plus-monthly", "plus-yearly")
    with pytest.raises(LoyaltyError) as caught:  # the next payment is the new plan's price
        await pay(program, m.id, "pay-2", T0 + timedelta(days=27), plan="plus-monthly")
    assert caught.value.code is ErrorCode.AMOUNT_MISMATCH
    m = await pay(program, m.id, "pay-2", T0 + timedelta(days=27), plan="plus-yearly")
    assert (m.plan_code, m.next_plan_code, m.current_period_end) == (
        "plus-yearly", None, datetime(2027, 2, 28, 10, 0, tzinfo=UTC))


async def test_lifetime_replaces_a_running_plan_at_once_when_paid(program, ann):
    m = await subscribe(program, ann, "plus-monthly", T0)
    await pay(program, m.id, "pay-1", T0)
    await subscribe(program, ann, "lifetime", T0 + timedelta(days=5), key="k2")
    m = await pay(program, m.id, "pay-2", T0 + timedelta(days=5), plan="lifetime")
    assert (m.status, m.plan_code, m.current_period_end) == ("ACTIVE", "lifetime", None)
