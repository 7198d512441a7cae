"""Referrals end to end: the member's code and link, the link's redirect, signing up with the
code (unknown and self-referral refused with nothing created), the friend's welcome coupon,
and the referrer's reward once the friend's first qualifying purchase has posted."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from loyalty import clock
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.models import Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.referrals.completion import complete_referrals
from loyalty.referrals.models import Referral
from loyalty.rewards.models import IssuedReward
from tests.members import member_pk, row_counts
from tests.rewards import points
from tests.support.gql import SIGN_UP, PASSWORD, gql
from tests.support.shop import Shop, error, errors_of, join

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
POSTED = T0 + timedelta(days=14)
REFERRAL = "query { me { referral { code link invited completed pointsEarned } } }"


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(T0):
        yield


async def referral_of(client, token: str) -> dict:
    return (await gql(client, REFERRAL, token=token))["data"]["me"]["referral"]


async def attempt(client, email: str, code: str | None, **extra) -> dict:
    variables = {"input": {"email": email, "password": PASSWORD, "displayName": "Bea", "referralCode": code, **extra}}
    return (await gql(client, SIGN_UP, variables))["data"]["signUp"]


async def test_every_member_has_a_short_code_and_a_link_that_redirects_with_it(client, runtime):
    ann = await join(client)
    referral = await referral_of(client, ann.token)
    code = referral["code"]
    assert len(code) == 8 and code == code.upper() and not set(code) & set("01ILO")
    assert referral == {"code": code, "link": f"http://127.0.0.1:8000/r/{code}", "invited": 0, "completed": 0,
                        "pointsEarned": 0}
    assert await referral_of(client, ann.token) == referral

    response = await client.get(f"/r/{code.lower()}")
    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "rewards.northwind.example", "/join")
    assert parse_qs(target.query) == {"ref": [code]}

    unknown = await client.get("/r/ZZZZZZZZ")
    assert (unknown.status_code, unknown.headers["location"]) == (302, "https://rewards.northwind.example/join")


async def test_an_unknown_referral_code_creates_nothing(client):
    await join(client)
    before = await row_counts()
    payload = await attempt(client, "bea@example.com", "ZZZZZZZZ")
    assert (payload["member"], errors_of(payload)) == (None, error("INVALID_REFERRAL_CODE", "referralCode"))
    assert await row_counts() == before


@pytest.mark.parametrize("email", ["ANN+friend@example.com", "ann@Example.com", "ann@example.com."])
async def test_the_owners_own_mailbox_is_email_taken_with_or_without_their_code(client, email):
    """A code never tells whether an address is its owner's: the owner's mailbox has an
    account, and answers as every taken address does, code or no code."""
    ann = await join(client)
    code = (await referral_of(client, ann.token))["code"]
    before = await row_counts()
    with_code = await attempt(client, email, code)
    without = await attempt(client, email, None)
    assert errors_of(with_code) == errors_of(without) == error("EMAIL_TAKEN", "email")
    assert await row_counts() == before


async def test_gmail_dots_are_the_same_mailbox(client):
    ann = await join(client, "ann.smith@gmail.com")
    code = (await referral_of(client, ann.token))["code"]
    payload = await attempt(client, "annsmith+2@googlemail.com", code)
    assert errors_of(payload) == error("EMAIL_TAKEN", "email")


async def test_a_member_cannot_refer_from_the_device_they_joined_on(client):
    ann = await join(client, deviceId="device-A")
    code = (await referral_of(client, ann.token))["code"]
    before = await row_counts()
    same = await attempt(client, "bea@example.com", code, deviceId="device-A")
    assert errors_of(same) == error("SELF_REFERRAL", "referralCode")
    assert await row_counts() == before
    other = await attempt(client, "bea@example.com", code, deviceId="device-B")
    assert other["errors"] == []


async def test_from_link_to_sign_up_to_first_purchase_to_posted_reward(client):
    ann = await join(client)
    shop = await Shop.open(client)
    link = (await referral_of(client, ann.token))["link"]
    landing = (await client.get(urlsplit(link).path)).headers["location"]
    code = parse_qs(urlsplit(landing).query)["ref"][0]

    bea = await join(client, "bea@example.com", referralCode=code.lower())
    (welcome,) = await IssuedReward.filter(member_id=member_pk(bea.id))
    assert (welcome.reward_code, welcome.status, welcome.points, welcome.source) == ("five-off", "ACTIVE", 0, "GIFT")
    assert (await referral_of(client, ann.token))["invited"] == 1

    small = await shop.purchase(bea, orderId="O-small", amount="24.99")
    first = await shop.purchase(bea, orderId="O-1", amount="25.00")
    assert small["errors"] == first["errors"] == []

    with clock.frozen_at(POSTED - timedelta(seconds=1)):
        assert await complete_referrals(clock.now()) == 0
    with clock.frozen_at(POSTED):
        await activate_pending(clock.now())
        assert await complete_referrals(clock.now()) == 1
        assert await complete_referrals(clock.now()) == 0

    ann_id = member_pk(ann.id)
    assert await points(ann_id) == 100 + 500  # welcome points and the referral
    assert await referral_of(client, ann.token) == {
        "code": code, "link": link, "invited": 1, "completed": 1, "pointsEarned": 500}
    reward = await Transfer.get(code="REFERRAL")
    assert (reward.member_id, reward.amount) == (ann_id, 500)
    event = await OutboxEvent.get(topic="referral.completed")
    assert (event.member_id, event.payload) == (ann_id, {"friend_name": "Ann", "points": 500, "capped": False})
    referral = await Referral.get(friend_id=member_pk(bea.id))
    assert (referral.status, referral.points) == ("COMPLETED", 500)
    assert await verify_ledger() == []


async def test_a_purchase_refunded_inside_its_window_never_qualifies(client):
    ann = await join(client)
    shop = await Shop.open(client)
    code = (await referral_of(client, ann.token))["code"]
    bea = await join(client, "bea@example.com", referralCode=code)
    await shop.purchase(bea, orderId="O-1", amount="100.00")
    with clock.frozen_at(T0 + timedelta(days=13)):
        assert (await shop.refund("O-1", "R-1", "10.00"))["errors"] == []

    with clock.frozen_at(POSTED + timedelta(days=30)):
        await activate_pending(clock.now())
        assert await complete_referrals(clock.now()) == 0
    assert (await referral_of(client, ann.token))["completed"] == 0

    # The next purchase that qualifies completes it.
    with clock.frozen_at(T0 + timedelta(days=20)):
        await shop.purchase(bea, orderId="O-2", amount="30.00")
    with clock.frozen_at(T0 + timedelta(days=34)):
        await activate_pending(clock.now())
        assert await complete_referrals(clock.now()) == 1
    referral = await Referral.get(friend_id=member_pk(bea.id))
    assert (referral.status, referral.points) == ("COMPLETED", 500)


async def test_a_refund_after_the_window_does_not_undo_a_qualified_purchase(client):
    ann = await join(client)
    shop = await Shop.open(client)
    code = (await referral_of(client, ann.token))["code"]
    bea = await join(client, "bea@example.com", referralCode=code)
    await shop.purchase(bea, orderId="O-1", amount="50.00")
    with clock.frozen_at(POSTED + timedelta(days=1)):
        await shop.refund("O-1", "R-1", "50.00")
        assert await complete_referrals(clock.now()) == 1


async def test_rewards_stop_at_the_yearly_cap_and_start_again_next_year(client, runtime):
    ann = await join(client)
    shop = await Shop.open(client)
    code = (await referral_of(client, ann.token))["code"]
    friends = [await join(client, f"friend{i}@example.com", referralCode=code) for i in range(11)]
    for i, friend in enumerate(friends[:11]):
        await shop.purchase(friend, orderId=f"O-{i}", amount="25.00")
    with clock.frozen_at(POSTED):
        assert await complete_referrals(clock.now()) == 11
    assert await referral_of(client, ann.token) == {
        "code": code, "link": f"http://127.0.0.1:8000/r/{code}", "invited": 11, "completed": 11,
        "pointsEarned": 5000}  # yearly_cap = 10
    capped = await OutboxEvent.filter(topic="referral.completed").order_by("created_at", "id")
    assert sorted(e.payload["points"] for e in capped) == [0] + [500] * 10

    with clock.frozen_at(datetime(2027, 1, 5, tzinfo=timezone.utc)):
        late = await join(client, "late@example.com", referralCode=code)
        await shop.purchase(late, orderId="O-late", amount="25.00")
    with clock.frozen_at(datetime(2027, 1, 20, tzinfo=timezone.utc)):
        assert await complete_referrals(clock.now()) == 1
    assert (await referral_of(client, ann.token))["pointsEarned"] == 5500
