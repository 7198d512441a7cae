"""Every topic renders in every language from the payload its emitter writes: the payloads
of a real member's history (join, purchases, a refund, the daily jobs) are rendered as they
were committed, and the topics that history does not reach are rendered from payloads of the
same shape as their emitter's, in each case that changes the words."""
from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from loyalty import clock, events
from loyalty.jobs import JOBS
from loyalty.notifications import render, texts
from loyalty.outbox import OutboxEvent
from tests.support.shop import Shop, join

URL = "https://wallet.example"

# Shaped as their emitters write them (the file that emits each is named).
EMITTED_ELSEWHERE: list[tuple[str, dict]] = [
    # loyalty/purchases/service.py: cashback, and paying with points and credit
    (events.CREDIT_EARNED, {"credit_minor": 240, "currency": "EUR", "order": "W-1", "pending": True,
                            "available_at": "2026-12-14T10:00:00+00:00"}),
    (events.CREDIT_EARNED, {"credit_minor": 240, "currency": "EUR", "order": "W-1", "pending": False, "available_at": None}),
    # loyalty/ledger/warnings.py
    (events.POINTS_EXPIRING, {"points": 1250, "expires_at": "2027-01-31T23:00:00+00:00"}),
    (events.POINTS_SPENT, {"points": 300, "order": "W-2"}),
    (events.CREDIT_SPENT, {"credit_minor": 450, "currency": "EUR", "order": "W-2"}),
    # loyalty/purchases/refunds.py
    (events.POINTS_RESTORED, {"points": 300, "order": "W-2"}),
    (events.CREDIT_RESTORED, {"credit_minor": 450, "currency": "EUR", "order": "W-2", "refund": "R-2"}),
    (events.CREDIT_CLAWED_BACK, {"credit_minor": 125, "owed_minor": 0, "currency": "EUR", "order": "W-1", "refund": "R-1"}),
    # loyalty/tiers/state.py and loyalty/tiers/review.py
    (events.TIER_UPGRADED, {"tier": "gold", "tier_name": "Gold", "previous": "silver", "previous_name": "Silver",
                            "valid_until": "2027-12-31T23:00:00+00:00"}),
    (events.TIER_DOWNGRADED, {"tier": "silver", "tier_name": "Silver", "previous": "gold", "previous_name": "Gold"}),
    (events.TIER_AT_RISK, {"tier": "gold", "tier_name": "Gold", "remaining_to_keep": "1250",
                           "period_end": "2026-12-31T23:00:00+00:00", "metric": "POINTS_EARNED"}),
    (events.TIER_AT_RISK, {"tier": "gold", "tier_name": "Gold", "remaining_to_keep": "120.50",
                           "period_end": "2026-12-31T23:00:00+00:00", "metric": "SPEND"}),
    (events.TIER_AT_RISK, {"tier": "gold", "tier_name": "Gold", "remaining_to_keep": "3",
                           "period_end": "2026-12-31T23:00:00+00:00", "metric": "VISITS"}),
    # loyalty/bonuses/rewards.py: points and credit, or one of the two
    (events.BIRTHDAY_REWARDED, {"points": 250, "credit_minor": 500, "currency": "EUR"}),
    (events.BIRTHDAY_REWARDED, {"points": 250, "credit_minor": 0, "currency": "EUR"}),
    (events.BIRTHDAY_REWARDED, {"points": 0, "credit_minor": 500, "currency": "EUR"}),
    (events.YEARLY_REWARD_GIVEN, {"tier": "gold", "tier_name": "Gold", "points": 1000, "credit_minor": 0, "currency": "EUR"}),
    (events.YEARLY_REWARD_GIVEN, {"tier": "gold", "tier_name": "Gold", "points": 0, "credit_minor": 1000, "currency": "EUR"}),
    # loyalty/rewards/redeem.py and loyalty/rewards/coupons.py
    (events.REWARD_REDEEMED, {"reward": "coffee", "reward_name": "Free coffee", "code": "K7Q2-MX4P", "issued_reward_id": 7,
                              "points": 500, "expires_at": "2027-01-31T23:00:00+00:00"}),
    (events.REWARD_ISSUED, {"reward": "welcome", "reward_name": "10% off", "code": "W3LC-0M3X", "issued_reward_id": 8,
                            "points": 0, "expires_at": None}),
    (events.REWARD_USED, {"reward": "coffee", "reward_name": "Free coffee", "code": "K7Q2-MX4P", "issued_reward_id": 7,
                          "order": "W-3"}),
    (events.REWARD_EXPIRED, {"reward": "coffee", "reward_name": "Free coffee", "code": "K7Q2-MX4P", "issued_reward_id": 7}),
    (events.REWARD_CANCELED, {"reward": "coffee", "reward_name": "Free coffee", "code": "K7Q2-MX4P", "issued_reward_id": 7,
                              "points": 500}),
    (events.REWARD_CANCELED, {"reward": "welcome", "reward_name": "10% off", "code": "W3LC-0M3X", "issued_reward_id": 8,
                              "points": 0}),
    # loyalty/charity/donations.py
    (events.DONATION_MADE, {"donation_id": 3, "charity": "trees", "charity_name": "Tree Fund", "points": 1000,
                            "value_minor": 1000, "currency": "EUR", "automatic": False, "source": "MEMBER"}),
    # loyalty/referrals/completion.py: with points, and past the yearly cap
    (events.REFERRAL_COMPLETED, {"friend_name": "Bram", "points": 500, "capped": False}),
    (events.REFERRAL_COMPLETED, {"friend_name": "Bram", "points": 0, "capped": True}),
    # loyalty/auth/recovery.py and loyalty/members/verification.py (a new address)
    (events.ACCOUNT_PASSWORD_RESET, {"token": "et_abc", "to": "ann@example.com", "minutes": 30}),
    (events.ACCOUNT_VERIFY_EMAIL, {"token": "et_abc", "to": "ann@example.org", "hours": 48, "change": True}),
    (events.ACCOUNT_PASSWORD_CHANGED, {"to": "ann@example.com", "reset": False}),
    # loyalty/memberships/: lifecycle, payments, renewals, perks and dividends
    *[(topic, {"membership_id": 4, "plan": "plus-monthly", "plan_name": "Northwind Plus", "status": status,
               "period_end": "2027-02-28T10:00:00+00:00"}) for topic, status in (
        (events.MEMBERSHIP_STARTED, "ACTIVE"), (events.MEMBERSHIP_RENEWAL_DUE, "ACTIVE"),
        (events.MEMBERSHIP_RENEWED, "ACTIVE"), (events.MEMBERSHIP_PAYMENT_FAILED, "PAST_DUE"),
        (events.MEMBERSHIP_PAST_DUE, "PAST_DUE"), (events.MEMBERSHIP_EXPIRED, "EXPIRED"),
        (events.MEMBERSHIP_CANCELED, "CANCELED"), (events.MEMBERSHIP_CHANGED, "PENDING_PAYMENT"))],
    (events.PLAN_CREDIT_POSTED, {"membership_id": 4, "plan": "plus-monthly", "plan_name": "Northwind Plus",
                                 "credit_minor": 500, "currency": "EUR"}),
    (events.PLAN_DIVIDEND_PAID, {"membership_id": 5, "plan": "lifetime", "plan_name": "Northwind Co-op", "year": 2026,
                                 "spend_minor": 90000, "credit_minor": 9000, "currency": "EUR", "percent": "10"}),
    # loyalty/passes/: punch cards, payments, visits, expiry and pass credit
    (events.PASS_STAMPED, {"pass_id": 3, "product": "coffee-card", "product_name": "Harbor coffee card",
                           "kind": "PUNCH_CARD", "stamps": 7, "visits": 10, "remaining": 3, "reward_name": "Free coffee"}),
    (events.PASS_CARD_COMPLETED, {"pass_id": 3, "product": "coffee-card", "product_name": "Harbor coffee card",
                                  "kind": "PUNCH_CARD", "reward": "free-coffee", "reward_name": "Free coffee",
                                  "code": "K7Q2-MX4P", "issued_reward_id": 9, "expires_at": None}),
    (events.PASS_BOUGHT, {"pass_id": 4, "product": "climbing-5", "product_name": "Climbing 5 + 1", "kind": "VISIT_PACK",
                          "visits_total": 6, "credit_minor": 0, "currency": "EUR",
                          "valid_until": "2027-12-07T10:00:00+00:00"}),
    (events.PASS_VISIT_USED, {"pass_id": 4, "product": "climbing-5", "product_name": "Climbing 5 + 1",
                              "kind": "VISIT_PACK", "visits_used": 4, "visits_left": 2}),
    (events.PASS_VISITS_LOW, {"pass_id": 4, "product": "climbing-5", "product_name": "Climbing 5 + 1",
                              "kind": "VISIT_PACK", "visits_left": 2}),
    (events.PASS_EXPIRING, {"pass_id": 4, "product": "climbing-5", "product_name": "Climbing 5 + 1",
                            "kind": "VISIT_PACK", "valid_until": "2027-12-07T10:00:00+00:00", "days": 7}),
    (events.PASS_EXPIRED, {"pass_id": 4, "product": "climbing-5", "product_name": "Climbing 5 + 1", "kind": "VISIT_PACK",
                           "valid_until": "2027-12-07T10:00:00+00:00", "visits_left": 1, "credit_minor": 0,
                           "currency": "EUR"}),
    (events.PASS_CANCELED, {"pass_id": 4, "product": "climbing-5", "product_name": "Climbing 5 + 1", "kind": "VISIT_PACK",
                            "visits_used": 2, "credit_minor": 0, "currency": "EUR"}),
    (events.PASS_CREDIT_SPENT, {"pass_id": 5, "product": "kitchen-credit-100", "product_name": "Harbor Kitchen prepaid",
                                "kind": "CREDIT_PASS", "credit_minor": 4500, "balance_minor": 8500, "currency": "EUR",
                                "order": "K-1"}),
    (events.PASS_CREDIT_RESTORED, {"pass_id": 5, "product": "kitchen-credit-100",
                                   "product_name": "Harbor Kitchen prepaid", "kind": "CREDIT_PASS", "credit_minor": 2000,
                                   "balance_minor": 10500, "currency": "EUR", "order": "K-1", "refund": "KR-1"}),
]

# The topics `_history` emits.
HISTORY = {events.POINTS_EARNED, events.POINTS_CLAWED_BACK, events.POINTS_ACTIVATED, events.POINTS_EXPIRED,
           events.ACCOUNT_VERIFY_EMAIL}

ZERO = re.compile(r"(?<![\d.,])0 (points|punten|Punkte|puncte)\b")


def _rendered(topic: str, payload: dict) -> list[str]:
    out = []
    for lang in texts.LANGUAGES:
        email = render.email(topic, payload, lang, "Ann", URL)
        push = render.push(topic, payload, lang, "Ann", URL, "n-1")
        out += [email.subject, email.text, push.title, push.body]
    return out


def _sensible(topic: str, payload: dict) -> None:
    for text in _rendered(topic, payload):
        assert "{" not in text and "}" not in text, (topic, text)
        assert "None" not in text and "True" not in text and "False" not in text, (topic, text)
        assert not ZERO.search(text), (topic, payload, text)


async def _history(client: httpx.AsyncClient) -> list[OutboxEvent]:
    shop = await Shop.open(client)
    ann = await join(client, "ann@example.com")
    assert (await shop.purchase(ann, orderId="W-1", amount="80.00"))["errors"] == []
    assert (await shop.refund("W-1", "R-1", "30.00"))["errors"] == []
    now = clock.now()
    for name in ("activate-pending", "tier-review", "expire-points", "expiry-warnings"):
        await JOBS[name](now + timedelta(days=40))
    for name in ("expiry-warnings", "expire-points"):
        await JOBS[name](now + timedelta(days=3 * 365))
    return await OutboxEvent.all().order_by("created_at")


async def test_every_topic_a_member_s_history_emits_renders_in_every_language(client: httpx.AsyncClient) -> None:
    history = await _history(client)
    topics = {event.topic for event in history}
    assert HISTORY <= topics, topics
    for event in history:
        _sensible(event.topic, event.payload)


@pytest.mark.parametrize(("topic", "payload"), EMITTED_ELSEWHERE, ids=[f"{t}-{i}" for i, (t, _) in enumerate(EMITTED_ELSEWHERE)])
def test_every_other_topic_renders_in_every_language(topic: str, payload: dict) -> None:
    _sensible(topic, payload)


def test_every_topic_is_rendered_by_one_of_the_two_tests() -> None:
    assert set(events.TOPICS) <= HISTORY | {topic for topic, _ in EMITTED_ELSEWHERE}
