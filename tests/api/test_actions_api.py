"""recordAction over HTTP and the welcome points of signUp: the demo program's earning rules
and their limits (counted in Europe/Amsterdam), the reference as idempotency key, and scopes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from loyalty import clock
from schema.relay import to_global_id
from tests.support.gql import gql
from tests.support.shop import RECORD_ACTION, Shop, api_key, error, errors_of, join, me, summary

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
# The last minutes of March in Amsterdam (CEST, UTC+2), and the first of April.
MARCH_END = datetime(2026, 3, 31, 21, 59, tzinfo=timezone.utc)
APRIL_START = datetime(2026, 3, 31, 22, 0, tzinfo=timezone.utc)


async def test_sign_up_awards_the_welcome_points_at_once(client):
    with clock.frozen_at(T0):
        ann = await join(client)
        member = await me(client, ann.token)
    wallet, edges = member["wallet"], member["activity"]["edges"]
    assert [wallet[k] for k in ("points", "pendingPoints", "lifetimePoints", "pointsOwed")] == [100, 0, 100, 0]
    assert len(edges) == 1
    welcome = edges[0]["node"]
    assert (welcome["kind"], welcome["status"], welcome["points"]) == ("ACTION", "POSTED", 100)
    assert (welcome["occurredAt"], welcome["availableAt"]) == (T0.isoformat(), None)
    assert welcome["description"] == "Welcome points"


async def test_the_shop_cannot_award_the_sign_up_points_twice(client):
    shop, ann = await Shop.open(client), await join(client)
    before = await shop.state(ann)
    payload = await shop.action(ann, "SIGN_UP", "signup-ann")
    assert (payload["pointsAwarded"], payload["limitReached"], payload["errors"]) == (0, True, [])
    assert payload["member"]["wallet"] == before[0]
    assert await shop.state(ann) == before


async def test_a_review_awards_its_points_and_returns_the_member(client):
    with clock.frozen_at(T0):
        shop, ann = await Shop.open(client), await join(client)
        payload = await shop.action(ann, "PRODUCT_REVIEW", "review-1")
        history = await shop.history(ann)
    assert (payload["pointsAwarded"], payload["limitReached"], payload["errors"]) == (20, False, [])
    assert payload["member"]["id"] == ann.id
    assert (payload["member"]["wallet"]["points"], payload["member"]["wallet"]["lifetimePoints"]) == (120, 120)
    assert summary(history)[0] == ("ACTION", "POSTED", 20, "review-1")
    assert history[0]["description"] == "Product review"


async def test_reviews_earn_five_times_a_month_then_zero_without_an_error(client):
    shop, ann = await Shop.open(client), await join(client)
    with clock.frozen_at(T0):
        awarded = [(await shop.action(ann, "PRODUCT_REVIEW", f"review-{i}"))["pointsAwarded"] for i in range(1, 6)]
    assert awarded == [20] * 5
    with clock.frozen_at(MARCH_END):
        sixth = await shop.action(ann, "PRODUCT_REVIEW", "review-6")
        after_sixth = await shop.state(ann)
        assert (sixth["pointsAwarded"], sixth["limitReached"], sixth["errors"]) == (0, True, [])
        assert after_sixth[0]["points"] == 200 and len(after_sixth[1]) == 6  # no entry for the sixth
        assert await shop.action(ann, "PRODUCT_REVIEW", "review-6") == sixth  # a replay
        first = await shop.action(ann, "PRODUCT_REVIEW", "review-1")  # a replay of one that earned
        assert (first["pointsAwarded"], first["limitReached"], first["errors"]) == (20, False, [])
        assert await shop.state(ann) == after_sixth
    with clock.frozen_at(APRIL_START):
        april = await shop.action(ann, "PRODUCT_REVIEW", "review-7")
    assert (april["pointsAwarded"], april["limitReached"]) == (20, False)
    assert (await shop.wallet(ann))["points"] == 220


async def test_a_once_ever_rule_never_earns_again(client):
    shop, ann = await Shop.open(client), await join(client)
    with clock.frozen_at(T0):
        first = await shop.action(ann, "SOCIAL_FOLLOW", "follow-instagram")
    with clock.frozen_at(T0 + timedelta(days=400)):
        again = await shop.action(ann, "SOCIAL_FOLLOW", "follow-mastodon")
    assert [(p["pointsAwarded"], p["limitReached"]) for p in (first, again)] == [(25, False), (0, True)]
    assert (await shop.wallet(ann))["points"] == 125


async def test_a_daily_rule_counts_days_in_the_programs_time_zone(client):
    shop, ann = await Shop.open(client), await join(client)
    # 23:30 in Amsterdam on 10 March (CET, UTC+1), then 23:59:59 and 00:00 local.
    utc = timezone.utc
    moments = [datetime(2026, 3, 10, 22, 30, tzinfo=utc), datetime(2026, 3, 10, 22, 59, 59, tzinfo=utc),
               datetime(2026, 3, 10, 23, 0, tzinfo=utc)]
    awarded = []
    for i, moment in enumerate(moments):
        with clock.frozen_at(moment):
            awarded.append((await shop.action(ann, "SOCIAL_SHARE", f"share-{i}"))["pointsAwarded"])
    assert awarded == [10, 0, 10]


async def test_each_member_has_their_own_limit(client):
    shop, ann, bob = await Shop.open(client), await join(client), await join(client, "bob@example.com")
    assert (await shop.action(ann, "NEWSLETTER_SIGNUP", "news-ann"))["pointsAwarded"] == 50
    assert (await shop.action(bob, "NEWSLETTER_SIGNUP", "news-bob"))["pointsAwarded"] == 50


async def test_one_reference_may_name_actions_of_different_kinds(client):
    shop, ann = await Shop.open(client), await join(client)
    assert (await shop.action(ann, "PRODUCT_REVIEW", "sku-42"))["pointsAwarded"] == 20
    assert (await shop.action(ann, "SOCIAL_SHARE", "sku-42"))["pointsAwarded"] == 10


async def test_the_member_can_be_named_by_card_number(client):
    shop, ann = await Shop.open(client), await join(client)
    payload = await shop.action(None, "PRODUCT_REVIEW", "review-1", memberNumber=ann.spaced_number)
    assert (payload["pointsAwarded"], payload["member"]["id"]) == (20, ann.id)


@pytest.mark.parametrize(("fields", "expected"), [
    ({}, error("REQUIRED", "memberId")),
    ({"memberId": "ANN", "memberNumber": "NUMBER"}, error("REQUIRED", "memberId")),
    ({"memberId": to_global_id("Member", 999)}, error("NOT_FOUND", "memberId")),
    ({"memberNumber": "4000 0000 0002"}, error("NOT_FOUND", "memberNumber")),
    ({"memberId": "ANN", "reference": "  "}, error("REQUIRED", "reference")),
    ({"memberId": "ANN", "reference": "x" * 201}, error("INVALID", "reference")),
    ({"memberId": "BOB", "reference": "review-1"}, error("IDEMPOTENCY_CONFLICT")),  # Ann's review
])
async def test_a_refused_action_changes_nothing(client, fields, expected):
    shop, ann, bob = await Shop.open(client), await join(client), await join(client, "bob@example.com")
    await shop.action(ann, "PRODUCT_REVIEW", "review-1")
    before = await shop.state(ann), await shop.state(bob)
    data = {"action": "PRODUCT_REVIEW", "reference": "review-2"}
    data.update({k: {"ANN": ann.id, "BOB": bob.id, "NUMBER": ann.number}.get(v, v) for k, v in fields.items()})
    payload = (await shop.call(RECORD_ACTION, {"input": data}))["recordAction"]
    assert (payload["pointsAwarded"], payload["limitReached"], payload["member"]) == (0, False, None)
    assert errors_of(payload) == expected
    assert (await shop.state(ann), await shop.state(bob)) == before


@pytest.mark.parametrize("caller", ["member", "members:read", "anonymous"])
async def test_only_a_key_with_purchases_write_may_record_actions(client, caller):
    shop, ann = await Shop.open(client), await join(client)
    before = await shop.state(ann)
    token = ann.token if caller == "member" else None if caller == "anonymous" else await api_key(caller)
    variables = {"input": {"memberId": ann.id, "action": "PRODUCT_REVIEW", "reference": "review-1"}}
    body = await gql(client, RECORD_ACTION, variables, token=token, expect_errors=True)
    if caller == "anonymous":
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    else:
        payload = body["data"]["recordAction"]
        assert (payload["pointsAwarded"], payload["member"], errors_of(payload)) == (0, None, error("FORBIDDEN"))
    assert await shop.state(ann) == before
    # The reference was not used up by the refused call.
    assert (await shop.action(ann, "PRODUCT_REVIEW", "review-1"))["pointsAwarded"] == 20
