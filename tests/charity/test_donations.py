"""Charity: the member's choice, donations valued at the point value, exact totals, the
automatic share of every award when it posts (exactly once), and the program's own donations."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty import changes, clock
from loyalty.actions.service import record_action
from loyalty.charity import choices, donations
from loyalty.charity.models import Donation
from loyalty.charity.totals import total_donated_minor
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.models import Account, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.program.spec import ActionKind
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.wallet import get_wallet
from tests.rewards import T0, at_t0, grant, new_member, points, program  # noqa: F401 - fixtures

POSTS = T0 + timedelta(days=14)


pytestmark = pytest.mark.usefixtures("at_t0")


async def charity_balance(code: str) -> int:
    account = await Account.get_or_none(kind="program", code=f"charity:{code}", asset="POINTS")
    return account.posted if account else 0


async def test_donating_moves_points_to_the_chosen_charity_at_the_point_value(program):
    ann = await new_member()
    await grant(ann, 1000)
    await choices.choose_charity(program, ann, "wildlife", None)

    donation = await donations.donate_points(program, ann, None, 250, "d-1")

    assert (donation.charity_code, donation.points, donation.value_minor, donation.currency) == (
        "wildlife", 250, 250, "EUR")
    assert await points(ann) == 750
    assert await charity_balance("wildlife") == 250
    assert await total_donated_minor("wildlife") == 250
    transfer = await Transfer.get(id=donation.transfer_id)
    assert (transfer.code, transfer.amount, transfer.memo) == (
        "DONATION", 250, {"charity": "wildlife", "charity_name": "Wildlife Trust"})
    event = await OutboxEvent.get(topic="donation.made")
    assert event.payload == {
        "donation_id": donation.id, "charity": "wildlife", "charity_name": "Wildlife Trust", "points": 250,
        "value_minor": 250, "currency": "EUR", "automatic": False, "source": "MEMBER",
    }
    assert await verify_ledger() == []


async def test_a_named_charity_overrides_the_chosen_one_and_totals_are_exact(program):
    ann, bob = await new_member(), await new_member()
    await grant(ann, 1000)
    await grant(bob, 1000)
    await choices.choose_charity(program, ann, "wildlife", None)
    await donations.donate_points(program, ann, "safe-home", 333, "d-1")
    await donations.donate_points(program, bob, "safe-home", 1, "d-1")
    assert await total_donated_minor("safe-home") == 334
    assert await total_donated_minor("wildlife") == 0


async def test_the_same_key_replays_the_donation(program):
    ann = await new_member()
    await grant(ann, 1000)
    first = await donations.donate_points(program, ann, "wildlife", 100, "d-1")
    again = await donations.donate_points(program, ann, "wildlife", 100, "d-1")
    assert again.id == first.id
    assert await points(ann) == 900
    with pytest.raises(LoyaltyError) as caught:
        await donations.donate_points(program, ann, "wildlife", 200, "d-1")
    assert caught.value.code is ErrorCode.IDEMPOTENCY_CONFLICT


@pytest.mark.parametrize(("charity", "amount", "code", "field"), [
    (None, 100, ErrorCode.INVALID, "charity_id"),  # none chosen
    ("wildlife", 1001, ErrorCode.INSUFFICIENT_POINTS, "points"),
    ("wildlife", 0, ErrorCode.INVALID, "points"),
    ("wildlife", -5, ErrorCode.INVALID, "points"),
    ("no-such-charity", 100, ErrorCode.NOT_FOUND, "charity_id"),
])
async def test_a_refused_donation_changes_nothing(program, charity, amount, code, field):
    ann = await new_member()
    await grant(ann, 1000)
    transfers = await Transfer.all().count()
    with pytest.raises(LoyaltyError) as caught:
        await donations.donate_points(program, ann, charity, amount, "d-1")
    assert (caught.value.code, caught.value.field) == (code, field)
    assert await points(ann) == 1000
    assert (await Transfer.all().count(), await Donation.all().count()) == (transfers, 0)


@pytest.mark.parametrize(("charity", "percent", "code", "field"), [
    ("wildlife", 101, ErrorCode.INVALID, "auto_donate_percent"),
    ("wildlife", -1, ErrorCode.INVALID, "auto_donate_percent"),
    (None, 10, ErrorCode.INVALID, "charity_id"),
    ("no-such-charity", 10, ErrorCode.NOT_FOUND, "charity_id"),
])
async def test_a_refused_choice_changes_nothing(program, charity, percent, code, field):
    ann = await new_member()
    await choices.choose_charity(program, ann, "safe-home", 5)
    with pytest.raises(LoyaltyError) as caught:
        await choices.choose_charity(program, ann, charity, percent)
    assert (caught.value.code, caught.value.field) == (code, field)
    choice = await choices.chosen(ann)
    assert (choice.charity_code, choice.auto_donate_percent) == ("safe-home", 5)


async def test_clearing_the_choice_stops_automatic_donations(program):
    ann = await new_member()
    await choices.choose_charity(program, ann, "wildlife", 50)
    await choices.choose_charity(program, ann, None, None)
    choice = await choices.chosen(ann)
    assert (choice.charity_code, choice.auto_donate_percent) == (None, 0)
    await record_action(program, ann, ActionKind.NEWSLETTER_SIGNUP, "n-1")
    assert await points(ann) == 50
    assert await Donation.all().count() == 0


async def test_a_quarter_of_a_pending_award_is_donated_when_it_posts_exactly_once(program):
    with clock.frozen_at(T0 - timedelta(days=90)):  # past any new-member bonus
        ann = await new_member()
    await choices.choose_charity(program, ann, "civil-rights", 25)
    await record_purchase(program, PurchaseRequest(ann, "O-1", Decimal("402.00"), "EUR"))
    assert (await get_wallet(ann, T0)).pending_points == 402
    assert await Donation.all().count() == 0

    assert await activate_pending(POSTS - timedelta(seconds=1)) == 0
    assert await activate_pending(POSTS) == 1
    assert await activate_pending(POSTS + timedelta(days=1)) == 0

    (donation,) = await Donation.all()
    assert (donation.charity_code, donation.points, donation.value_minor, donation.source) == (
        "civil-rights", 100, 100, "AUTOMATIC")  # 25% of 402, rounded down
    assert await points(ann) == 302
    assert await total_donated_minor("civil-rights") == 100
    event = await OutboxEvent.get(topic="donation.made")
    assert (event.payload["automatic"], event.payload["source"]) == (True, "AUTOMATIC")
    assert await verify_ledger() == []


async def test_an_immediate_award_donates_its_share_at_once(program):
    ann = await new_member()
    await choices.choose_charity(program, ann, "wildlife", 40)
    await record_action(program, ann, ActionKind.NEWSLETTER_SIGNUP, "n-1")  # 50 points
    (donation,) = await Donation.all()
    assert (donation.points, donation.source) == (20, "AUTOMATIC")
    assert await points(ann) == 30
    assert await verify_ledger() == []


async def test_the_program_donates_for_a_plan_payment_once_per_payment(program):
    ann = await new_member()
    await choices.choose_charity(program, ann, "safe-home", None)
    async with changes.member_change():
        first = await donations.donate_for_plan(program, ann, "pay-1", T0)
        again = await donations.donate_for_plan(program, ann, "pay-1", T0)
    assert (first.points, first.value_minor, first.source, again) == (200, 200, "PLAN", None)
    assert await points(ann) == 0
    transfer = await Transfer.get(id=first.transfer_id)
    assert (transfer.code, transfer.member_id) == ("PROGRAM_DONATION", ann)
    assert await total_donated_minor("safe-home") == 200
    assert await verify_ledger() == []


async def test_no_plan_donation_without_a_chosen_charity(program):
    ann = await new_member()
    async with changes.member_change():
        assert await donations.donate_for_plan(program, ann, "pay-1", T0) is None
    assert await Transfer.all().count() == 0


async def test_the_share_is_of_what_the_award_kept_after_a_refund_before_it_posted(program):
    with clock.frozen_at(T0 - timedelta(days=90)):
        ann = await new_member()
    await choices.choose_charity(program, ann, "wildlife", 25)
    await record_purchase(program, PurchaseRequest(ann, "O-1", Decimal("100.00"), "EUR"))
    await refund_purchase(program, RefundRequest("O-1", "R-1", Decimal("90.00")))

    assert await activate_pending(POSTS) == 2

    (donation,) = await Donation.all()
    assert donation.points == 2  # 25% of the 10 points kept, rounded down
    assert await points(ann) == 8
    assert await verify_ledger() == []


async def test_the_share_never_takes_more_than_the_member_holds(program):
    with clock.frozen_at(T0 - timedelta(days=90)):
        ann = await new_member()
    await record_purchase(program, PurchaseRequest(ann, "O-0", Decimal("50.00"), "EUR",
                                                   occurred_at=T0 - timedelta(days=30)))
    await donations.donate_points(program, ann, "safe-home", 50, "d-1")
    await refund_purchase(program, RefundRequest("O-0", "R-0", Decimal("50.00")))  # 50 points owed
    await record_purchase(program, PurchaseRequest(ann, "O-1", Decimal("100.00"), "EUR"))
    await choices.choose_charity(program, ann, "wildlife", 100)

    await activate_pending(POSTS)

    automatic = await Donation.get(source="AUTOMATIC")
    assert (automatic.charity_code, automatic.points) == ("wildlife", 50)  # the debt took the other 50
    wallet = await get_wallet(ann, POSTS)
    assert (wallet.points, wallet.points_owed) == (0, 0)
    assert await verify_ledger() == []
